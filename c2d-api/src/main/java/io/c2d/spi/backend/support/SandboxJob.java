package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of one job of a backend built on {@link Sandbox}, written once: the statuses in order,
 * each persisted in {@code state.json} before an {@link OrderedReporter} reports it; stop
 * checkpoints; the maximum duration (and, if the {@link JobRuntime} says so, the staging and
 * collecting limits); the algorithm's end as a status; results through a {@link ResultCollector}
 * ({@code COMPLETED_TRUNCATED} when a cap cut something); restarts. {@link SandboxJobs} creates and
 * drives these; a {@link Sandbox} does what depends on where the algorithm runs, and calls the
 * public methods.
 *
 * <p>Thread-safe. State changes happen under a private lock; the sandbox is never called and the
 * listener never reached while it is held.
 */
public final class SandboxJob {
  private static final Logger logger = LoggerFactory.getLogger(SandboxJob.class);

  private final JobSpec spec;
  private final JobDirectory directory;
  private final ComputeEnvironment environment;
  private final JobRuntime runtime;
  private final Sandbox sandbox;
  private final OrderedReporter reporter;
  private final Object lock = new Object();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final AtomicBoolean resumed;
  private final JobTimer timer;

  // guarded by lock
  private BackendJobState state;
  private boolean started;
  private boolean stopRequested;
  private String stopDetail = "stopped on request";
  private boolean timedOut;
  private @Nullable Cap capped;
  private String cappedDetail = "";
  private boolean concluding;
  private boolean deleted;

  SandboxJob(
      JobSpec spec,
      JobDirectory directory,
      ComputeEnvironment environment,
      JobRuntime runtime,
      Sandbox sandbox,
      BackendJobState state,
      @Nullable BackendListener listener,
      boolean resumed) {
    this.spec = spec;
    this.directory = directory;
    this.environment = environment;
    this.runtime = runtime;
    this.sandbox = sandbox;
    this.state = state;
    this.reporter = OrderedReporter.create(spec.jobId(), listener);
    this.resumed = new AtomicBoolean(resumed);
    this.timer = new JobTimer(runtime.scheduler());
    if (state.status().isTerminal()) {
      ended.complete(null);
    }
  }

  /** The job's id. */
  public JobId id() {
    return spec.jobId();
  }

  /** The job's spec. */
  public JobSpec spec() {
    return spec;
  }

  /** The environment the job runs in. */
  public ComputeEnvironment environment() {
    return environment;
  }

  /** The job's directory. */
  public JobDirectory directory() {
    return directory;
  }

  /** What the backend's jobs share. */
  public JobRuntime runtime() {
    return runtime;
  }

  /** The job's last state. */
  public BackendJobState state() {
    synchronized (lock) {
      return state;
    }
  }

  /**
   * Whether the job is ending or gone (concluding, terminal, deleted, or the backend closed): a
   * sandbox that just created something should then remove it and {@link Abort}.
   */
  public boolean isFinishing() {
    synchronized (lock) {
      return deleted || concluding || state.status().isTerminal() || runtime.isClosed();
    }
  }

  /**
   * Ends the caller's task if the job must not go on: reports {@code STOPPED} (once) when a stop
   * was asked.
   *
   * @throws Abort if the job must not go on
   */
  public void checkpoint() throws Abort {
    boolean stop;
    String because;
    synchronized (lock) {
      if (isFinishing()) {
        throw new Abort();
      }
      stop = stopRequested;
      because = stopDetail;
    }
    if (stop) {
      configLog("stopped before the algorithm ran");
      conclude(JobStatus.STOPPED, null, because, false);
      throw new Abort();
    }
  }

  /** Appends a time-stamped line to the job's {@code configuration.log}; a failure is logged. */
  public void configLog(String line) {
    try {
      directory.appendConfigurationLog(runtime.clock().instant() + " " + line);
    } catch (IOException e) {
      logger.warn("could not write the configuration log of job {}", id(), e);
    }
  }

