package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import io.c2d.spi.agreement.Verdict;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.OkHttpClient;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.BatchRequest;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthBlockNumber;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthChainId;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthGasPrice;
import org.web3j.protocol.core.methods.response.EthGetCode;
import org.web3j.protocol.core.methods.response.EthGetTransactionCount;
import org.web3j.protocol.core.methods.response.EthGetTransactionReceipt;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.exceptions.ClientConnectionException;
import org.web3j.protocol.http.HttpService;

/**
 * One JSON-RPC connection to the configured chain, shared by the verifiers of this module: web3j
 * over OkHttp, whose call timeout is the configured RPC timeout.
 *
 * <p>Every call is a batch sent with web3j's {@code sendAsync}, so the caller's thread never waits
 * on the network; while a call is in flight it occupies one thread of web3j's own pool, at most for
 * the RPC timeout. Until the endpoint has once answered {@code eth_chainId} with the configured
 * chain id, that question rides along in the same batch, so checking the chain costs no extra round
 * trip. Failures (connection refused, timeouts, HTTP errors, JSON-RPC errors, a wrong chain)
 * complete the returned stage exceptionally with a {@link ChainUnavailableException}; {@link
 * #unknown(Throwable)} turns any failure into an {@link Verdict#unknown unknown} verdict.
 *
 * <p>Thread-safe.
 */
final class ChainClient implements AutoCloseable {
  private final ChainSettings settings;
  private final OkHttpClient http;
  private final Web3j web3j;
  private final AtomicLong roundTrips = new AtomicLong();
  // set once the endpoint has answered with the configured chain id; never reset, since an
  // endpoint does not change chains under a running provider
  private volatile boolean chainConfirmed;

  private ChainClient(ChainSettings settings) {
    this.settings = settings;
    Duration timeout = settings.rpcTimeout();
    this.http =
        new OkHttpClient.Builder()
            .callTimeout(timeout)
            .connectTimeout(timeout)
            .readTimeout(timeout)
            .writeTimeout(timeout)
            // a JSON-RPC POST is not retried behind our back: the timeout covers one attempt
            .retryOnConnectionFailure(false)
            .addInterceptor(
                chain -> {
                  roundTrips.incrementAndGet();
                  return chain.proceed(chain.request());
                })
            .build();
    this.web3j = Web3j.build(new HttpService(settings.rpcUrl().toString(), http, false));
  }

  /** A client of {@code settings}' endpoint; does no I/O. */
  static ChainClient create(ChainSettings settings) {
    return new ChainClient(requireNonNull(settings, "settings"));
  }

  ChainSettings settings() {
    return settings;
  }

  /** The HTTP requests sent so far (a batch is one), for tests and metrics. */
  long roundTrips() {
    return roundTrips.get();
  }

  Request<?, EthBlock> latestBlock() {
    return web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false);
  }

  Request<?, EthBlockNumber> blockNumber() {
    return web3j.ethBlockNumber();
  }

  Request<?, EthGetTransactionReceipt> receipt(String txHash) {
    return web3j.ethGetTransactionReceipt(txHash);
  }

  Request<?, EthLog> logs(EthFilter filter) {
    return web3j.ethGetLogs(filter);
  }

  Request<?, EthGetCode> code(String address) {
    return web3j.ethGetCode(address, DefaultBlockParameterName.LATEST);
  }

  Request<?, EthCall> call(String to, String data, DefaultBlockParameter block) {
    return web3j.ethCall(Transaction.createEthCallTransaction(null, to, data), block);
  }

  // what sending a signed transaction needs (the Keeper verifier's fulfilling mode)

  Request<?, EthGetTransactionCount> pendingNonce(String address) {
    return web3j.ethGetTransactionCount(address, DefaultBlockParameterName.PENDING);
  }

  Request<?, EthGasPrice> gasPrice() {
    return web3j.ethGasPrice();
  }

  Request<?, EthEstimateGas> estimateGas(String from, String to, String data) {
    return web3j.ethEstimateGas(Transaction.createEthCallTransaction(from, to, data));
  }

  Request<?, EthSendTransaction> sendRaw(String signedTransaction) {
    return web3j.ethSendRawTransaction(signedTransaction);
  }

  /**
   * Sends {@code requests} in one round trip. The stage completes with their responses, in order,
   * each without a JSON-RPC error; or exceptionally with a {@link ChainUnavailableException}.
   */
  CompletableFuture<List<Response<?>>> batch(
      List<? extends Request<?, ? extends Response<?>>> requests) {
    boolean checkChain = !chainConfirmed;
    BatchRequest batch = web3j.newBatch();
    if (checkChain) {
      batch.add(web3j.ethChainId());
    }
    for (Request<?, ? extends Response<?>> request : requests) {
      batch.add(request);
    }
    CompletableFuture<List<Response<?>>> sent;
    try {
      sent =
          batch
              .sendAsync()
              .thenApply(response -> new ArrayList<Response<?>>(response.getResponses()));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return sent
        // OkHttp's call timeout bounds the call; this bounds everything around it as well
        .orTimeout(settings.rpcTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS)
        .handle(
            (responses, failure) -> {
              if (failure != null) {
                throw new ChainUnavailableException(reasonOf(failure), failure);
              }
              return checked(responses, checkChain, requests.size());
            });
  }

  private List<Response<?>> checked(List<Response<?>> responses, boolean checkChain, int expected) {
    int offset = checkChain ? 1 : 0;
    if (responses.size() != expected + offset) {
      throw new ChainUnavailableException(
          "the RPC endpoint answered "
              + responses.size()
              + " of "
              + (expected + offset)
              + " batched calls",
          null);
    }
    for (Response<?> response : responses) {
      if (response.hasError()) {
        throw new ChainUnavailableException(
            "the RPC endpoint answered an error: " + response.getError().getMessage(), null);
      }
    }
    if (checkChain) {
      BigInteger served = ((EthChainId) responses.get(0)).getChainId();
      if (!BigInteger.valueOf(settings.chainId()).equals(served)) {
        throw new ChainUnavailableException(
            "the RPC endpoint serves chain id "
                + served
                + " but chain id "
                + settings.chainId()
                + " is configured",
            null);
      }
      chainConfirmed = true;
    }
    return responses.subList(offset, responses.size());
  }

  /** An unknown verdict for a failed call, naming the cause. */
  static Verdict unknown(Throwable failure) {
    return Verdict.unknown(reasonOf(failure));
  }

  /** Says, in one line, why a chain call failed: unwraps, and names timeouts and refusals. */
  static String reasonOf(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ChainUnavailableException) {
      return String.valueOf(cause.getMessage());
    }
    // web3j wraps the transport's IOException in a CompletionException or a RuntimeException
    Throwable io = cause;
    while (io != null && !(io instanceof IOException) && !(io instanceof TimeoutException)) {
      io = io.getCause();
    }
    if (io instanceof ConnectException) {
      return "the chain is unreachable: connection refused (" + io.getMessage() + ")";
    }
    if (io instanceof SocketTimeoutException
        || io instanceof InterruptedIOException
        || io instanceof TimeoutException) {
      return "the chain did not answer within the RPC timeout";
    }
    if (io != null) {
      return "the chain RPC failed: " + io;
    }
    if (cause instanceof ClientConnectionException) {
      return "the chain RPC failed: " + cause.getMessage();
    }
    return "the chain RPC failed: " + cause;
  }

  /** Shuts down web3j's scheduler and OkHttp's threads and connections. */
  @Override
  public void close() {
    web3j.shutdown();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
