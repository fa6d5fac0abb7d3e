package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import io.c2d.ErrorCode;
import io.c2d.NotFoundException;
import io.c2d.UnavailableException;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs of one backend instance built on {@link SandboxJob}: the body of a {@link
 * io.c2d.spi.backend.ComputeBackend}'s {@code submit}, {@code stop}, {@code delete}, {@code
 * recover}, {@code openResult} and {@code close}, written once. A backend supplies a {@link
 * JobDirectoryStore}, a {@link JobRuntime}, its environments and a {@link Factory} of {@link
 * Sandbox}es, and delegates to this.
 *
 * <p>The store is the source of truth: a job is accepted once its directory is created (spec and
 * first state durable); a job id already known is never started again (its listener is replaced and
 * told the current state); jobs found in the store after a restart are loaded and resumed the first
 * time they are looked up or recovered: one whose algorithm had not started yet is staged and
 * started again from the start (see {@link SandboxJob}), never failed for the restart.
 *
 * <p>Thread-safe. No method blocks its caller on I/O: the work runs on the runtime's executor and
 * failures arrive in the returned stages. Arguments are non-null.
 */
public final class SandboxJobs {
  private static final Logger logger = LoggerFactory.getLogger(SandboxJobs.class);

  private final JobDirectoryStore store;
  private final JobRuntime runtime;
  private final List<ComputeEnvironment> environments;
  private final Map<String, ComputeEnvironment> environmentsById;
  private final Factory factory;
  private final ConcurrentHashMap<JobId, SandboxJob> jobs = new ConcurrentHashMap<>();

  private SandboxJobs(
      JobDirectoryStore store,
      JobRuntime runtime,
      List<ComputeEnvironment> environments,
      Factory factory) {
    this.store = store;
    this.runtime = runtime;
    this.environments = environments;
    Map<String, ComputeEnvironment> byId = new LinkedHashMap<>();
    environments.forEach(environment -> byId.put(environment.id(), environment));
    this.environmentsById = byId;
    this.factory = factory;
  }

