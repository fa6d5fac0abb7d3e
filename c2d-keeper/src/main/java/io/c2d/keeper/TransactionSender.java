package io.c2d.keeper;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.core.methods.response.EthBlockNumber;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthGasPrice;
import org.web3j.protocol.core.methods.response.EthGetTransactionCount;
import org.web3j.protocol.core.methods.response.EthGetTransactionReceipt;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * Signs and sends the derived-asset publishers' transactions from one key: legacy transactions with
 * the EIP-155 chain id, gas estimated by the node plus a quarter, then a poll for the receipt until
 * it is mined and has the configured confirmations.
 *
 * <p>Thread-safe. {@link #serially} runs one task at a time, in submission order, so that two
 * publications neither take the same nonce nor both look for, miss and create the asset of one job.
 * Nothing blocks: waiting is a delayed re-poll. Failures complete the stage with a {@link
 * ChainUnavailableException} (the chain did not answer, or refused) or a {@link
 * TransactionRevertedException} (mined, with status 0). The key never appears in a message.
 */
final class TransactionSender {
  private static final Duration POLL = Duration.ofMillis(100);

  private final ChainClient client;
  private final Credentials credentials;
  private final Executor poller =
      CompletableFuture.delayedExecutor(POLL.toMillis(), TimeUnit.MILLISECONDS);
  private final Object lock = new Object();
  // the last task queued; the next one starts when it ends (guarded by lock)
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

  TransactionSender(ChainClient client, Credentials credentials) {
    this.client = client;
    this.credentials = credentials;
  }

  /** The sending account, 0x and 40 lower-case hex digits. */
  String address() {
    return credentials.getAddress();
  }

  ChainClient client() {
    return client;
  }

  /** Runs {@code task} once every task queued before it has ended, however it ended. */
  <T> CompletableFuture<T> serially(Supplier<CompletableFuture<T>> task) {
    synchronized (lock) {
      CompletableFuture<T> next =
          tail.handle((ignored, failure) -> null).thenCompose(v -> task.get());
      tail = next;
      return next;
    }
  }

  /**
   * Sends a call of {@code data} to {@code to}; completes with its receipt once it is mined with
   * status 1 and confirmed, or exceptionally once {@code deadlineNanos} ({@link System#nanoTime()})
   * has passed. {@code what} names the call in messages.
   */
  CompletableFuture<TransactionReceipt> send(
      String to, String data, String what, long deadlineNanos) {
    String from = credentials.getAddress();
    return client
        .batch(
            List.of(
                client.pendingNonce(from), client.gasPrice(), client.estimateGas(from, to, data)))
        .handle(
            (prepared, failure) -> {
              if (failure != null) {
                // the node estimates by executing: a call that would revert fails here, with the
                // contract's reason in the RPC error
                throw new ChainUnavailableException(
                    what + " cannot be sent: " + ChainClient.reasonOf(failure), failure);
              }
              return prepared;
            })
        .thenCompose(
            prepared -> {
              BigInteger nonce = ((EthGetTransactionCount) prepared.get(0)).getTransactionCount();
              BigInteger gasPrice = ((EthGasPrice) prepared.get(1)).getGasPrice();
              BigInteger estimate = ((EthEstimateGas) prepared.get(2)).getAmountUsed();
              BigInteger gas = estimate.add(estimate.shiftRight(2));
              RawTransaction raw =
                  RawTransaction.createTransaction(nonce, gasPrice, gas, to, BigInteger.ZERO, data);
              String signed =
                  Numeric.toHexString(
                      TransactionEncoder.signMessage(
                          raw, client.settings().chainId(), credentials));
              return client.batch(List.of(client.sendRaw(signed)));
            })
        .thenCompose(
            sent ->
                awaitConfirmed(
                    ((EthSendTransaction) sent.get(0)).getTransactionHash(), what, deadlineNanos));
  }

  private CompletableFuture<TransactionReceipt> awaitConfirmed(
      String hash, String what, long deadline) {
    return client
        .batch(List.of(client.receipt(hash), client.blockNumber()))
        .thenCompose(
            answers -> {
              Optional<TransactionReceipt> receipt =
                  ((EthGetTransactionReceipt) answers.get(0)).getTransactionReceipt();
              long latest = ((EthBlockNumber) answers.get(1)).getBlockNumber().longValueExact();
              int needed = Math.max(1, client.settings().confirmations());
              if (receipt.isPresent() && !receipt.get().isStatusOK()) {
                return CompletableFuture.<TransactionReceipt>failedFuture(
                    new TransactionRevertedException(
                        what + " reverted in transaction " + hash, receipt.get()));
              }
              if (receipt.isPresent()
                  && latest - receipt.get().getBlockNumber().longValueExact() + 1 >= needed) {
                return CompletableFuture.completedFuture(receipt.get());
              }
              if (System.nanoTime() - deadline > 0) {
                return CompletableFuture.<TransactionReceipt>failedFuture(
                    new ChainUnavailableException(
                        what
                            + " (transaction "
                            + hash
                            + ")"
                            + (receipt.isPresent()
                                ? " did not reach " + needed + " confirmations"
                                : " was not mined")
                            + " in time",
                        null));
              }
              return CompletableFuture.runAsync(() -> {}, poller)
                  .thenCompose(v -> awaitConfirmed(hash, what, deadline));
            });
  }

  /** A transaction was mined but failed (receipt status 0). */
  static final class TransactionRevertedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient TransactionReceipt receipt;

    TransactionRevertedException(String message, TransactionReceipt receipt) {
      super(message, null, false, false);
      this.receipt = receipt;
    }

    TransactionReceipt receipt() {
      return receipt;
    }
  }
}
