package io.c2d.jmh;

import io.c2d.ComputeEngine;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.JobStatus;
import java.util.concurrent.TimeUnit;
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
 * Fairness under contention: one consumer floods a full environment ({@value #RUNNING} jobs run,
 * {@code flooded} more of the flooder's wait), while {@value #NORMAL_CONSUMERS} other consumers
 * submit one job at a time. One operation: the flooder submits one more job, a normal consumer
 * submits one, and running jobs complete (oldest first) until the engine has dispatched the normal
 * consumer's job, then once more if needed so that two complete per operation (the queue keeps its
 * depth). The time is the normal consumer's submit-to-dispatch latency, measured in the engine's
 * work: with a fair queue one completion suffices whatever the flood's depth; with a plain FIFO the
 * normal job would wait behind the whole flood ({@code flooded} completions).
 *
 * <p>Run: {@code java -jar c2d-jmh/target/benchmarks.jar FairnessBenchmark -rf json -rff
 * c2d-jmh/target/fairness.json}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class FairnessBenchmark {
  static final int RUNNING = 4;
  static final int NORMAL_CONSUMERS = 3;
  static final int BATCH = Fixtures.batch(200_000);

  /** How many of the flooder's jobs wait when the measurement starts. */
  @Param({"0", "1000"})
  public int flooded;

  private ComputeRequest[] flood;
  private ComputeRequest[][] normal;
  private ComputeEngine engine;
  private RecordingBackend backend;
  private int nextFlood;
  private int nextNormal;
  private long completionsWaited;
  private long operations;

  /** The request batches: the flooder's, and each normal consumer's. */
  @Setup(Level.Trial)
  public void createRequests() {
    flood = Fixtures.requests(Fixtures.consumer(500), BATCH + RUNNING + flooded, 1);
    normal = new ComputeRequest[NORMAL_CONSUMERS][];
    for (int c = 0; c < NORMAL_CONSUMERS; c++) {
      normal[c] = Fixtures.requests(Fixtures.consumer(600 + c), BATCH / NORMAL_CONSUMERS + 1, 1);
    }
  }

  /** A fresh engine, full of the flooder's jobs, for each iteration. */
  @Setup(Level.Iteration)
  public void setUp() {
    backend = new RecordingBackend(Fixtures.environment(RUNNING, 100_000));
    engine = Fixtures.engine(backend, Fixtures.allowOnce());
    nextFlood = 0;
    nextNormal = 0;
    for (int i = 0; i < RUNNING + flooded; i++) {
      engine.start(flood[nextFlood++]).toCompletableFuture().join();
    }
  }

  /** Checks the fairness held (a normal job never waited for more than one completion). */
  @TearDown(Level.Iteration)
  public void tearDown() {
    engine.close();
    if (operations > 0 && completionsWaited > operations) {
      throw new IllegalStateException(
          "unfair: normal jobs waited "
              + completionsWaited
              + " completions over "
              + operations
              + " operations");
    }
    completionsWaited = 0;
    operations = 0;
  }

  /** One normal consumer's job, submitted during the flood, until the engine dispatches it. */
  @Benchmark
  public ComputeJob normalConsumerStart() {
    if (nextFlood == flood.length || nextNormal / NORMAL_CONSUMERS == normal[0].length) {
      throw new IllegalStateException("the request batches ran out: raise BATCH");
    }
    engine.start(flood[nextFlood++]).toCompletableFuture().join();
    int n = nextNormal++;
    ComputeRequest request = normal[n % NORMAL_CONSUMERS][n / NORMAL_CONSUMERS];
    ComputeJob job = engine.start(request).toCompletableFuture().join();
    int completions = 0;
    while (job.status() == JobStatus.QUEUED) {
      backend.completeOldest();
      completions++;
      job = engine.status(job.id(), job.owner());
    }
    completionsWaited += completions;
    operations++;
    while (completions < 2) {
      backend.completeOldest();
      completions++;
    }
    return job;
  }
}
