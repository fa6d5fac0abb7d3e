package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import io.c2d.ErrorCode;
import io.c2d.PaymentException;
import io.c2d.model.EthAddress;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * The provider's side of Ocean's Escrow contract ({@code @oceanprotocol/contracts} 2.6.0): it reads
 * what a payer deposited and authorised, locks a job's maximum price, claims what the job cost and
 * releases the rest. The provider's key is the payee: the payer must have deposited the token and
 * called {@code authorize(token, payee, maxLockedAmount, maxLockSeconds, maxLockCounts)} for this
 * key's address (as ocean.js's {@code EscrowContract} does), or locking fails.
 *
 * <p>A lock is named by the job id as ocean-node names it: SHA-256 of the id's UTF-8 bytes, read as
 * a uint256 ({@link #lockIdOf}). The rules this client keeps, read from the contract:
 *
 * <ul>
 *   <li>{@link #lock}: the payer's available funds must cover the amount ({@link
 *       ErrorCode#PAYMENT_INSUFFICIENT_FUNDS}); the payer must have authorised this payee for the
 *       token, with room for the amount, the lock's duration and one more lock ({@link
 *       ErrorCode#PAYMENT_NOT_AUTHORIZED}); both are checked before anything is sent, and again by
 *       the contract. Locking a job that already holds this payer's lock answers that lock, so a
 *       retried lock never locks twice.
 *   <li>{@link #claim}: at most the locked amount (a larger cost is capped); the rest returns to
 *       the payer's available funds and the provider's part is withdrawn to its account. A lock
 *       past its expiry cannot be claimed: the contract cancels it instead and the claim fails with
 *       {@link ErrorCode#PAYMENT_EXPIRED}.
 *   <li>{@link #release}: claims nothing, so the whole lock returns to the payer at once, expired
 *       or not. (Escrow's {@code cancelExpiredLock}, which ocean-node calls to release, only
 *       cancels locks that have expired.)
 * </ul>
 *
 * <p>Failures complete the stage with a {@link PaymentException}: the codes above, or {@link
 * ErrorCode#PAYMENT_UNAVAILABLE} when the chain did not answer, answered late or refused a
 * transaction. Transactions are sent one at a time from the provider's key (nonces never collide)
 * and each waits for its receipt at most {@link Builder#transactionTimeout}.
 *
 * <p>Thread-safe; no method blocks its caller. {@link #close()} releases the HTTP client.
 */
@SuppressWarnings("rawtypes") // web3j decodes contract answers into raw Types
public final class EscrowClient implements AutoCloseable {
  private final ChainClient client;
  private final TransactionSender sender;
  private final String escrow;
  private final Duration transactionTimeout;
  private final EscrowReader reader;

  private EscrowClient(Builder builder) {
    this.client = ChainClient.create(builder.settings);
    this.sender = new TransactionSender(client, requireNonNull(builder.credentials));
    this.escrow = builder.escrow.value();
    this.transactionTimeout =
        builder.transactionTimeout != null
            ? builder.transactionTimeout
            : builder.settings.rpcTimeout().multipliedBy(12);
    this.reader = new EscrowReader(client, escrow, sender.address());
  }

  /**
   * A builder of a client of the Escrow contract at {@code escrow} on the chain of {@code
   * settings}; {@link Builder#providerKey} is required.
   */
  public static Builder builder(ChainSettings settings, EthAddress escrow) {
    return new Builder(settings, escrow);
  }

  /**
   * The id of {@code jobId}'s lock on chain: SHA-256 of its UTF-8 bytes as an unsigned 256-bit
   * number, as ocean-node's {@code create256Hash} derives it.
   */
  public static BigInteger lockIdOf(String jobId) {
    requireNonNull(jobId, "jobId");
    return new BigInteger(1, Hash.sha256(jobId.getBytes(StandardCharsets.UTF_8)));
  }

  /** The Escrow contract's address. */
  public EthAddress escrowAddress() {
    return EthAddress.of(escrow);
  }

  /** This provider's address: the payee of its locks, the account that sends and pays gas. */
  public EthAddress payee() {
    return EthAddress.of(sender.address());
  }

  /** The chain id of the configured chain. */
  public long chainId() {
    return client.settings().chainId();
  }

  /** What {@code payer} has of {@code token} in the escrow: available and locked, in wei. */
  public CompletionStage<Funds> funds(EthAddress payer, EthAddress token) {
    requireNonNull(payer, "payer");
    requireNonNull(token, "token");
    return reader
        .read(List.of(EscrowAbi.getUserFunds(payer.value(), token.value())))
        .thenApply(answers -> EscrowReader.funds(answers.get(0)))
        .handle(EscrowClient::orPaymentFailure);
  }

  /** {@code payer}'s authorisation of this provider for {@code token}, if there is one. */
  public CompletionStage<Optional<Authorization>> authorization(
      EthAddress payer, EthAddress token) {
    requireNonNull(payer, "payer");
    requireNonNull(token, "token");
    return reader
        .read(List.of(EscrowAbi.getAuthorizations(token.value(), payer.value(), sender.address())))
        .thenApply(answers -> reader.authorization(answers.get(0)))
        .handle(EscrowClient::orPaymentFailure);
  }

  /** The lock {@code jobId} holds of {@code payer}'s {@code token}, if there is one. */
  public CompletionStage<Optional<EscrowLock>> lockOf(
      String jobId, EthAddress payer, EthAddress token) {
    requireNonNull(jobId, "jobId");
    requireNonNull(payer, "payer");
    requireNonNull(token, "token");
    return findLock(jobId, payer, token).handle(EscrowClient::orPaymentFailure);
  }

  /**
   * Locks {@code amount} wei of {@code payer}'s deposited {@code token} for {@code jobId}, for
   * {@code duration} from the block that includes the lock (the job's longest run plus the time the
   * provider needs to claim). Completes with the lock once mined; with the existing lock if the job
   * already holds one of this payer's {@code token}.
   *
   * @throws IllegalArgumentException if the amount or the duration is not positive
   */
  public CompletionStage<EscrowLock> lock(
      String jobId, EthAddress token, EthAddress payer, BigInteger amount, Duration duration) {
    requireNonNull(jobId, "jobId");
    requireNonNull(token, "token");
    requireNonNull(payer, "payer");
    requireNonNull(amount, "amount");
    requireNonNull(duration, "duration");
    if (amount.signum() <= 0) {
      throw new IllegalArgumentException("amount must be positive but is " + amount);
    }
    if (duration.toSeconds() <= 0) {
      throw new IllegalArgumentException("duration must be a second or more but is " + duration);
    }
    BigInteger lockId = lockIdOf(jobId);
    BigInteger seconds = BigInteger.valueOf(duration.toSeconds());
    return sender
        .serially(
            () -> {
              long deadline = System.nanoTime() + transactionTimeout.toNanos();
              return reader
                  .read(
                      List.of(
                          EscrowAbi.getUserFunds(payer.value(), token.value()),
                          EscrowAbi.getAuthorizations(
                              token.value(), payer.value(), sender.address()),
                          EscrowAbi.getLocks(token.value(), payer.value(), sender.address())))
                  .thenCompose(
                      answers -> {
                        Optional<EscrowLock> existing =
                            EscrowReader.lock(answers.get(2), jobId, lockId, payer, token);
                        if (existing.isPresent()) {
                          return CompletableFuture.completedFuture(existing.get());
                        }
                        check(
                            payer,
                            token,
                            amount,
                            seconds,
                            EscrowReader.funds(answers.get(0)),
                            reader.authorization(answers.get(1)));
                        return sender
                            .send(
                                escrow,
                                EscrowAbi.encode(
                                    "createLock",
                                    new Uint256(lockId),
                                    new Address(token.value()),
                                    new Address(payer.value()),
                                    new Uint256(amount),
                                    new Uint256(seconds)),
                                "Escrow.createLock for job " + jobId,
                                deadline)
                            .thenCompose(
                                receipt ->
                                    findLock(jobId, payer, token)
                                        .thenApply(
                                            found ->
                                                withTransaction(
                                                    found.orElseThrow(
                                                        () ->
                                                            new ChainUnavailableException(
                                                                "the lock of job "
                                                                    + jobId
                                                                    + " is not on chain after"
                                                                    + " its transaction "
                                                                    + receipt.getTransactionHash(),
                                                                null)),
                                                    receipt)));
                      });
            })
        .handle(EscrowClient::orPaymentFailure);
  }

  /**
   * Claims {@code cost} wei of {@code jobId}'s lock, at most the locked amount, with {@code proof}
   * (a text the contract logs, such as the finished job's JSON); the rest of the lock returns to
   * the payer, the provider's part is withdrawn to its account.
   *
   * <p>Fails with {@link ErrorCode#PAYMENT_EXPIRED} if the job holds no lock (it expired and was
   * cancelled, or was settled before) or the lock had expired (the contract cancelled it and
   * returned it to the payer).
   *
   * @throws IllegalArgumentException if {@code cost} is negative
   */
  public CompletionStage<EscrowSettlement> claim(
      String jobId, EthAddress token, EthAddress payer, BigInteger cost, String proof) {
    requireNonNull(jobId, "jobId");
    requireNonNull(token, "token");
    requireNonNull(payer, "payer");
    requireNonNull(cost, "cost");
    requireNonNull(proof, "proof");
    if (cost.signum() < 0) {
      throw new IllegalArgumentException("cost must not be negative but is " + cost);
    }
    if (cost.signum() == 0) {
      return release(jobId, token, payer);
    }
    return sender
        .serially(
            () -> {
              long deadline = System.nanoTime() + transactionTimeout.toNanos();
              return findLock(jobId, payer, token)
                  .thenCompose(
                      found -> {
                        EscrowLock lock =
                            found.orElseThrow(
                                () ->
                                    new PaymentException(
                                        ErrorCode.PAYMENT_EXPIRED,
                                        "job "
                                            + jobId
                                            + " holds no escrow lock of "
                                            + payer
                                            + "'s "
                                            + token
                                            + " to claim: it expired and was cancelled, or was"
                                            + " settled before"));
                        BigInteger claimed = cost.min(lock.amount());
                        return sender
                            .send(
                                escrow,
                                EscrowAbi.encode(
                                    "claimLockAndWithdraw",
                                    new Uint256(lock.lockId()),
                                    new Address(token.value()),
                                    new Address(payer.value()),
                                    new Uint256(claimed),
                                    new DynamicBytes(proof.getBytes(StandardCharsets.UTF_8))),
                                "Escrow.claimLockAndWithdraw for job " + jobId,
                                deadline)
                            .thenApply(
                                receipt -> {
                                  if (EscrowReader.emitted(receipt, EscrowAbi.CANCELED)) {
                                    throw new PaymentException(
                                        ErrorCode.PAYMENT_EXPIRED,
                                        "the escrow lock of job "
                                            + jobId
                                            + " expired at "
                                            + lock.expiry()
                                            + " before it was claimed: the contract cancelled it"
                                            + " and returned "
                                            + lock.amount()
                                            + " wei to "
                                            + payer
                                            + " (transaction "
                                            + receipt.getTransactionHash()
                                            + ")");
                                  }
                                  return new EscrowSettlement(
                                      jobId,
                                      claimed,
                                      lock.amount().subtract(claimed),
                                      Optional.of(receipt.getTransactionHash()));
                                });
                      });
            })
        .handle(EscrowClient::orPaymentFailure);
  }

  /**
   * Returns the whole of {@code jobId}'s lock to the payer, claiming nothing: for a job that failed
   * before it ran, or was refused after its lock. Completes with an empty settlement if the job
   * holds no lock (never locked, or already settled), so releasing twice is harmless.
   */
  public CompletionStage<EscrowSettlement> release(
      String jobId, EthAddress token, EthAddress payer) {
    requireNonNull(jobId, "jobId");
    requireNonNull(token, "token");
    requireNonNull(payer, "payer");
    return sender
        .serially(
            () -> {
              long deadline = System.nanoTime() + transactionTimeout.toNanos();
              return findLock(jobId, payer, token)
                  .thenCompose(
                      found -> {
                        if (found.isEmpty()) {
                          return CompletableFuture.completedFuture(
                              new EscrowSettlement(
                                  jobId, BigInteger.ZERO, BigInteger.ZERO, Optional.empty()));
                        }
                        EscrowLock lock = found.get();
                        // a claim of nothing returns the lock to the payer before its expiry too
                        return sender
                            .send(
                                escrow,
                                EscrowAbi.encode(
                                    "claimLock",
                                    new Uint256(lock.lockId()),
                                    new Address(token.value()),
                                    new Address(payer.value()),
                                    Uint256.DEFAULT,
                                    new DynamicBytes(
                                        ("released: " + jobId).getBytes(StandardCharsets.UTF_8))),
                                "Escrow.claimLock (release) for job " + jobId,
                                deadline)
                            .thenApply(
                                receipt ->
                                    new EscrowSettlement(
                                        jobId,
                                        BigInteger.ZERO,
                                        lock.amount(),
                                        Optional.of(receipt.getTransactionHash())));
                      });
            })
        .handle(EscrowClient::orPaymentFailure);
  }

  private CompletableFuture<Optional<EscrowLock>> findLock(
      String jobId, EthAddress payer, EthAddress token) {
    return reader
        .read(List.of(EscrowAbi.getLocks(token.value(), payer.value(), sender.address())))
        .thenApply(
            answers -> EscrowReader.lock(answers.get(0), jobId, lockIdOf(jobId), payer, token));
  }

  private static EscrowLock withTransaction(EscrowLock lock, TransactionReceipt receipt) {
    return new EscrowLock(
        lock.jobId(),
        lock.lockId(),
        lock.payer(),
        lock.token(),
        lock.amount(),
        lock.expiry(),
        Optional.of(receipt.getTransactionHash()));
  }

  private void check(
      EthAddress payer,
      EthAddress token,
      BigInteger amount,
      BigInteger seconds,
      Funds funds,
      Optional<Authorization> authorization) {
    if (payer.value().equalsIgnoreCase(sender.address())) {
      throw new PaymentException(
          ErrorCode.PAYMENT_NOT_AUTHORIZED,
          "the payer " + payer + " is this provider itself: the Escrow contract refuses that");
    }
    if (funds.available().compareTo(amount) < 0) {
      throw new PaymentException(
          ErrorCode.PAYMENT_INSUFFICIENT_FUNDS,
          payer
              + " has "
              + funds.available()
              + " wei of "
              + token
              + " available in the escrow "
              + escrow
              + " but the job needs "
              + amount
              + ": deposit the difference first");
    }
    if (authorization.isEmpty()) {
      throw new PaymentException(
          ErrorCode.PAYMENT_NOT_AUTHORIZED,
          payer
              + " has not authorised this provider ("
              + sender.address()
              + ") for "
              + token
              + " in the escrow "
              + escrow
              + ": call authorize(token, payee, maxLockedAmount, maxLockSeconds, maxLockCounts)");
    }
    Authorization auth = authorization.get();
    String limit = null;
    if (auth.currentLockedAmount().add(amount).compareTo(auth.maxLockedAmount()) > 0) {
      limit =
          "maxLockedAmount "
              + auth.maxLockedAmount()
              + " does not cover "
              + auth.currentLockedAmount()
              + " already locked plus "
              + amount;
    } else if (auth.maxLockSeconds().compareTo(seconds) < 0) {
      limit = "maxLockSeconds " + auth.maxLockSeconds() + " is below the lock's " + seconds;
    } else if (auth.currentLocks().compareTo(auth.maxLockCounts()) >= 0) {
      limit =
          "maxLockCounts "
              + auth.maxLockCounts()
              + " allows no lock beyond the "
              + auth.currentLocks()
              + " held";
    }
    if (limit != null) {
      throw new PaymentException(
          ErrorCode.PAYMENT_NOT_AUTHORIZED,
          payer
              + "'s authorisation of this provider for "
              + token
              + " is too small: "
              + limit
              + "; authorise again with higher limits");
    }
  }

  /** Passes a result through; turns a failure into the {@link PaymentException} it stands for. */
  private static <T> T orPaymentFailure(@Nullable T result, @Nullable Throwable failure) {
    if (failure != null) {
      throw paymentFailure(failure);
    }
    // a stage that completed normally carries a value: every result here is non-null
    return requireNonNull(result, "result");
  }

  static PaymentException paymentFailure(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof PaymentException payment) {
      return payment;
    }
    String reason =
        cause instanceof TransactionSender.TransactionRevertedException
            ? String.valueOf(cause.getMessage())
            : ChainClient.reasonOf(cause);
    // the contract's own refusals (a race with the payer, or a check this client does not make)
    String lower = reason.toLowerCase(Locale.ROOT);
    if (lower.contains("enough funds")) {
      return new PaymentException(ErrorCode.PAYMENT_INSUFFICIENT_FUNDS, reason, cause);
    }
    if (lower.contains("no auth found")
        || lower.contains("expiry too high")
        || lower.contains("exceeds max")
        || lower.contains("cannot be payee")) {
      return new PaymentException(ErrorCode.PAYMENT_NOT_AUTHORIZED, reason, cause);
    }
    return new PaymentException(ErrorCode.PAYMENT_UNAVAILABLE, reason, cause);
  }

  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return "EscrowClient{escrow=" + escrow + ", payee=" + sender.address() + "}";
  }

  /**
   * A payer's funds of one token in the escrow, in wei.
   *
   * @param available what new locks can take and the payer can withdraw
   * @param locked what the payer's current locks hold
   */
  public record Funds(BigInteger available, BigInteger locked) {
    /** Checks the components. */
    public Funds {
      requireNonNull(available, "available");
      requireNonNull(locked, "locked");
    }
  }

  /**
   * A payer's authorisation of this provider for one token: what its locks may hold.
   *
   * @param maxLockedAmount the most all of the provider's locks may hold at once, in wei
   * @param currentLockedAmount what they hold now
   * @param maxLockSeconds the longest a lock may last, in seconds
   * @param maxLockCounts the most locks the provider may hold at once
   * @param currentLocks the locks it holds now
   */
  public record Authorization(
      BigInteger maxLockedAmount,
      BigInteger currentLockedAmount,
      BigInteger maxLockSeconds,
      BigInteger maxLockCounts,
      BigInteger currentLocks) {
    /** Checks the components. */
    public Authorization {
      requireNonNull(maxLockedAmount, "maxLockedAmount");
      requireNonNull(currentLockedAmount, "currentLockedAmount");
      requireNonNull(maxLockSeconds, "maxLockSeconds");
      requireNonNull(maxLockCounts, "maxLockCounts");
      requireNonNull(currentLocks, "currentLocks");
    }
  }

  /** Builds an {@link EscrowClient}. Not thread-safe. */
  public static final class Builder {
    private final ChainSettings settings;
    private final EthAddress escrow;
    private @Nullable Credentials credentials;
    private @Nullable Duration transactionTimeout;

    private Builder(ChainSettings settings, EthAddress escrow) {
      this.settings = requireNonNull(settings, "settings");
      this.escrow = requireNonNull(escrow, "escrow");
    }

    /**
     * The provider's private key, 0x and 64 hex digits: the payee of the locks and the account that
     * sends the transactions and pays their gas. Kept in memory only, never logged.
     *
     * @throws IllegalArgumentException if it is not a private key (the message omits the key)
     */
    public Builder providerKey(String privateKey) {
      this.credentials = PrivateKeys.credentialsOf(privateKey);
      return this;
    }

    /**
     * The limit of one lock, claim or release, receipt and confirmations included; default twelve
     * times the RPC timeout.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder transactionTimeout(Duration transactionTimeout) {
      requireNonNull(transactionTimeout, "transactionTimeout");
      if (transactionTimeout.isZero() || transactionTimeout.isNegative()) {
        throw new IllegalArgumentException(
            "transactionTimeout must be positive but is " + transactionTimeout);
      }
      this.transactionTimeout = transactionTimeout;
      return this;
    }

    /**
     * Builds the client; does no I/O.
     *
     * @throws IllegalStateException if no provider key is set
     */
    public EscrowClient build() {
      if (credentials == null) {
        throw new IllegalStateException("providerKey is required");
      }
      return new EscrowClient(this);
    }
  }
}
