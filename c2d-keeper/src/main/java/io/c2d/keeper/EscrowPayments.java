package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import io.c2d.ErrorCode;
import io.c2d.PaymentException;
import io.c2d.model.ComputePricing;
import io.c2d.model.JobId;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link ComputePayments} with Ocean's Escrow contract, as ocean-node pays for compute: the lock is
 * the pricing's cost of the requested resources for the maximum duration, for {@code maxDuration +
 * claimTime} (ocean-node's {@code minLockSeconds}); the settlement claims the cost of the run time,
 * at most the lock; a release claims nothing. A job whose price is zero locks nothing.
 *
 * <p>The lock's id on chain is derived from {@link JobId#value()} ({@link EscrowClient#lockIdOf}).
 *
 * <p>Thread-safe; never blocks the caller. Closing it closes the {@link EscrowClient} only if it
 * was made with {@link Builder#closeClient}.
 */
public final class EscrowPayments implements ComputePayments, AutoCloseable {
  /** The default {@link Builder#claimTime}: one hour, ocean-node's default claim timeout. */
  public static final Duration DEFAULT_CLAIM_TIME = Duration.ofHours(1);

  private final EscrowClient escrow;
  private final Duration claimTime;
  private final boolean closeClient;

  private EscrowPayments(Builder builder) {
    this.escrow = builder.escrow;
    this.claimTime = builder.claimTime;
    this.closeClient = builder.closeClient;
  }

  /** A builder of payments through {@code escrow}. */
  public static Builder builder(EscrowClient escrow) {
    return new Builder(escrow);
  }

  @Override
  public EscrowQuote quote(ComputePricing pricing, PaymentTerms terms) {
    requireNonNull(pricing, "pricing");
    requireNonNull(terms, "terms");
    checkToken(pricing, terms);
    return new EscrowQuote(
        escrow.escrowAddress(),
        escrow.chainId(),
        escrow.payee(),
        pricing.token(),
        pricing.cost(terms.resources(), terms.maxDuration()),
        lockDuration(terms));
  }

  @Override
  public CompletionStage<EscrowLock> lock(JobId job, ComputePricing pricing, PaymentTerms terms) {
    requireNonNull(job, "job");
    EscrowQuote quote;
    try {
      quote = quote(pricing, terms);
    } catch (PaymentException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (quote.amount().signum() == 0) {
      return CompletableFuture.completedFuture(
          new EscrowLock(
              job.value(),
              EscrowClient.lockIdOf(job.value()),
              terms.payer(),
              terms.token(),
              BigInteger.ZERO,
              Instant.EPOCH,
              Optional.empty()));
    }
    return escrow.lock(job.value(), terms.token(), terms.payer(), quote.amount(), quote.minLock());
  }

  @Override
  public CompletionStage<EscrowSettlement> settle(
      JobId job, ComputePricing pricing, PaymentTerms terms, Duration ranFor) {
    requireNonNull(job, "job");
    requireNonNull(pricing, "pricing");
    requireNonNull(terms, "terms");
    requireNonNull(ranFor, "ranFor");
    BigInteger cost;
    try {
      checkToken(pricing, terms);
      // never beyond the duration the lock was priced for
      Duration charged = ranFor.compareTo(terms.maxDuration()) > 0 ? terms.maxDuration() : ranFor;
      cost = pricing.cost(terms.resources(), charged.isNegative() ? Duration.ZERO : charged);
    } catch (PaymentException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (pricing.cost(terms.resources(), terms.maxDuration()).signum() == 0) {
      return CompletableFuture.completedFuture(
          new EscrowSettlement(job.value(), BigInteger.ZERO, BigInteger.ZERO, Optional.empty()));
    }
    String proof =
        "{\"jobId\":\"" + job.value() + "\",\"ranForSeconds\":" + ranFor.toSeconds() + "}";
    return escrow.claim(job.value(), terms.token(), terms.payer(), cost, proof);
  }

  @Override
  public CompletionStage<EscrowSettlement> release(JobId job, PaymentTerms terms) {
    requireNonNull(job, "job");
    requireNonNull(terms, "terms");
    return escrow.release(job.value(), terms.token(), terms.payer());
  }

  private Duration lockDuration(PaymentTerms terms) {
    Duration duration = terms.maxDuration().plus(claimTime);
    // the contract counts whole seconds
    return duration.toNanosPart() == 0 ? duration : Duration.ofSeconds(duration.toSeconds() + 1);
  }

  private static void checkToken(ComputePricing pricing, PaymentTerms terms) {
    if (!pricing.token().value().equalsIgnoreCase(terms.token().value())) {
      throw new PaymentException(
          ErrorCode.PAYMENT_TOKEN_UNSUPPORTED,
          "the environment is paid in "
              + pricing.token()
              + " but the request offers "
              + terms.token());
    }
  }

  @Override
  public void close() {
    if (closeClient) {
      escrow.close();
    }
  }

  @Override
  public String toString() {
    return "EscrowPayments{" + escrow + ", claimTime=" + claimTime + "}";
  }

  /** Builds {@link EscrowPayments}. Not thread-safe. */
  public static final class Builder {
    private final EscrowClient escrow;
    private Duration claimTime = DEFAULT_CLAIM_TIME;
    private boolean closeClient;

    private Builder(EscrowClient escrow) {
      this.escrow = requireNonNull(escrow, "escrow");
    }

    /**
     * How long after a job's maximum duration the provider may still claim: the lock lasts the
     * maximum duration plus this; default {@link #DEFAULT_CLAIM_TIME}.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder claimTime(Duration claimTime) {
      requireNonNull(claimTime, "claimTime");
      if (claimTime.isNegative()) {
        throw new IllegalArgumentException("claimTime must not be negative but is " + claimTime);
      }
      this.claimTime = claimTime;
      return this;
    }

    /** Whether {@link EscrowPayments#close()} closes the client too; default false. */
    public Builder closeClient(boolean closeClient) {
      this.closeClient = closeClient;
      return this;
    }

    /** Builds the payments. */
    public EscrowPayments build() {
      return new EscrowPayments(this);
    }
  }
}