  /**
   * The local path of a {@code file:} URI to stage, checked to be a readable regular file.
   *
   * @param what names the file in the failure, e.g. {@code dataset did:op:… file 0}
   * @param failure the status the job fails with otherwise
   * @throws StageFailure if the URI is of another scheme or not a readable regular file
   */
  public Path localFile(URI uri, String what, JobStatus failure) throws StageFailure {
    return StagedFiles.localFile(uri, what, failure, runtime.backendName());
  }

  /**
   * The algorithm ended: decides the terminal status (a stop or the timeout first, then {@code
   * exit}), collects the results and reports. Called by {@link Sandbox#watch} on the executor; only
   * the first call after the end counts.
   */
  public void exited(Exit exit) {
    requireNonNull(exit, "exit");
    if (runtime.isClosed()) {
      return;
    }
    boolean stop;
    boolean timed;
    String stoppedBecause;
    Cap cap;
    String capDetail;
    synchronized (lock) {
      if (deleted || concluding || state.status().isTerminal()) {
        return;
      }
      stop = stopRequested;
      timed = timedOut;
      stoppedBecause = stopDetail;
      cap = capped;
      capDetail = cappedDetail;
    }
    Conclusion.Ending ending =
        Conclusion.Ending.of(
            exit,
            stop,
            timed,
            stoppedBecause,
            cap,
            capDetail,
            directory.readEnding(),
            spec.maxDuration());
    conclude(ending.status(), ending.exitCode(), ending.detail(), ending.publishing());
  }

  /**
   * The algorithm went past a cap while it ran, as the sandbox saw at the source (its stdout and
   * stderr past the environment's log cap, its files past the job's disk quota): kills it, unless
   * the job is already being stopped, timed out or ending. The job then ends, whatever the exit
   * code, as {@code COMPLETED_TRUNCATED} ({@link Cap#LOG}) or {@code DISK_QUOTA_EXCEEDED} ({@link
   * Cap#DISK}), with {@code detail} and its results collected up to their caps. Recorded in the
   * job's ending file, so that an instance that recovers the job after a restart still knows. From
   * any thread; only the first call counts.
   */
  public void capReached(Cap cap, String detail) {
    requireNonNull(cap, "cap");
    requireNonNull(detail, "detail");
    synchronized (lock) {
      if (capped != null
          || stopRequested
          || timedOut
          || concluding
          || deleted
          || state.status().isTerminal()
          || runtime.isClosed()) {
        return;
      }
      capped = cap;
      cappedDetail = detail;
    }
    configLog("killing the algorithm: " + detail);
    writeEnding(cap == Cap.LOG ? JobDirectory.ENDING_LOG_CAP : JobDirectory.ENDING_DISK_QUOTA);
    sandbox.kill();
  }

  // Driven by SandboxJobs

  /** Makes {@code target} the job's listener; with {@code sendCurrent}, reports where it stands. */
  void bind(BackendListener target, boolean sendCurrent) {
    synchronized (lock) {
      reporter.bind(target);
      if (sendCurrent) {
        reporter.add(state);
      }
    }
    reporter.flush();
  }

  /** Whoever waits for this job to end is told {@code because} instead (the backend closed). */
  void abandon(Throwable because) {
    ended.completeExceptionally(because);
  }

  /** Stages and starts the job; runs on the executor. */
  void run() {
    try {
      stageAndStart();
    } catch (Abort e) {
      // stopped (already reported), deleted or closed
    } catch (RuntimeException e) {
      logger.error("the {} backend failed running job {}", runtime.backendName(), id(), e);
      conclude(
          JobStatus.FAILED, null, "the " + runtime.backendName() + " backend failed: " + e, false);
    }
  }

