package io.c2d.keeper;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
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
 * Fulfils compute-execution conditions as the provider, as Ocean's provider did before it started a
 * job: signs {@code ComputeExecutionCondition.fulfill(agreementId, did, consumer)} with the
 * provider's key (legacy transaction, EIP-155 chain id), sends it and waits, by polling, until it
 * is mined and has the configured confirmations.
 *
 * <p>Thread-safe. Transactions are sent one after the other, so that two never take the same nonce;
 * a second request for an agreement whose fulfilment is under way joins it. Nothing blocks: waiting
 * is a delayed re-poll. Failures complete the stage with a {@link ChainUnavailableException}.
 */
final class ComputeFulfiller {
  private static final Duration POLL = Duration.ofMillis(100);

  private final ChainClient client;
  private final Credentials credentials;
  private final String computeCondition;
  private final Duration timeout;
  private final Executor poller =
      CompletableFuture.delayedExecutor(POLL.toMillis(), TimeUnit.MILLISECONDS);
  private final ConcurrentHashMap<String, CompletableFuture<Void>> inFlight =
      new ConcurrentHashMap<>();
  private final Object lock = new Object();
  // the last fulfilment queued; the next one starts when it ends (guarded by lock)
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

  ComputeFulfiller(
      ChainClient client, Credentials credentials, String computeCondition, Duration timeout) {
    this.client = client;
    this.credentials = credentials;
    this.computeCondition = computeCondition;
    this.timeout = timeout;
  }

  String address() {
    return credentials.getAddress();
  }

  /** Fulfils the condition; completes once the transaction is mined and confirmed. */
  CompletableFuture<Void> fulfil(String agreementId, String did, String consumer) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    CompletableFuture<Void> running = inFlight.putIfAbsent(agreementId, result);
    if (running != null) {
      return running;
    }
    CompletableFuture<Void> sent;
    synchronized (lock) {
      sent =
          tail.handle((ignored, failure) -> null)
              .thenCompose(v -> send(agreementId, did, consumer));
      tail = sent;
    }
    var unused =
        sent.whenComplete(
            (v, failure) -> {
              inFlight.remove(agreementId, result);
              if (failure != null) {
                result.completeExceptionally(failure);
              } else {
                result.complete(null);
              }
            });
    return result;
  }

  private CompletableFuture<Void> send(String agreementId, String did, String consumer) {
    String from = credentials.getAddress();
    String data = KeeperAbi.fulfilComputeExecution(agreementId, did, consumer);
    long deadline = System.nanoTime() + timeout.toNanos();
    return client
        .batch(
            List.of(
                client.pendingNonce(from),
                client.gasPrice(),
                client.estimateGas(from, computeCondition, data)))
        .thenCompose(
            prepared -> {
              BigInteger nonce = ((EthGetTransactionCount) prepared.get(0)).getTransactionCount();
              BigInteger gasPrice = ((EthGasPrice) prepared.get(1)).getGasPrice();
              BigInteger estimate = ((EthEstimateGas) prepared.get(2)).getAmountUsed();
              // a quarter more than estimated: the estimate of these 0.5 contracts' calls can fall
              // short, and an out-of-gas revert costs a whole new round
              BigInteger gas = estimate.add(estimate.shiftRight(2));
              RawTransaction raw =
                  RawTransaction.createTransaction(
                      nonce, gasPrice, gas, computeCondition, BigInteger.ZERO, data);
              String signed =
                  Numeric.toHexString(
                      TransactionEncoder.signMessage(
                          raw, client.settings().chainId(), credentials));
              return client.batch(List.of(client.sendRaw(signed)));
            })
        .thenCompose(
            sentTx ->
                awaitConfirmed(
                    ((EthSendTransaction) sentTx.get(0)).getTransactionHash(), deadline));
  }

  private CompletableFuture<Void> awaitConfirmed(String hash, long deadline) {
    return client
        .batch(List.of(client.receipt(hash), client.blockNumber()))
        .thenCompose(
            answers -> {
              Optional<TransactionReceipt> receipt =
                  ((EthGetTransactionReceipt) answers.get(0)).getTransactionReceipt();
              long latest = ((EthBlockNumber) answers.get(1)).getBlockNumber().longValueExact();
              int needed = Math.max(1, client.settings().confirmations());
              if (receipt.isPresent()
                  && latest - receipt.get().getBlockNumber().longValueExact() + 1 >= needed) {
                return CompletableFuture.<Void>completedFuture(null);
              }
              if (System.nanoTime() - deadline > 0) {
                return CompletableFuture.<Void>failedFuture(
                    new ChainUnavailableException(
                        "the compute-execution fulfilment "
                            + hash
                            + (receipt.isPresent()
                                ? " did not reach " + needed + " confirmations"
                                : " was not mined")
                            + " within "
                            + timeout,
                        null));
              }
              return CompletableFuture.runAsync(() -> {}, poller)
                  .thenCompose(v -> awaitConfirmed(hash, deadline));
            });
  }
}
