package io.c2d;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.ComputeBackendProvider;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A backend that runs nothing: each engine test moves its jobs with {@link #job(JobId)}. The
 * instance is the "infrastructure": an engine built again over it recovers its jobs. With {@code
 * autoComplete} every job completes as soon as it is submitted.
 */
public final class ScriptedBackend implements ComputeBackend {
  private static final byte[] LOG = "ok\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  private final List<ComputeEnvironment> environments;
  private final boolean autoComplete;
  private final Map<JobId, Job> jobs = new ConcurrentHashMap<>();
  private final List<JobSpec> submitted = new CopyOnWriteArrayList<>();
  private final AtomicReference<@Nullable RuntimeException> failNext = new AtomicReference<>();
  private final AtomicInteger recoveriesToFail = new AtomicInteger();
  private final AtomicInteger recoveries = new AtomicInteger();

  ScriptedBackend(boolean autoComplete, ComputeEnvironment... environments) {
    this.autoComplete = autoComplete;
    this.environments = List.of(environments);
  }

  static ScriptedBackend of(ComputeEnvironment... environments) {
    return new ScriptedBackend(false, environments);
  }

  /** The next submit fails with {@code failure}. */
  void failNextSubmit(RuntimeException failure) {
    failNext.set(failure);
  }

  List<JobSpec> submitted() {
    return List.copyOf(submitted);
  }

  /** Waits until {@code count} jobs were submitted. */
  List<JobSpec> awaitSubmitted(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (submitted.size() < count) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(submitted.size() + " jobs submitted, not " + count);
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
    return submitted();
  }

  Job job(JobId id) {
    Job job = jobs.get(id);
    if (job == null) {
      throw new IllegalArgumentException("no job " + id);
    }
    return job;
  }

  @Override
  public List<ComputeEnvironment> environments() {
    return environments;
  }

  @Override
  public CompletionStage<Void> submit(JobSpec spec, BackendListener listener) {
    RuntimeException failure = failNext.getAndSet(null);
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    Job job = new Job(spec, listener);
    if (jobs.putIfAbsent(spec.jobId(), job) == null) {
      submitted.add(spec);
      if (autoComplete) {
        var unused = CompletableFuture.runAsync(() -> job.complete(Map.of("out.txt", LOG)));
      }
    } else {
      jobs.get(spec.jobId()).listener = listener;
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Void> stop(JobId id) {
    Job job = jobs.get(id);
    if (job != null) {
      job.end(JobStatus.STOPPED, null, "stopped", List.of());
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Void> delete(JobId id) {
    jobs.remove(id);
    return CompletableFuture.completedFuture(null);
  }

  /** The next {@code n} recoveries fail, as a backend whose infrastructure is not up yet. */
  void failNextRecoveries(int n) {
    recoveriesToFail.set(n);
  }

  /** How often a recovery was asked for. */
  int recoveries() {
    return recoveries.get();
  }

  @Override
  public CompletionStage<List<RecoveredJob>> recover(BackendListener listener) {
    recoveries.incrementAndGet();
    if (recoveriesToFail.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return CompletableFuture.failedFuture(
          new UnavailableException(ErrorCode.BACKEND_FAILURE, "infrastructure not up yet"));
    }
    List<RecoveredJob> found = new ArrayList<>();
    for (Job job : jobs.values()) {
      synchronized (job) {
        job.listener = listener;
        found.add(new RecoveredJob(job.spec, job.state));
      }
    }
    return CompletableFuture.completedFuture(found);
  }

  @Override
  public CompletionStage<InputStream> openResult(JobId id, JobResult result) {
    Job job = jobs.get(id);
    byte[] bytes = job == null ? null : job.files.get(result.name());
    if (bytes == null) {
      return CompletableFuture.failedFuture(
          new NotFoundException(ErrorCode.RESULT_NOT_FOUND, "no result " + result.name()));
    }
    return CompletableFuture.completedFuture(new ByteArrayInputStream(bytes));
  }

  /** One job as the test scripts it; reports go out in order, one at a time. */
  static final class Job {
    final JobSpec spec;
    volatile BackendListener listener;
    BackendJobState state;
    final Map<String, byte[]> files = new ConcurrentHashMap<>();

    Job(JobSpec spec, BackendListener listener) {
      this.spec = spec;
      this.listener = listener;
      this.state = BackendJobState.of(spec.jobId(), JobStatus.WARMING_UP, Instant.now());
    }

    synchronized Job advance(JobStatus status) {
      report(new BackendJobState(spec.jobId(), status, null, null, List.of(), Instant.now()));
      return this;
    }

    /** Ends as completed with {@code outputs} and one log, through publishing results. */
    synchronized Job complete(Map<String, byte[]> outputs) {
      if (state.status().rank() < JobStatus.PUBLISHING_RESULTS.rank()) {
        advance(JobStatus.PUBLISHING_RESULTS);
      }
      List<JobResult> results = new ArrayList<>();
      new TreeMap<>(outputs)
          .forEach(
              (name, bytes) -> {
                files.put(name, bytes);
                results.add(new JobResult(name, ResultKind.OUTPUT, bytes.length, results.size()));
              });
      files.put("algorithm.log", LOG);
      results.add(
          new JobResult("algorithm.log", ResultKind.ALGORITHM_LOG, LOG.length, results.size()));
      return end(JobStatus.COMPLETED, 0, null, results);
    }

    synchronized Job fail(JobStatus status, @Nullable Integer exitCode, String detail) {
      return end(status, exitCode, detail, List.of());
    }

    synchronized Job end(
        JobStatus status,
        @Nullable Integer exitCode,
        @Nullable String detail,
        List<JobResult> results) {
      if (!state.status().isTerminal()) {
        report(new BackendJobState(spec.jobId(), status, exitCode, detail, results, Instant.now()));
      }
      return this;
    }

    private void report(BackendJobState next) {
      state = next;
      listener.onUpdate(next);
    }
  }

  /** Found by the name {@code scripted}: one environment {@code local}; jobs complete at once. */
  public static final class Provider implements ComputeBackendProvider {
    @Override
    public String name() {
      return "scripted";
    }

    @Override
    public ComputeBackend create(ProviderConfig config) {
      return new ScriptedBackend(true, EngineFixture.environment("local", 2, 2, 10));
    }
  }
}
