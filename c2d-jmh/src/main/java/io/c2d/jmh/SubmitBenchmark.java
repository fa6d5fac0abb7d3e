package io.c2d.jmh;

import io.c2d.ComputeEngine;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.EthAddress;
import io.c2d.model.Resources;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.InMemoryComputeBackend;
import io.c2d.testkit.TestRequests;
import io.c2d.testkit.crypto.EthereumKey;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The engine's own cost of one start, submit to dispatch, on the in-memory backend with an
 * allow-all verifier. Signature recovery is left out on purpose (an authenticator that trusts the
 * consumer): it is a fixed cryptographic cost, measured on its own.
 *
 * <p>Run: {@code java -jar c2d-jmh/target/benchmarks.jar SubmitBenchmark -rf json}
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput})
@OutputTimeUnit(TimeUnit.SECONDS)
public class SubmitBenchmark {
  private static final int REQUESTS_PER_ITERATION = 50_000;
  private static final EthAddress PROVIDER = EthereumKey.CAROL.address();

  private ComputeEngine engine;
  private ComputeRequest[] requests;
  private int next;

  /** A fresh engine and a batch of distinct requests for each iteration. */
  @Setup(Level.Iteration)
  public void setUp() {
    EthAddress consumer = EthereumKey.ALICE.address();
    ConsumerAuthenticator trustsTheConsumer = (message, signature) -> consumer;
    ComputeEnvironment environment =
        ComputeEnvironment.builder("bench")
            .capacity(Resources.of(1024, 1024 * 1024, 1024 * 1024, 0))
            .maxPerJob(Resources.of(1, 1024, 1024, 0))
            .maxConcurrentJobs(1_000_000)
            .maxJobsPerConsumer(1_000_000)
            .build();
    engine =
        ComputeEngine.builder()
            .backend(InMemoryComputeBackend.create(environment).autoComplete())
            .verifier(FakeAgreementVerifier.allowAll())
            .authenticator(trustsTheConsumer)
            .executor(Runnable::run)
            .chainId(8996)
            .providerAddress(PROVIDER)
            .build();
    engine.ready().toCompletableFuture().join();
    Instant expiry = Instant.now().plus(Duration.ofMinutes(30));
    requests = new ComputeRequest[REQUESTS_PER_ITERATION];
    for (int i = 0; i < requests.length; i++) {
      requests[i] =
          ComputeRequest.builder()
              .consumer(consumer)
              .addDataset(TestRequests.dataset(1).ddoJson(TestRequests.openDdo(1)).build())
              .algorithm(
                  io.c2d.model.Algorithm.raw(
                          io.c2d.model.ContainerSpec.of("busybox", "stable", "sh $ALGO"), "echo hi")
                      .build())
              .environment("bench")
              .nonce(Integer.toString(i + 1))
              .expiresAt(expiry)
              .signature("0x" + "00".repeat(64) + "1b")
              .build();
    }
    next = 0;
  }

  /** Closes the iteration's engine. */
  @TearDown(Level.Iteration)
  public void tearDown() {
    engine.close();
  }

  /** Starts one job: authenticate (trusted), policy, verifier, admission, dispatch, completion. */
  @Benchmark
  public ComputeJob start() {
    // Past the batch, starts repeat: the idempotent path answers them.
    ComputeRequest request = requests[next++ % REQUESTS_PER_ITERATION];
    return engine.start(request).toCompletableFuture().join();
  }
}