  private void stageAndStart() throws Abort {
    report(JobStatus.JOB_STARTED);
    checkpoint();
    report(JobStatus.CONFIGURING_VOLUMES);
    if (runtime.phaseTimeouts()) {
      Duration staging = environment.phaseTimeouts().staging();
      arm(() -> timeUp(staging), staging, true);
    }
    try {
      sandbox.stage(this);
    } catch (StageFailure failure) {
      configLog("staging failed: " + failure.getMessage());
      conclude(failure.status(), null, failure.getMessage(), false);
      return;
    }
    report(JobStatus.PROVISIONING_SUCCESS);
    checkpoint();
    start();
  }

  private void start() throws Abort {
    synchronized (lock) {
      if (concluding || deleted || state.status().isTerminal()) {
        throw new Abort();
      }
      // from here a stop or a timeout kills: the algorithm may run before start() returns
      started = true;
    }
    checkpoint();
    try {
      sandbox.start(this);
    } catch (StageFailure failure) {
      conclude(failure.status(), null, failure.getMessage(), false);
      return;
    }
    boolean kill;
    synchronized (lock) {
      kill = (stopRequested || deleted) && !runtime.isClosed();
    }
    running(JobStatus.PROVISIONING_SUCCESS, spec.maxDuration(), kill);
  }

  /**
   * The algorithm runs: reports so (unless done), arms its time limit, kills it if asked, waits.
   */
  private void running(JobStatus before, Duration left, boolean kill) {
    if (before.rank() < JobStatus.RUNNING_ALGORITHM.rank()) {
      report(JobStatus.RUNNING_ALGORITHM);
    }
    arm(() -> timeUp(left), left, true);
    if (kill) {
      writeEnding(JobDirectory.ENDING_STOPPED);
      sandbox.kill();
    }
    sandbox.watch(this);
  }

  /**
   * Continues a job loaded from its directory: finished jobs stay as they are; a running algorithm
   * is watched again with what is left of its maximum duration; one that ended unwatched is
   * concluded; one whose algorithm never started is run again from the start, after the sandbox
   * discarded what the interrupted attempt left (its statuses still only move forward); one whose
   * algorithm is gone without a trace has failed. Runs once.
   */
  void resume() {
    if (!resumed.compareAndSet(false, true)) {
      return;
    }
    BackendJobState current = state();
    JobStatus status = current.status();
    if (status.isTerminal()) {
      ended.complete(null);
      return;
    }
    Reattached found = sandbox.reattach(this);
    switch (found.kind) {
      case RUNNING -> {
        boolean kill;
        synchronized (lock) {
          started = true;
          kill = stopRequested || deleted;
        }
        Instant now = runtime.clock().instant();
        Instant since = status == JobStatus.RUNNING_ALGORITHM ? current.at() : now;
        Duration left = spec.maxDuration().minus(Duration.between(since, now));
        running(status, left.isNegative() ? Duration.ZERO : left, kill);
      }
      case ENDED -> {
        synchronized (lock) {
          started = true;
        }
        sandbox.watch(this);
      }
      case GONE -> conclude(JobStatus.FAILED, null, found.detail, false);
      case NEVER_RAN -> runtime.executeUnlessClosed(() -> restart(status));
    }
  }

  /**
   * Runs a job again whose algorithm never started before the backend restarted: a stop recorded
   * before the restart still counts; otherwise the interrupted attempt's leftovers are discarded
   * and the job is staged and started as if it had just been accepted. Statuses it had already
   * reported are not reported again.
   */
  private void restart(JobStatus interruptedAt) {
    if (JobDirectory.ENDING_STOPPED.equals(directory.readEnding())) {
      synchronized (lock) {
        stopRequested = true;
      }
    }
    configLog(
        "the backend restarted while the job was at '"
            + interruptedAt.text().trim()
            + "', before its algorithm ran: staging it again from the start");
    try {
      sandbox.discard(this);
    } catch (RuntimeException e) {
      logger.error("the {} backend failed cleaning up job {}", runtime.backendName(), id(), e);
      conclude(
          JobStatus.FAILED,
          null,
          "the "
              + runtime.backendName()
              + " backend could not clean up the job's interrupted attempt: "
              + e,
          false);
      return;
    }
    run();
  }

