package io.c2d.jmh;

import io.c2d.ComputeEngine;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.c2d.testkit.InMemoryComputeBackend;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Heap held per finished job the engine tracks: the used heap after a full GC, before and after
 * {@code jobs} jobs ran to completion, divided by {@code jobs}. Two figures: the engine alone (over
 * a backend that reports each job's progress and results, then forgets it, as the Docker and
 * Kubernetes backends keep their state outside the JVM), and the engine with the testkit's
 * in-memory backend (which also keeps every job's spec and state on the heap).
 *
 * <p>Run: {@code java -Xmx2g -cp c2d-jmh/target/benchmarks.jar io.c2d.jmh.HeapPerJob 100000}
 */
public final class HeapPerJob {
  private static final JobStatus[] STEPS = {
    JobStatus.JOB_STARTED,
    JobStatus.CONFIGURING_VOLUMES,
    JobStatus.PROVISIONING_SUCCESS,
    JobStatus.RUNNING_ALGORITHM,
    JobStatus.PUBLISHING_RESULTS,
  };

  private HeapPerJob() {}

  /**
   * Measures and prints both figures.
   *
   * @param args the number of jobs, default 100000
   */
  public static void main(String[] args) {
    int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    double engineOnly = bytesPerJob(jobs, false);
    double withInMemoryBackend = bytesPerJob(jobs, true);
    // CHECKSTYLE.OFF: RegexpSinglelineJava
    System.out.printf(
        Locale.ROOT,
        "heap per finished job, %d jobs: engine alone %.0f B; engine + in-memory backend %.0f B%n",
        jobs,
        engineOnly,
        withInMemoryBackend);
    // CHECKSTYLE.ON: RegexpSinglelineJava
  }

  /**
   * Runs {@code jobs} jobs to completion on a fresh engine and returns the heap they hold, per job,
   * in bytes.
   */
  static double bytesPerJob(int jobs, boolean inMemoryBackend) {
    ComputeEnvironment environment = Fixtures.roomyEnvironment();
    ComputeBackend backend =
        inMemoryBackend
            ? InMemoryComputeBackend.create(environment).autoComplete()
            : new ForgetfulBackend(environment);
    ComputeEngine engine = Fixtures.engine(backend, Fixtures.allowOnce());
    EthAddress[] consumers = new EthAddress[100];
    String[] signatures = new String[consumers.length];
    for (int c = 0; c < consumers.length; c++) {
      consumers[c] = Fixtures.consumer(20_000 + c);
      signatures[c] = Fixtures.signatureOf(consumers[c]);
    }
    Instant expiresAt = Fixtures.expiry();
    long before = usedHeapAfterGc();
    for (int i = 0; i < jobs; i++) {
      int c = i % consumers.length;
      var job =
          engine
              .start(Fixtures.request(consumers[c], signatures[c], i + 1L, expiresAt))
              .toCompletableFuture()
              .join();
      // start answers the snapshot of admission; the backend has finished the job since.
      var now = engine.status(job.id(), consumers[c]);
      if (!now.isTerminal()) {
        throw new IllegalStateException("job " + job.id() + " did not finish: " + now.status());
      }
    }
    long after = usedHeapAfterGc();
    Reference.reachabilityFence(engine);
    Reference.reachabilityFence(backend);
    engine.close();
    return (after - before) / (double) jobs;
  }

  private static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /**
   * A backend that runs each job at once: it reports the job's steps and its completion with four
   * results (an output and the three logs, made per job as a real backend makes them), then keeps
   * nothing.
   */
  private static final class ForgetfulBackend implements ComputeBackend {
    private final List<ComputeEnvironment> environments;

    ForgetfulBackend(ComputeEnvironment environment) {
      this.environments = List.of(environment);
    }

    @Override
    public List<ComputeEnvironment> environments() {
      return environments;
    }

    @Override
    public CompletionStage<Void> submit(JobSpec spec, BackendListener listener) {
      JobId id = spec.jobId();
      for (JobStatus step : STEPS) {
        listener.onUpdate(BackendJobState.of(id, step, Instant.now()));
      }
      List<JobResult> results =
          List.of(
              new JobResult("output.txt", ResultKind.OUTPUT, 5, 0),
              new JobResult("algorithm.log", ResultKind.ALGORITHM_LOG, 100, 1),
              new JobResult("configuration.log", ResultKind.CONFIGURATION_LOG, 100, 2),
              new JobResult("publish.log", ResultKind.PUBLISH_LOG, 100, 3));
      listener.onUpdate(
          new BackendJobState(id, JobStatus.COMPLETED, 0, null, results, Instant.now()));
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> stop(JobId id) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> delete(JobId id) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<List<RecoveredJob>> recover(BackendListener listener) {
      return CompletableFuture.completedFuture(List.of());
    }

    @Override
    public CompletionStage<InputStream> openResult(JobId id, JobResult result) {
      return CompletableFuture.failedFuture(new IllegalStateException("no results kept"));
    }
  }
}