  /**
   * The jobs kept in {@code store}, run with {@code runtime}, in {@code environments} (the first is
   * used for a stored job whose environment is no longer offered), each in a sandbox from {@code
   * factory}.
   *
   * @throws IllegalArgumentException if {@code environments} is empty or has two of one id
   */
  public static SandboxJobs create(
      JobDirectoryStore store,
      JobRuntime runtime,
      List<ComputeEnvironment> environments,
      Factory factory) {
    requireNonNull(store, "store");
    requireNonNull(runtime, "runtime");
    requireNonNull(factory, "factory");
    List<ComputeEnvironment> copy = List.copyOf(environments);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("environments must not be empty");
    }
    if (copy.stream().map(ComputeEnvironment::id).distinct().count() != copy.size()) {
      throw new IllegalArgumentException("environments must have distinct ids but were " + copy);
    }
    return new SandboxJobs(store, runtime, copy, factory);
  }

  /** The store the jobs live in. */
  public JobDirectoryStore store() {
    return store;
  }

  /** What the jobs share. */
  public JobRuntime runtime() {
    return runtime;
  }

  /** The environments offered, in order. */
  public List<ComputeEnvironment> environments() {
    return environments;
  }

  /**
   * Accepts the job and runs it. The stage completes once its directory is created; staging and
   * running follow on the executor. The stage fails with an {@link IllegalArgumentException} if the
   * spec names an environment not offered, and with an {@link UnavailableException} if the backend
   * is closed or the job cannot be written.
   */
  public CompletionStage<Void> submit(JobSpec spec, BackendListener listener) {
    requireNonNull(spec, "spec");
    requireNonNull(listener, "listener");
    if (runtime.isClosed()) {
      return CompletableFuture.failedFuture(runtime.closedException());
    }
    ComputeEnvironment environment = environmentsById.get(spec.environmentId());
    if (environment == null) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "job "
                  + spec.jobId()
                  + " asks for environment '"
                  + spec.environmentId()
                  + "' but this "
                  + runtime.backendName()
                  + " backend offers only "
                  + environmentsById.keySet()));
    }
    CompletableFuture<Void> accepted = new CompletableFuture<>();
    try {
      runtime.executor().execute(() -> accept(spec, environment, listener, accepted));
    } catch (RejectedExecutionException e) {
      accepted.completeExceptionally(
          new UnavailableException(
              ErrorCode.BACKEND_FAILURE,
              "the " + runtime.backendName() + " backend's executor refused the job",
              e));
    }
    return accepted;
  }

  private void accept(
      JobSpec spec,
      ComputeEnvironment environment,
      BackendListener listener,
      CompletableFuture<Void> accepted) {
    JobDirectory directory = store.directory(spec.jobId());
    boolean[] created = {false};
    SandboxJob job;
    try {
      job =
          jobs.computeIfAbsent(
              spec.jobId(),
              id -> {
                if (directory.isComplete()) {
                  try {
                    return load(directory);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                }
                created[0] = true;
                BackendJobState first =
                    BackendJobState.of(id, JobStatus.WARMING_UP, runtime.clock().instant());
                return new SandboxJob(
                    spec,
                    directory,
                    environment,
                    runtime,
                    factory.create(spec, directory, environment),
                    first,
                    listener,
                    true);
              });
    } catch (UncheckedIOException e) {
      accepted.completeExceptionally(
          new UnavailableException(
              ErrorCode.BACKEND_FAILURE,
              "job "
                  + spec.jobId()
                  + " already has a directory in "
                  + store.root()
                  + " that cannot be read: "
                  + e.getMessage(),
              e));
      return;
    }
    if (!created[0]) {
      // bound first: a job resumed from the start reports its next statuses to this listener
      job.bind(listener, true);
      job.resume();
      accepted.complete(null);
      return;
    }
    try {
      store.create(spec, job.state());
    } catch (IOException | RuntimeException e) {
      jobs.remove(spec.jobId(), job);
      job.abandon(e);
      accepted.completeExceptionally(
          new UnavailableException(
              ErrorCode.BACKEND_FAILURE,
              "could not write job " + spec.jobId() + " to " + store.root() + ": " + e,
              e));
      return;
    }
    accepted.complete(null);
    job.run();
  }

  /** Stops the job; the stage completes once it has ended. Unknown or ended jobs: nothing. */
  public CompletionStage<Void> stop(JobId id) {
    requireNonNull(id, "id");
    return runtime
        .async(() -> lookup(id))
        .thenCompose(
            job ->
                job.isPresent()
                    ? job.get().stop("stopped on request")
                    : CompletableFuture.completedFuture(null));
  }

  /** Stops the job if it runs, then removes its sandbox and directory. Unknown jobs: nothing. */
  public CompletionStage<Void> delete(JobId id) {
    requireNonNull(id, "id");
    return runtime
        .async(() -> lookup(id))
        .thenCompose(
            job -> {
              if (job.isEmpty()) {
                return CompletableFuture.completedFuture(null);
              }
              SandboxJob found = job.get();
              return found.delete().thenRun(() -> jobs.remove(id, found));
            });
  }

  /**
   * Finds every job in the store (and every job held here), in id order: finished ones as they
   * ended, running ones tracked again with their further changes going to {@code listener}, ones
   * that ended unwatched concluded. A job directory that cannot be read is skipped and logged.
   */
  public CompletionStage<List<RecoveredJob>> recover(BackendListener listener) {
    requireNonNull(listener, "listener");
    if (runtime.isClosed()) {
      return CompletableFuture.failedFuture(runtime.closedException());
    }
    return runtime.async(
        () -> {
          TreeSet<JobId> ids = new TreeSet<>((a, b) -> a.value().compareTo(b.value()));
          ids.addAll(jobs.keySet());
          try {
            for (JobId id : store.list()) {
              // a directory without its job.json is what a crash left of no job: an orphan
              if (jobs.containsKey(id) || !store.removeIfIncomplete(id)) {
                ids.add(id);
              }
            }
          } catch (IOException e) {
            throw new UncheckedIOException("could not list " + store.root(), e);
          }
          List<RecoveredJob> found = new ArrayList<>(ids.size());
          for (JobId id : ids) {
            Optional<SandboxJob> job = lookup(id, listener);
            if (job.isPresent()) {
              found.add(new RecoveredJob(job.get().spec(), job.get().state()));
            }
          }
          return List.copyOf(found);
        });
  }

  /**
   * Whether job {@code id} is known here and has not ended (also while its results are collected):
   * what a backend removing orphaned sandboxes must spare. Reads memory only; call it after {@link
   * #recover} has loaded the store.
   */
  public boolean isUnderWay(JobId id) {
    requireNonNull(id, "id");
    SandboxJob job = jobs.get(id);
    return job != null && !job.state().status().isTerminal();
  }

  /**
   * Opens a result of an ended job from its result area. The stage fails with a {@link
   * NotFoundException} if the job is unknown, has not ended, or did not list {@code result}, and
   * with an {@link UnavailableException} if the file cannot be opened.
   */
  public CompletionStage<InputStream> openResult(JobId id, JobResult result) {
    requireNonNull(id, "id");
    requireNonNull(result, "result");
    return runtime.async(
        () -> {
          SandboxJob job =
              lookup(id)
                  .orElseThrow(
                      () ->
                          new NotFoundException(
                              ErrorCode.JOB_NOT_FOUND, "no job " + id + " in " + store.root()));
          try {
            return job.directory().openResult(job.state(), result);
          } catch (NoSuchFileException e) {
            throw new NotFoundException(
                ErrorCode.RESULT_NOT_FOUND,
                "result " + result.name() + " of job " + id + " is gone",
                e);
          } catch (IOException e) {
            throw new UnavailableException(
                ErrorCode.BACKEND_FAILURE,
                "could not open result " + result.name() + " of job " + id,
                e);
          }
        });
  }

  /**
   * Opens the algorithm's output of a running job as it grows; the stream ends once the job has
   * ended and everything written before is read. The stage fails with a {@link NotFoundException}
   * if the job is unknown or not running, or its sandbox cannot show its output while it runs.
   */
  public CompletionStage<InputStream> openLiveLog(JobId id) {
    requireNonNull(id, "id");
    return runtime.async(
        () -> {
          SandboxJob job =
              lookup(id)
                  .filter(j -> !j.state().status().isTerminal())
                  .orElseThrow(
                      () ->
                          new NotFoundException(
                              ErrorCode.JOB_NOT_FOUND, "job " + id + " is not running here"));
          InputStream log;
          try {
            log = job.openLiveLog();
          } catch (IOException e) {
            throw new UnavailableException(
                ErrorCode.BACKEND_FAILURE, "could not open the live log of job " + id, e);
          }
          if (log == null) {
            throw new NotFoundException(
                ErrorCode.RESULT_NOT_FOUND,
                "job " + id + " shows no live log on this backend; its log is among its results");
          }
          return new FollowingInputStream(log, () -> job.state().status().isTerminal());
        });
  }

  /**
   * Closes the runtime; running algorithms keep running, for a later instance to recover. Stages of
   * {@link #stop} and {@link #delete} still waiting for a job to end fail with an {@link
   * UnavailableException}.
   */
  public void close() {
    runtime.close();
    for (SandboxJob job : jobs.values()) {
      job.abandon(runtime.closedException());
    }
  }

  @Override
  public String toString() {
    return "SandboxJobs{" + store.root() + ", environments=" + environmentsById.keySet() + '}';
  }

  // ---------------------------------------------------------------------------------------------

  /** The job, from memory or from the store (then resumed); runs on the executor. */
  private Optional<SandboxJob> lookup(JobId id) {
    return lookup(id, null);
  }

  /**
   * The job, from memory or from the store, bound to {@code listener} (if any) before it is
   * resumed: a job resumed from the start reports its statuses from then on to that listener.
   */
  private Optional<SandboxJob> lookup(JobId id, @Nullable BackendListener listener) {
    SandboxJob job = jobs.get(id);
    if (job == null) {
      Optional<JobDirectory> directory = store.find(id).filter(JobDirectory::isComplete);
      if (directory.isEmpty()) {
        return Optional.empty();
      }
      SandboxJob loaded;
      try {
        loaded = load(directory.get());
      } catch (IOException e) {
        logger.warn("skipping job directory {}: it cannot be read", directory.get(), e);
        return Optional.empty();
      }
      SandboxJob raced = jobs.putIfAbsent(id, loaded);
      job = raced == null ? loaded : raced;
    }
    if (listener != null) {
      job.bind(listener, false);
    }
    job.resume();
    return Optional.of(job);
  }

  /** A job as an earlier instance left it; {@link SandboxJob#resume} decides what happens next. */
  private SandboxJob load(JobDirectory directory) throws IOException {
    JobSpec spec = directory.readSpec();
    directory.removeTemporaries();
    BackendJobState state;
    try {
      state = directory.readState();
    } catch (NoSuchFileException e) {
      // accepted, but stopped before its first state was written
      state = BackendJobState.of(spec.jobId(), JobStatus.WARMING_UP, runtime.clock().instant());
    }
    ComputeEnvironment environment = environmentsById.get(spec.environmentId());
    if (environment == null) {
      environment = environments.get(0);
    }
    return new SandboxJob(
        spec,
        directory,
        environment,
        runtime,
        factory.create(spec, directory, environment),
        state,
        null,
        false);
  }

  /** Makes the {@link Sandbox} of one job. */
  @FunctionalInterface
  public interface Factory {
    /**
     * The sandbox of {@code spec}'s job, kept in {@code directory}, in {@code environment}; called
     * once per job and instance, before anything is staged or reattached. Must not block.
     */
    Sandbox create(JobSpec spec, JobDirectory directory, ComputeEnvironment environment);
  }
}
