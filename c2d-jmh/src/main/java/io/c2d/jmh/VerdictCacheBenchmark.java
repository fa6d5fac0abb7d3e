package io.c2d.jmh;

import io.c2d.ComputeEngine;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.Verdict;
import io.c2d.testkit.InMemoryComputeBackend;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The verdict path of a start (DESIGN step 3): {@code verdict=asked}, a verifier that answers at
 * once with an allow valid this once, so the engine asks it for every start; {@code
 * verdict=cached}, a verifier whose allow stays valid for an hour, so after the first start the
 * engine answers from its verdict cache. Both on the auto-completing in-memory backend with free
 * capacity, one thread; the difference is the engine's cost of asking versus looking up (a real
 * verifier's chain round trip, tens of milliseconds, is what the cache saves).
 *
 * <p>Run: {@code java -jar c2d-jmh/target/benchmarks.jar VerdictCacheBenchmark -rf json -rff
 * c2d-jmh/target/verdict.json}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class VerdictCacheBenchmark {
  static final int BATCH = Fixtures.batch(400_000);

  /** Whether the verifier's allow is asked each time or cached. */
  @Param({"asked", "cached"})
  public String verdict;

  private final LongAdder asked = new LongAdder();
  private ComputeRequest[] requests;
  private ComputeEngine engine;
  private int next;

  /** One consumer's batch of requests, all about the same dataset. */
  @Setup(Level.Trial)
  public void createRequests() {
    requests = Fixtures.requests(Fixtures.consumer(700), BATCH, 1);
  }

  /** A fresh engine for each iteration. */
  @Setup(Level.Iteration)
  public void setUp() {
    ServiceAgreementVerifier verifier;
    if ("cached".equals(verdict)) {
      Verdict allowForAnHour = Verdict.allow(Instant.now().plus(Duration.ofHours(1)));
      verifier =
          query -> {
            asked.increment();
            return CompletableFuture.completedFuture(allowForAnHour);
          };
    } else {
      verifier = Fixtures.allowOnce();
    }
    engine =
        Fixtures.engine(
            InMemoryComputeBackend.create(Fixtures.roomyEnvironment()).autoComplete(), verifier);
    next = 0;
    asked.reset();
  }

  /** Closes the engine; checks the cache answered (the verifier was asked once per engine). */
  @TearDown(Level.Iteration)
  public void tearDown() {
    engine.close();
    if ("cached".equals(verdict) && asked.sum() > 1) {
      throw new IllegalStateException("the verdict was not cached: asked " + asked.sum());
    }
  }

  /** One start, submit to dispatch and completion. */
  @Benchmark
  public ComputeJob start() {
    if (next == requests.length) {
      throw new IllegalStateException("the batch of " + BATCH + " requests ran out");
    }
    return engine.start(requests[next++]).toCompletableFuture().join();
  }
}
