package io.c2d.jmh;

import io.c2d.ComputeEngine;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.testkit.InMemoryComputeBackend;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's own cost of one start, submit to dispatch, on the in-memory backend with an
 * always-allow verifier and an authenticator that trusts the consumer (signature recovery is a
 * fixed cryptographic cost, measured by {@link SignatureBenchmark}).
 *
 * <ul>
 *   <li>{@code capacity=free}: the environment never fills; the backend completes each job as it is
 *       submitted (auto-complete), so one operation is a whole job as the engine sees it: validate,
 *       authenticate, nonce, policy, verdict, admit, dispatch, six status reports, completion.
 *   <li>{@code capacity=full}: 8 jobs run and 64 wait; one operation starts a job (it queues) and
 *       then completes the oldest running job, which frees its slot to the next waiting job; the
 *       engine dispatches that one. So an operation is one queued start plus one dequeue and
 *       dispatch.
 * </ul>
 *
 * <p>Each iteration gets a fresh engine and backend (the engine keeps every job, so a long
 * iteration would measure an ever bigger heap), and each submitting thread a batch of distinct
 * requests (distinct nonces: a repeated request would take the idempotent path).
 *
 * <p>Run: {@code java -jar c2d-jmh/target/benchmarks.jar SubmitBenchmark -rf json -rff
 * c2d-jmh/target/submit.json}
 */
@State(Scope.Benchmark)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class SubmitBenchmark {
  /** Distinct requests per thread per iteration; an iteration that needs more fails loudly. */
  static final int BATCH = Fixtures.batch(400_000);

  static final int RUNNING_WHEN_FULL = 8;
  static final int WAITING_WHEN_FULL = 64;

  private static final AtomicInteger THREADS = new AtomicInteger();

  /** Whether the environment has room for every job, or is full and queues. */
  @Param({"free", "full"})
  public String capacity;

  private ComputeEngine engine;
  private RecordingBackend recording;

  /** A fresh engine for each iteration; a full environment is filled and given a queue. */
  @Setup(Level.Iteration)
  public void setUp() {
    if ("free".equals(capacity)) {
      recording = null;
      engine =
          Fixtures.engine(
              InMemoryComputeBackend.create(Fixtures.roomyEnvironment()).autoComplete(),
              Fixtures.allowOnce());
    } else {
      recording = new RecordingBackend(Fixtures.environment(RUNNING_WHEN_FULL, 1_000));
      engine = Fixtures.engine(recording, Fixtures.allowOnce());
      ComputeRequest[] fill =
          Fixtures.requests(Fixtures.consumer(999_999), RUNNING_WHEN_FULL + WAITING_WHEN_FULL, 1);
      for (ComputeRequest request : fill) {
        engine.start(request).toCompletableFuture().join();
      }
    }
  }

  /** Closes the iteration's engine. */
  @TearDown(Level.Iteration)
  public void tearDown() {
    engine.close();
  }

  /** One submitting thread's consumer and requests. */
  @State(Scope.Thread)
  public static class Submitter {
    ComputeRequest[] requests;
    int next;

    /** A consumer of its own for each thread, with a batch of distinct requests. */
    @Setup(Level.Trial)
    public void createRequests() {
      requests = Fixtures.requests(Fixtures.consumer(THREADS.incrementAndGet()), BATCH, 1);
    }

    /** Every iteration's engine is new, so the same nonces are new to it. */
    @Setup(Level.Iteration)
    public void rewind() {
      next = 0;
    }

    ComputeRequest nextRequest() {
      if (next == requests.length) {
        throw new IllegalStateException(
            "the batch of " + BATCH + " requests ran out: raise BATCH or shorten the iteration");
      }
      return requests[next++];
    }
  }

  /** Starts per second, one submitting thread. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(1)
  public ComputeJob throughput(Submitter submitter) {
    return startOne(submitter);
  }

  /** Starts per second, two submitting threads (two consumers). */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(2)
  public ComputeJob throughputTwoThreads(Submitter submitter) {
    return startOne(submitter);
  }

  /** Latency distribution of one start, one submitting thread. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Threads(1)
  public ComputeJob latency(Submitter submitter) {
    return startOne(submitter);
  }

  /** Latency distribution of one start, two submitting threads. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Threads(2)
  public ComputeJob latencyTwoThreads(Submitter submitter) {
    return startOne(submitter);
  }

  private ComputeJob startOne(Submitter submitter) {
    ComputeJob job = engine.start(submitter.nextRequest()).toCompletableFuture().join();
    if (recording != null) {
      recording.completeOldest();
    }
    return job;
  }
}