  /**
   * Stops the job if it is under way. The stage completes once it has ended (as {@code STOPPED}, or
   * as whatever it was already ending as).
   */
  CompletableFuture<Void> stop(String detail) {
    boolean running;
    synchronized (lock) {
      if (state.status().isTerminal()) {
        return CompletableFuture.completedFuture(null);
      }
      if (concluding) {
        return ended.copy();
      }
      if (!stopRequested) {
        stopRequested = true;
        stopDetail = detail;
      }
      running = started;
    }
    runtime.executeOrRun(
        () -> {
          writeEnding(JobDirectory.ENDING_STOPPED);
          if (running) {
            sandbox.kill();
          }
        });
    return ended.copy();
  }

  /** Stops the job, then removes its sandbox and its directory. */
  CompletableFuture<Void> delete() {
    return stop("deleted")
        .handle((ignored, failure) -> null)
        .thenRunAsync(
            () -> {
              synchronized (lock) {
                deleted = true;
                timer.cancel();
              }
              sandbox.remove();
              try {
                directory.delete();
              } catch (IOException e) {
                throw new UncheckedIOException("could not remove the directory of job " + id(), e);
              }
            },
            runtime.executor());
  }

  // Reporting, concluding, time limits

  /** Persists and reports a status; returns false if the job cannot move there. */
  private boolean report(
      JobStatus status,
      @Nullable Integer exitCode,
      @Nullable String detail,
      List<JobResult> results) {
    if (!record(status, exitCode, detail, results)) {
      return false;
    }
    deliver(status);
    return true;
  }

  /**
   * Persists a status and queues its report without delivering it ({@link #deliver} does); returns
   * false if the job cannot move there.
   */
  private boolean record(
      JobStatus status,
      @Nullable Integer exitCode,
      @Nullable String detail,
      List<JobResult> results) {
    synchronized (lock) {
      if (deleted || runtime.isClosed() || !state.status().canMoveTo(status)) {
        return false;
      }
      BackendJobState next =
          new BackendJobState(id(), status, exitCode, detail, results, runtime.clock().instant());
      try {
        directory.writeState(next);
      } catch (IOException e) {
        logger.warn("could not persist status {} of job {}", status, id(), e);
      }
      state = next;
      reporter.add(next);
      if (status.isTerminal()) {
        timer.cancel();
      }
    }
    return true;
  }

  /** Delivers the queued reports; a terminal {@code status} ends the job's stage. */
  private void deliver(JobStatus status) {
    reporter.flush();
    if (status.isTerminal()) {
      ended.complete(null);
    }
  }

  private boolean report(JobStatus status) {
    return report(status, null, null, List.of());
  }

  /**
   * Collects the results, persists the terminal status, removes the sandbox and reports the status.
   * Only the first call does anything.
   */
  private void conclude(
      JobStatus status, @Nullable Integer exitCode, @Nullable String detail, boolean publishing) {
    synchronized (lock) {
      if (concluding || deleted || state.status().isTerminal()) {
        return;
      }
      concluding = true;
      timer.cancel();
    }
    if (runtime.phaseTimeouts()) {
      armCollectingLimit(exitCode);
    }
    if (publishing) {
      report(JobStatus.PUBLISHING_RESULTS);
    }
    Conclusion conclusion = Conclusion.collect(this, sandbox, status, detail);
    // the terminal state is persisted before the sandbox is removed: a crash in between leaves a
    // finished job with its collected results (and a container the next instance removes as an
    // orphan), never a job whose sandbox is gone without a trace; it is reported once removed
    boolean recorded =
        record(conclusion.status(), exitCode, conclusion.detail(), conclusion.results());
    sandbox.remove();
    if (recorded) {
      deliver(conclusion.status());
    } else {
      synchronized (lock) {
        concluding = false;
      }
    }
  }

