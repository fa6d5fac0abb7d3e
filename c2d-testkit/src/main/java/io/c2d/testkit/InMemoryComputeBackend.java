package io.c2d.testkit;

import static java.util.Objects.requireNonNull;

import io.c2d.ErrorCode;
import io.c2d.NotFoundException;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A scripted {@link ComputeBackend} that runs nothing: a test decides, step by step, how each
 * submitted job progresses and how it ends, and the backend reports exactly that to its listener.
 *
 * <pre>{@code
 * InMemoryComputeBackend backend = InMemoryComputeBackend.create(environment);
 * // ... the engine submits a job ...
 * JobSpec spec = backend.awaitSubmitted(1, Duration.ofSeconds(10)).get(0);
 * backend.job(spec.jobId())
 *     .advance(JobStatus.JOB_STARTED)
 *     .advance(JobStatus.RUNNING_ALGORITHM)
 *     .complete(Map.of("result.csv", bytes));
 * }</pre>
 *
 * <p><b>Modes.</b> In the default manual mode a submitted job stays where it is ({@link
 * JobStatus#WARMING_UP}, as far as this backend is concerned) until the test moves it with {@link
 * #job(JobId)}. After {@link #autoComplete()} every job submitted from then on goes at once through
 * {@code JOB_STARTED}, {@code CONFIGURING_VOLUMES}, {@code PROVISIONING_SUCCESS}, {@code
 * RUNNING_ALGORITHM} and {@code PUBLISHING_RESULTS} to {@code COMPLETED}, with a fixed set of
 * results whose bytes are shared by every job; this path allocates little, for benchmarks of the
 * scheduling path. Reports made during {@link #submit} are delivered on the submitting thread, and
 * a submit made from inside a listener call is delivered after that call returns (never
 * recursively).
 *
 * <p><b>Infrastructure.</b> The jobs live in the backend instance, which plays the part of the
 * infrastructure: a second engine built over the same instance (or over {@link #sharing} of it)
 * finds every job through {@link #recover}, keeps receiving the reports of the running ones, and
 * serves the results of the finished ones. {@link #close()} therefore releases nothing and forgets
 * nothing.
 *
 * <p>Every job ends with three small logs ({@code algorithm.log}, {@code configuration.log}, {@code
 * publish.log}) listed after its outputs. {@link #stop} ends a running job as {@code STOPPED};
 * {@link #delete} forgets it.
 *
 * <p>Thread-safe. Listener calls for one job are made one at a time, in order, and never while a
 * lock of this backend is held, so a listener may call back into it. Arguments are non-null unless
 * marked otherwise; misuse by a test (moving a job backwards, asking for an unknown job) throws
 * {@link IllegalStateException} or {@link IllegalArgumentException} at once.
 */
public final class InMemoryComputeBackend implements ComputeBackend {
  private static final CompletionStage<Void> DONE = CompletableFuture.completedStage(null);

  private final InMemoryStore store;

  private InMemoryComputeBackend(InMemoryStore store) {
    this.store = store;
  }

  /**
   * A backend offering {@code environments}, in manual mode.
   *
   * @throws IllegalArgumentException if there is none, or two share an id
   */
  public static InMemoryComputeBackend create(ComputeEnvironment... environments) {
    requireNonNull(environments, "environments");
    if (environments.length == 0) {
      throw new IllegalArgumentException("a backend offers at least one environment");
    }
    Map<String, ComputeEnvironment> byId = new LinkedHashMap<>();
    for (ComputeEnvironment environment : environments) {
      requireNonNull(environment, "environment");
      if (byId.putIfAbsent(environment.id(), environment) != null) {
        throw new IllegalArgumentException(
            "two environments share the id '" + environment.id() + "'");
      }
    }
    return new InMemoryComputeBackend(new InMemoryStore(byId));
  }

  /**
   * A second instance over the same jobs, mode and environments as {@code other}: what a restarted
   * provider application gets when it creates its backend again over the same infrastructure.
   */
  public static InMemoryComputeBackend sharing(InMemoryComputeBackend other) {
    return new InMemoryComputeBackend(requireNonNull(other, "other").store);
  }

  // ---------------------------------------------------------------------------------------------
  // Scripting

  /**
   * Completes every job submitted from now on at once, with one output {@code output.txt} (holding
   * {@code "done\n"}) and the three logs.
   */
  public InMemoryComputeBackend autoComplete() {
    return autoComplete(Map.of("output.txt", "done\n".getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Completes every job submitted from now on at once, with {@code outputs} (by name; copied once
   * and shared by every job) and the three logs.
   *
   * @throws io.c2d.InvalidRequestException if an output name is not a safe result name
   */
  public InMemoryComputeBackend autoComplete(Map<String, byte[]> outputs) {
    store.auto = InMemoryResults.of(outputs);
    return this;
  }

  /** Leaves jobs submitted from now on where they are until the test moves them (the default). */
  public InMemoryComputeBackend manual() {
    store.auto = null;
    return this;
  }

  /** The clock of status reports; default the system clock in UTC. */
  public InMemoryComputeBackend clock(Clock clock) {
    store.clock = requireNonNull(clock, "clock");
    return this;
  }

  /**
   * Makes the next {@link #submit} fail with {@code failure} (in its stage) without keeping the
   * job, as a backend that cannot reach its infrastructure would.
   */
  public InMemoryComputeBackend failNextSubmit(RuntimeException failure) {
    store.failNext.set(requireNonNull(failure, "failure"));
    return this;
  }

  /**
   * The handle of job {@code id}, to move it along.
   *
   * @throws IllegalArgumentException if no job {@code id} was submitted (or it was deleted)
   */
  public JobHandle job(JobId id) {
    requireNonNull(id, "id");
    InMemoryJob entry = store.jobs.get(id);
    if (entry == null) {
      throw new IllegalArgumentException(
          "no job "
              + id
              + " was submitted to this backend (or it was deleted); submitted: "
              + submittedIds());
    }
    return new JobHandle(entry);
  }

  /** Every job accepted by {@link #submit}, in order, repeated submits of one id counted once. */
  public List<JobSpec> submitted() {
    synchronized (store.submittedLock) {
      return List.copyOf(store.submitted);
    }
  }

  /** How many times {@link #submit} was called, refused and repeated calls included. */
  public int submitCalls() {
    return store.submitCalls.get();
  }

  /** Forgets the {@link #submitted} list (not the jobs), such as between benchmark iterations. */
  public void clearSubmitted() {
    synchronized (store.submittedLock) {
      store.submitted.clear();
    }
  }

  /**
   * Waits until at least {@code count} jobs have been submitted, and returns them all.
   *
   * @throws AssertionError if fewer arrive within {@code timeout}, or the thread is interrupted
   */
  public List<JobSpec> awaitSubmitted(int count, Duration timeout) {
    requireNonNull(timeout, "timeout");
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (store.submittedLock) {
      while (store.submitted.size() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "Expected at least "
                  + count
                  + " submitted jobs within "
                  + timeout
                  + " but saw "
                  + store.submitted.size());
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(store.submittedLock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while waiting for submitted jobs", e);
        }
      }
      return List.copyOf(store.submitted);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // ComputeBackend

  @Override
  public List<ComputeEnvironment> environments() {
    return store.environments;
  }

  /**
   * Accepts the job (or, for a job id it already holds, reports its current state to {@code
   * listener}, which becomes the job's listener). The stage fails if {@link #failNextSubmit} was
   * called, or with an {@link IllegalArgumentException} if the spec names an environment this
   * backend does not offer.
   */
  @Override
  public CompletionStage<Void> submit(JobSpec spec, BackendListener listener) {
    requireNonNull(spec, "spec");
    requireNonNull(listener, "listener");
    store.submitCalls.incrementAndGet();
    RuntimeException failure = store.failNext.getAndSet(null);
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    if (!store.environmentsById.containsKey(spec.environmentId())) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException(
              "job "
                  + spec.jobId()
                  + " asks for environment '"
                  + spec.environmentId()
                  + "' but this backend offers only "
                  + store.environmentsById.keySet()));
    }
    Instant now = store.clock.instant();
    InMemoryJob fresh = new InMemoryJob(store, spec, listener, now);
    InMemoryJob existing = store.jobs.putIfAbsent(spec.jobId(), fresh);
    if (existing != null) {
      existing.bind(listener, true);
      return DONE;
    }
    synchronized (store.submittedLock) {
      store.submitted.add(spec);
      store.submittedLock.notifyAll();
    }
    InMemoryResults auto = store.auto;
    if (auto != null) {
      fresh.autoComplete(auto, now);
    }
    return DONE;
  }

  /** Ends a job that is under way as {@code STOPPED}; does nothing for an ended or unknown job. */
  @Override
  public CompletionStage<Void> stop(JobId id) {
    requireNonNull(id, "id");
    InMemoryJob entry = store.jobs.get(id);
    if (entry != null) {
      entry.end(JobStatus.STOPPED, null, "stopped on request", InMemoryResults.LOGS_ONLY, false);
    }
    return DONE;
  }

  /** Stops the job if it is under way, then forgets it. Does nothing for an unknown job. */
  @Override
  public CompletionStage<Void> delete(JobId id) {
    requireNonNull(id, "id");
    InMemoryJob entry = store.jobs.get(id);
    if (entry != null) {
      entry.end(JobStatus.STOPPED, null, "deleted", InMemoryResults.LOGS_ONLY, false);
      store.jobs.remove(id, entry);
    }
    return DONE;
  }

  /**
   * Reports every job this backend holds, whoever submitted it; {@code listener} becomes the
   * listener of each, so the running ones' further reports go to it.
   */
  @Override
  public CompletionStage<List<RecoveredJob>> recover(BackendListener listener) {
    requireNonNull(listener, "listener");
    List<InMemoryJob> entries = new ArrayList<>(store.jobs.values());
    entries.sort(Comparator.comparing(entry -> entry.spec.jobId().value()));
    List<RecoveredJob> found = new ArrayList<>(entries.size());
    for (InMemoryJob entry : entries) {
      found.add(new RecoveredJob(entry.spec, entry.bind(listener, false)));
    }
    return CompletableFuture.completedFuture(List.copyOf(found));
  }

  /**
   * Serves the bytes of a result of an ended job. The stage fails with a {@link NotFoundException}
   * if the job is unknown, has not ended, or did not list {@code result} (matched by name and
   * kind).
   */
  @Override
  public CompletionStage<InputStream> openResult(JobId id, JobResult result) {
    requireNonNull(id, "id");
    requireNonNull(result, "result");
    InMemoryJob entry = store.jobs.get(id);
    if (entry == null) {
      return CompletableFuture.failedFuture(
          new NotFoundException(ErrorCode.JOB_NOT_FOUND, "no job " + id + " in this backend"));
    }
    byte[] bytes = entry.bytesOf(result);
    if (bytes == null) {
      return CompletableFuture.failedFuture(
          new NotFoundException(
              ErrorCode.RESULT_NOT_FOUND,
              "job " + id + " has no " + result.kind().oceanType() + " result " + result.name()));
    }
    return CompletableFuture.completedFuture(new ByteArrayInputStream(bytes));
  }

  /** Does nothing: the jobs outlive the instance, as they would outlive a real backend client. */
  @Override
  public void close() {}

  @Override
  public String toString() {
    return "InMemoryComputeBackend{environments="
        + store.environmentsById.keySet()
        + ", jobs="
        + store.jobs.size()
        + (store.auto != null ? ", autoComplete" : ", manual")
        + '}';
  }

  private List<JobId> submittedIds() {
    List<JobId> ids = new ArrayList<>();
    for (JobSpec spec : submitted()) {
      ids.add(spec.jobId());
    }
    return ids;
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * The handle a test moves one job with. Each method reports the change to the job's listener
   * before it returns (unless called from inside a listener call, which delivers it right after).
   *
   * <p>Thread-safe.
   */
  public static final class JobHandle {
    private final InMemoryJob entry;

    private JobHandle(InMemoryJob entry) {
      this.entry = entry;
    }

    /** The job's id. */
    public JobId id() {
      return entry.spec.jobId();
    }

    /** What the job was submitted with. */
    public JobSpec spec() {
      return entry.spec;
    }

    /** Where the job stands, as last reported. */
    public JobStatus status() {
      return entry.state().status();
    }

    /** The last state reported for the job. */
    public BackendJobState state() {
      return entry.state();
    }

    /**
     * Moves the job forward to {@code status}, which is not terminal.
     *
     * @throws IllegalArgumentException if {@code status} is terminal (use {@link #complete} or
     *     {@link #fail})
     * @throws IllegalStateException if the job cannot move there (it is already there or further,
     *     or has ended)
     */
    public JobHandle advance(JobStatus status) {
      requireNonNull(status, "status");
      if (status.isTerminal()) {
        throw new IllegalArgumentException(
            status + " is terminal: end a job with complete(...) or fail(...)");
      }
      entry.move(status);
      return this;
    }

    /**
     * Completes the job with {@code outputs} (by name, listed in name order) and the three logs;
     * reports {@code PUBLISHING_RESULTS} first if the job has not reached it.
     *
     * @throws io.c2d.InvalidRequestException if an output name is not a safe result name
     * @throws IllegalStateException if the job has already ended
     */
    public JobHandle complete(Map<String, byte[]> outputs) {
      entry.finish(JobStatus.COMPLETED, 0, null, InMemoryResults.of(outputs));
      return this;
    }

    /**
     * Completes the job as {@code COMPLETED_TRUNCATED}, as if a cap had cut its outputs.
     *
     * @throws io.c2d.InvalidRequestException if an output name is not a safe result name
     * @throws IllegalStateException if the job has already ended
     */
    public JobHandle completeTruncated(Map<String, byte[]> outputs, String detail) {
      requireNonNull(detail, "detail");
      entry.finish(JobStatus.COMPLETED_TRUNCATED, 0, detail, InMemoryResults.of(outputs));
      return this;
    }

    /**
     * Ends the job with the failing or stopping terminal {@code status}, such as {@code
     * ALGORITHM_FAILED} with its exit code; its results are the three logs.
     *
     * @throws IllegalArgumentException if {@code status} is not terminal, or is a success
     * @throws IllegalStateException if the job has already ended
     */
    public JobHandle fail(JobStatus status, @Nullable Integer exitCode, @Nullable String detail) {
      requireNonNull(status, "status");
      if (!status.isTerminal() || status.outcome() == JobStatus.Outcome.SUCCEEDED) {
        throw new IllegalArgumentException(
            status + " is not a failure: fail(...) takes a failing or stopping terminal status");
      }
      entry.finish(status, exitCode, detail, InMemoryResults.LOGS_ONLY);
      return this;
    }

    /**
     * Reports {@code state} as it is, without any check: for testing how a listener copes with a
     * backend that misbehaves (reports backwards, twice, or after the end). The job keeps it as its
     * state; results listed in it are not servable.
     *
     * @throws IllegalArgumentException if {@code state} is of another job
     */
    public JobHandle report(BackendJobState state) {
      requireNonNull(state, "state");
      if (!state.jobId().equals(id())) {
        throw new IllegalArgumentException("state of job " + state.jobId() + ", not " + id());
      }
      entry.force(state);
      return this;
    }

    @Override
    public String toString() {
      return "JobHandle{" + id() + " at " + status() + '}';
    }
  }
}
