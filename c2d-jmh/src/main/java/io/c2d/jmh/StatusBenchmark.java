package io.c2d.jmh;

import io.c2d.ComputeEngine;
import io.c2d.model.ComputeJob;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.testkit.InMemoryComputeBackend;
import java.util.List;
import java.util.Random;
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
 * Status queries on an engine tracking {@code jobs} finished jobs of {@value #OWNERS} consumers
 * ({@code jobs / 1000} each): by job id ({@link ComputeEngine#status}) and by owner ({@link
 * ComputeEngine#jobsOf}). Queries visit the jobs and owners in a shuffled order, so the figures are
 * not those of a hot cache line.
 *
 * <p>Run: {@code java -jar c2d-jmh/target/benchmarks.jar StatusBenchmark -rf json -rff
 * c2d-jmh/target/status.json}
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class StatusBenchmark {
  static final int OWNERS = 1_000;

  /** How many jobs the engine tracks. */
  @Param({"10000", "100000"})
  public int jobs;

  private ComputeEngine engine;
  private JobId[] ids;
  private EthAddress[] idOwners;
  private EthAddress[] owners;
  private int nextId;
  private int nextOwner;

  /** Starts (and, on the auto-completing backend, finishes) {@code jobs} jobs. */
  @Setup(Level.Trial)
  public void setUp() {
    engine =
        Fixtures.engine(
            InMemoryComputeBackend.create(Fixtures.roomyEnvironment()).autoComplete(),
            Fixtures.allowOnce());
    owners = new EthAddress[OWNERS];
    String[] signatures = new String[OWNERS];
    for (int o = 0; o < OWNERS; o++) {
      owners[o] = Fixtures.consumer(10_000 + o);
      signatures[o] = Fixtures.signatureOf(owners[o]);
    }
    var expiresAt = Fixtures.expiry();
    ids = new JobId[jobs];
    idOwners = new EthAddress[jobs];
    for (int i = 0; i < jobs; i++) {
      int o = i % OWNERS;
      ComputeJob job =
          engine
              .start(Fixtures.request(owners[o], signatures[o], i + 1L, expiresAt))
              .toCompletableFuture()
              .join();
      ids[i] = job.id();
      idOwners[i] = owners[o];
    }
    Random random = new Random(42);
    for (int i = jobs - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      JobId id = ids[i];
      ids[i] = ids[j];
      ids[j] = id;
      EthAddress owner = idOwners[i];
      idOwners[i] = idOwners[j];
      idOwners[j] = owner;
    }
    for (int i = OWNERS - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      EthAddress owner = owners[i];
      owners[i] = owners[j];
      owners[j] = owner;
    }
  }

  /** Closes the engine. */
  @TearDown(Level.Trial)
  public void tearDown() {
    engine.close();
  }

  /** One job's status, asked by its owner. */
  @Benchmark
  public ComputeJob statusById() {
    int i = nextId;
    nextId = i + 1 == jobs ? 0 : i + 1;
    return engine.status(ids[i], idOwners[i]);
  }

  /** Every job of one owner ({@code jobs / 1000} of them), oldest first. */
  @Benchmark
  public List<ComputeJob> jobsOfOwner() {
    int i = nextOwner;
    nextOwner = i + 1 == OWNERS ? 0 : i + 1;
    return engine.jobsOf(owners[i]);
  }
}