  /**
   * Collecting has its environment's time limit too: past it the job ends as TIMED_OUT with no
   * results, whatever the collecting thread still does (its own report then comes too late).
   */
  private void armCollectingLimit(@Nullable Integer exitCode) {
    Duration limit = environment.phaseTimeouts().collecting();
    String detail = "collecting the results took longer than its limit of " + limit;
    arm(
        () -> {
          if (report(JobStatus.TIMED_OUT, exitCode, detail, List.of())) {
            sandbox.remove();
          }
        },
        limit,
        false);
  }

  private void arm(Runnable task, Duration after, boolean notWhileConcluding) {
    if (timer.arm(task, after)) {
      synchronized (lock) {
        if (state.status().isTerminal() || (notWhileConcluding && concluding)) {
          timer.cancel();
        }
      }
    }
  }

  /** A time limit passed: kills a running algorithm, or ends a job still staging. */
  private void timeUp(Duration limit) {
    boolean running;
    synchronized (lock) {
      if (state.status().isTerminal()
          || concluding
          || stopRequested
          || capped != null
          || runtime.isClosed()) {
        return;
      }
      timedOut = true;
      running = started;
    }
    if (running) {
      writeEnding(JobDirectory.ENDING_TIMED_OUT);
      sandbox.kill();
    } else {
      String detail = "staging took longer than its limit of " + limit;
      runtime.executeUnlessClosed(() -> conclude(JobStatus.TIMED_OUT, null, detail, false));
    }
  }

  private void writeEnding(String ending) {
    try {
      directory.writeEnding(ending);
    } catch (IOException e) {
      logger.warn("could not record that job {} {}", id(), ending, e);
    }
  }

  /**
   * The sandbox's live view of the algorithm's output, or null; see {@link Sandbox#openLiveLog}.
   */
  java.io.@Nullable InputStream openLiveLog() throws IOException {
    return sandbox.openLiveLog(this);
  }

  @Override
  public String toString() {
    return "SandboxJob{" + id() + ", " + state().status() + '}';
  }

  /**
   * How the algorithm ended, as the sandbox saw it. Immutable.
   *
   * @param exitCode its exit code, or null if there is none
   * @param outOfMemory whether it was killed for running out of memory
   * @param diskQuotaExceeded whether it was killed for writing past its disk quota (a file-size
   *     limit, say)
   * @param detail the job's detail when it ran out of memory or disk, or left no exit code
   */
  public record Exit(
      @Nullable Integer exitCode, boolean outOfMemory, boolean diskQuotaExceeded, String detail) {
    /** It exited with {@code exitCode}. */
    public static Exit code(int exitCode) {
      return new Exit(exitCode, false, false, "the algorithm exited with code " + exitCode);
    }

    /** It ended without an exit code; {@code detail} says how (the job fails with it). */
    public static Exit unknown(String detail) {
      return new Exit(null, false, false, detail);
    }

    /** It was killed for running out of memory; {@code detail} says so. */
    public static Exit outOfMemory(@Nullable Integer exitCode, String detail) {
      return new Exit(exitCode, true, false, detail);
    }

    /**
     * It was killed for writing past its disk quota; {@code detail} says so (the job ends {@code
     * DISK_QUOTA_EXCEEDED}, its results collected).
     */
    public static Exit diskQuotaExceeded(@Nullable Integer exitCode, String detail) {
      return new Exit(exitCode, false, true, detail);
    }
  }

  /** A cap the sandbox saw the algorithm go past while it ran; see {@link #capReached}. */
  public enum Cap {
    /** Its stdout and stderr together went past the environment's log cap. */
    LOG,
    /** What it wrote went past the job's disk quota. */
    DISK
  }

  /** The task ends here; whatever had to be reported was reported. */
  public static final class Abort extends Exception {
    private static final long serialVersionUID = 1L;

    /** An abort; it carries no message and no stack trace. */
    public Abort() {
      super(null, null, false, false);
    }
  }
}
