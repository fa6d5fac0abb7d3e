package io.c2d.backend.docker;

import io.c2d.ErrorCode;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job of the {@link DockerComputeBackend}: checks the image, stages the job's files into a
 * fresh volume of a closed container, starts it, waits for it through the engine's wait API,
 * enforces the phase time limits and the maximum duration, collects outputs and logs, removes the
 * container and volume, persists every status in {@code state.json} and reports it.
 *
 * <p>Thread-safe. State changes happen under {@code lock}; listener calls happen outside it, one at
 * a time and in order, through {@code outbox}.
 */
final class DockerJob {
  private static final Logger logger = LoggerFactory.getLogger(DockerJob.class);

  private final JobSpec spec;
  private final JobStore store;
  private final ComputeEnvironment environment;
  private final Shared shared;
  private final JobContainer container;
  private final Object lock = new Object();
  private final ArrayDeque<BackendJobState> outbox = new ArrayDeque<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final AtomicBoolean resumed;

  // guarded by lock
  private BackendJobState state;
  private @Nullable BackendListener listener;
  private boolean draining;
  private @Nullable String containerId;
  private boolean started;
  private boolean stopRequested;
  private String stopDetail = "stopped on request";
  private @Nullable String timedOut;
  private boolean concluding;
  private boolean deleted;
  private @Nullable ScheduledFuture<?> timeout;

  private DockerJob(
      JobSpec spec,
      JobStore store,
      ComputeEnvironment environment,
      Shared shared,
      BackendJobState state,
      boolean resumed) {
    this.spec = spec;
    this.store = store;
    this.environment = environment;
    this.shared = shared;
    this.state = state;
    this.container = new JobContainer(spec, environment, shared);
    this.resumed = new AtomicBoolean(resumed);
    if (state.status().isTerminal()) {
      ended.complete(null);
    }
  }

  static DockerJob create(
      JobSpec spec,
      JobStore store,
      ComputeEnvironment environment,
      Shared shared,
      BackendListener listener) {
    BackendJobState first =
        BackendJobState.of(spec.jobId(), JobStatus.WARMING_UP, shared.clock().instant());
    DockerJob job = new DockerJob(spec, store, environment, shared, first, true);
    job.listener = listener;
    return job;
  }

  /**
   * A job found in the result root, as an earlier instance left it; {@link #resume} decides what
   * happens next.
   */
  static DockerJob load(
      JobStore store, Function<String, ComputeEnvironment> environments, Shared shared)
      throws IOException {
    JobSpec spec = store.readSpec();
    BackendJobState state;
    try {
      state = store.readState();
    } catch (NoSuchFileException e) {
      state = BackendJobState.of(spec.jobId(), JobStatus.WARMING_UP, shared.clock().instant());
    }
    return new DockerJob(
        spec, store, environments.apply(spec.environmentId()), shared, state, false);
  }

  JobId id() {
    return spec.jobId();
  }

  JobSpec spec() {
    return spec;
  }

  BackendJobState state() {
    synchronized (lock) {
      return state;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Listener delivery

  void bind(BackendListener target, boolean sendCurrent) {
    synchronized (lock) {
      listener = target;
      if (sendCurrent) {
        outbox.add(state);
      }
    }
    flush();
  }

  private boolean report(
      JobStatus status,
      @Nullable Integer exitCode,
      @Nullable String detail,
      List<JobResult> results) {
    BackendJobState next;
    synchronized (lock) {
      if (deleted || shared.closed().getAsBoolean() || !state.status().canMoveTo(status)) {
        return false;
      }
      next = new BackendJobState(id(), status, exitCode, detail, results, shared.clock().instant());
      try {
        store.writeState(next);
      } catch (IOException e) {
        logger.warn("could not persist status {} of job {}", status, id(), e);
      }
      state = next;
      outbox.add(next);
      if (status.isTerminal()) {
        cancelTimeout();
      }
    }
    flush();
    if (status.isTerminal()) {
      ended.complete(null);
    }
    return true;
  }

  private boolean report(JobStatus status) {
    return report(status, null, null, List.of());
  }

  private void flush() {
    synchronized (lock) {
      if (draining) {
        return;
      }
      draining = true;
    }
    while (true) {
      BackendJobState next;
      BackendListener target;
      synchronized (lock) {
        next = outbox.poll();
        if (next == null) {
          draining = false;
          return;
        }
        target = listener;
      }
      if (target != null) {
        try {
          target.onUpdate(next);
        } catch (RuntimeException e) {
          logger.warn("the listener of job {} threw on {}; it must not", id(), next.status(), e);
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Submitting, staging, starting

  /** Durably accepts the job: creates its directory and writes job.json and state.json. */
  void accept() throws IOException {
    try {
      store.createDir();
    } catch (IOException e) {
      ended.completeExceptionally(e);
      throw e;
    }
    try {
      store.writeSpec(spec);
      store.writeState(state());
    } catch (IOException e) {
      try {
        JobStore.deleteTree(store.dir());
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      ended.completeExceptionally(e);
      throw e;
    }
  }

  void abandon(RuntimeException because) {
    ended.completeExceptionally(because);
  }

  /** Stages and starts the job; runs on the backend's executor. */
  void run() {
    try {
      stageAndStart();
    } catch (Abort e) {
      // stopped, timed out (already concluded), deleted or closed
    } catch (RuntimeException e) {
      logger.error("the Docker backend failed running job {}", id(), e);
      conclude(JobStatus.FAILED, null, "the Docker backend failed: " + e, false);
    }
  }

  private void stageAndStart() throws Abort {
    report(JobStatus.JOB_STARTED);
    checkpoint();
    report(JobStatus.CONFIGURING_VOLUMES);
    armTimeout(environment.phaseTimeouts().staging(), "staging");
    configLog(
        "job "
            + id()
            + " in environment "
            + environment.id()
            + " (Docker backend, "
            + container.name()
            + ")");
    try {
      ImageCheck.check(
          shared.docker(),
          spec.algorithm().container(),
          shared.sandbox().pullMissingImages(),
          environment.phaseTimeouts().staging(),
          this::configLog);
      checkpoint();
      StagingArchive.write(
          spec, shared.sandbox(), store.stagingTar(), this::checkpoint, this::configLog);
      checkpoint();
      createObjects();
      checkpoint();
      upload();
    } catch (StageFailure failure) {
      configLog("staging failed: " + failure.getMessage());
      conclude(failure.status, null, failure.getMessage(), false);
      return;
    }
    report(JobStatus.PROVISIONING_SUCCESS);
    checkpoint();
    start();
  }

  private void createObjects() throws StageFailure, Abort {
    String created = container.create();
    boolean abandon;
    synchronized (lock) {
      containerId = created;
      abandon = concluding || deleted || state.status().isTerminal();
    }
    configLog("created container " + container.name() + " (" + created + ")");
    if (abandon) {
      container.remove();
      throw new Abort();
    }
  }

  private void upload() throws StageFailure {
    container.upload(requireContainer(), store.stagingTar());
    try {
      Files.deleteIfExists(store.stagingTar());
    } catch (IOException e) {
      logger.warn("could not delete the staging archive of job {}", id(), e);
    }
    configLog("copied the staged files into the container's /data");
  }

  private void start() throws Abort {
    String id = requireContainer();
    boolean kill;
    synchronized (lock) {
      if (concluding || deleted || state.status().isTerminal()) {
        throw new Abort();
      }
      started = true;
      kill = stopRequested;
    }
    if (kill) {
      checkpoint();
    }
    try {
      container.start(id);
    } catch (RuntimeException e) {
      configLog("could not start the container: " + e.getMessage());
      conclude(
          JobStatus.ALGORITHM_FAILED,
          null,
          "the container could not be started: " + e.getMessage(),
          false);
      return;
    }
    configLog("started the algorithm");
    report(JobStatus.RUNNING_ALGORITHM);
    armTimeout(spec.maxDuration(), "running");
    synchronized (lock) {
      kill = stopRequested || deleted;
    }
    if (kill) {
      writeEnding(JobStore.ENDING_STOPPED);
      container.kill(id);
    }
    watch(id);
  }

  private void watch(String id) {
    container.watch(id, this::containerEnded);
  }

  /**
   * Continues a job loaded from the result root: finished jobs stay as they are; a running
   * container is waited for again; one that ended unwatched is collected. Runs once.
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
    JobContainer.Observed inspected = container.inspect(container.name());
    if (inspected == null) {
      conclude(
          JobStatus.FAILED,
          null,
          status.rank() >= JobStatus.RUNNING_ALGORITHM.rank()
              ? "the job's container is gone: it was removed while no backend instance watched it"
              : "the backend restarted while the job was at '"
                  + status.text().trim()
                  + "'; its algorithm never ran",
          false);
      return;
    }
    String id = inspected.id();
    boolean running = inspected.running();
    boolean kill;
    synchronized (lock) {
      containerId = id;
      started = running || status.rank() >= JobStatus.RUNNING_ALGORITHM.rank();
      kill = stopRequested || deleted;
    }
    if (running) {
      Instant now = shared.clock().instant();
      Instant since = status == JobStatus.RUNNING_ALGORITHM ? current.at() : now;
      if (status.rank() < JobStatus.RUNNING_ALGORITHM.rank()) {
        report(JobStatus.RUNNING_ALGORITHM);
      }
      Duration left = spec.maxDuration().minus(Duration.between(since, now));
      armTimeout(left.isNegative() ? Duration.ZERO : left, "running");
      if (kill) {
        writeEnding(JobStore.ENDING_STOPPED);
        container.kill(id);
      }
      watch(id);
    } else if (status.rank() >= JobStatus.RUNNING_ALGORITHM.rank()
        || !"created".equals(inspected.status())) {
      containerEnded();
    } else {
      conclude(
          JobStatus.FAILED,
          null,
          "the backend restarted while the job was at '"
              + status.text().trim()
              + "'; its algorithm never ran",
          false);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Ending

  /** Reacts to the end of the container; runs on the backend's executor. */
  void containerEnded() {
    if (shared.closed().getAsBoolean()) {
      return;
    }
    boolean stop;
    String timed;
    String stoppedBecause;
    String id;
    synchronized (lock) {
      if (deleted || concluding || state.status().isTerminal() || containerId == null) {
        return;
      }
      stop = stopRequested;
      timed = timedOut;
      stoppedBecause = stopDetail;
      id = containerId;
    }
    JobContainer.Observed ended;
    try {
      ended = container.inspect(id);
    } catch (RuntimeException e) {
      logger.warn("could not inspect the container of job {}; waiting again", id(), e);
      rewatch(id);
      return;
    }
    if (ended == null) {
      conclude(JobStatus.FAILED, null, "the job's container vanished while it ran", false);
      return;
    }
    if (ended.running()) {
      rewatch(id);
      return;
    }
    String ending = store.readEnding();
    Integer exitCode = ended.exitCode();
    boolean oom = ended.oomKilled();
    if (stop || JobStore.ENDING_STOPPED.equals(ending)) {
      conclude(JobStatus.STOPPED, exitCode, stoppedBecause, false);
    } else if (timed != null || JobStore.ENDING_TIMED_OUT.equals(ending)) {
      conclude(
          JobStatus.TIMED_OUT,
          exitCode,
          "ran longer than its maximum duration of " + spec.maxDuration() + " and was killed",
          false);
    } else if (oom) {
      conclude(
          JobStatus.OUT_OF_MEMORY,
          exitCode,
          "the algorithm ran out of its "
              + ContainerSpecs.limits(spec, environment).memoryBytes()
              + " bytes of memory and was killed",
          true);
    } else if (exitCode == null) {
      conclude(JobStatus.FAILED, null, "the container ended without an exit code", false);
    } else if (exitCode != 0) {
      conclude(
          JobStatus.ALGORITHM_FAILED, exitCode, "the algorithm exited with code " + exitCode, true);
    } else {
      conclude(JobStatus.COMPLETED, 0, null, true);
    }
  }

  private void rewatch(String id) {
    container.rewatch(id, this::containerEnded);
  }

  /**
   * Collects the results, removes the container and the volume, and reports the terminal status
   * (COMPLETED becomes COMPLETED_TRUNCATED when a cap cut something). Only the first call does
   * anything.
   */
  private void conclude(
      JobStatus status, @Nullable Integer exitCode, @Nullable String detail, boolean publishing) {
    String id;
    synchronized (lock) {
      if (concluding || deleted || state.status().isTerminal()) {
        return;
      }
      concluding = true;
      cancelTimeout();
      id = containerId;
    }
    armCollectingLimit(exitCode);
    if (publishing) {
      report(JobStatus.PUBLISHING_RESULTS);
    }
    JobStatus end = status;
    String why = detail;
    List<JobResult> results;
    try {
      ContainerResults.Collected collected =
          ContainerResults.collect(shared, store, environment, id(), id);
      results = collected.results();
      if (!collected.cuts().isEmpty()) {
        if (end == JobStatus.COMPLETED) {
          end = JobStatus.COMPLETED_TRUNCATED;
        }
        why = join(why, "results cut at their caps: " + summary(collected.cuts()));
      }
      if (collected.outputsFailed() != null && end == JobStatus.COMPLETED) {
        end = JobStatus.RESULTS_FETCH_FAILED;
        why = join(why, collected.outputsFailed());
      }
    } catch (IOException | RuntimeException e) {
      logger.warn("collecting the results of job {} failed", id(), e);
      results = List.of();
      if (end == JobStatus.COMPLETED) {
        end = JobStatus.RESULTS_FETCH_FAILED;
      }
      why = join(why, "collecting the results failed (" + e.getClass().getSimpleName() + ")");
    }
    container.remove();
    if (!report(end, exitCode, why, results)) {
      synchronized (lock) {
        concluding = false;
      }
    }
  }

  private static String join(@Nullable String first, String second) {
    return first == null ? second : first + "; " + second;
  }

  private static String summary(List<String> cuts) {
    int shown = Math.min(3, cuts.size());
    String text = String.join("; ", cuts.subList(0, shown));
    return cuts.size() > shown
        ? text + "; and " + (cuts.size() - shown) + " more (see publish.log)"
        : text;
  }

  /** Stops the job if it is under way; the stage completes once it has ended. */
  CompletableFuture<Void> stop(String detail) {
    String target;
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
      target = containerId;
      running = started;
    }
    if (running && target != null) {
      Runnable kill =
          () -> {
            writeEnding(JobStore.ENDING_STOPPED);
            container.kill(target);
          };
      try {
        shared.executor().execute(kill);
      } catch (RejectedExecutionException e) {
        kill.run();
      }
    }
    return ended.copy();
  }

  /** Stops the job, then removes its container, volume and directory. */
  CompletableFuture<Void> delete() {
    return stop("deleted")
        .handle((ignored, failure) -> null)
        .thenRunAsync(
            () -> {
              synchronized (lock) {
                deleted = true;
                cancelTimeout();
              }
              container.remove();
              try {
                JobStore.deleteTree(store.dir());
              } catch (IOException e) {
                throw new UncheckedIOException("could not remove the directory of job " + id(), e);
              }
            },
            shared.executor());
  }

  private void armTimeout(Duration after, String phase) {
    ScheduledFuture<?> scheduled;
    try {
      scheduled =
          shared
              .scheduler()
              .schedule(
                  () -> timeUp(phase, after), Math.max(0, after.toMillis()), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return;
    }
    synchronized (lock) {
      cancelTimeout();
      timeout = scheduled;
      if (state.status().isTerminal() || concluding) {
        cancelTimeout();
      }
    }
  }

  /**
   * Collecting has its environment's time limit too: past it the job ends as TIMED_OUT with no
   * results, whatever the collecting thread still does (its own report then comes too late).
   */
  private void armCollectingLimit(@Nullable Integer exitCode) {
    Duration limit = environment.phaseTimeouts().collecting();
    ScheduledFuture<?> scheduled;
    try {
      scheduled =
          shared
              .scheduler()
              .schedule(
                  () -> {
                    if (report(
                        JobStatus.TIMED_OUT,
                        exitCode,
                        "collecting the results took longer than its limit of " + limit,
                        List.of())) {
                      container.remove();
                    }
                  },
                  limit.toMillis(),
                  TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return;
    }
    synchronized (lock) {
      timeout = scheduled;
      if (state.status().isTerminal()) {
        cancelTimeout();
      }
    }
  }

  private void cancelTimeout() {
    // called with lock held
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
  }

  private void timeUp(String phase, Duration limit) {
    String target;
    boolean running;
    synchronized (lock) {
      if (state.status().isTerminal()
          || concluding
          || stopRequested
          || shared.closed().getAsBoolean()) {
        return;
      }
      timedOut = phase;
      target = containerId;
      running = started;
    }
    if (running && target != null) {
      writeEnding(JobStore.ENDING_TIMED_OUT);
      container.kill(target);
    } else {
      try {
        shared
            .executor()
            .execute(
                () ->
                    conclude(
                        JobStatus.TIMED_OUT,
                        null,
                        "staging took longer than its limit of " + limit,
                        false));
      } catch (RejectedExecutionException e) {
        // closed
      }
    }
  }

  /**
   * Opens one listed result of the ended job, from its result area only.
   *
   * @throws io.c2d.NotFoundException if the job has not ended or did not list {@code wanted}
   */
  InputStream open(JobResult wanted) throws IOException {
    BackendJobState current = state();
    if (!current.status().isTerminal()) {
      throw new io.c2d.NotFoundException(
          ErrorCode.RESULT_NOT_FOUND, "job " + id() + " has not ended; its results are not ready");
    }
    JobResult listed = null;
    for (JobResult result : current.results()) {
      if (result.name().equals(wanted.name()) && result.kind() == wanted.kind()) {
        listed = result;
        break;
      }
    }
    if (listed == null) {
      throw new io.c2d.NotFoundException(
          ErrorCode.RESULT_NOT_FOUND,
          "job " + id() + " has no " + wanted.kind().oceanType() + " result " + wanted.name());
    }
    Path area = store.resultArea(listed.kind()).toAbsolutePath().normalize();
    Path file = area.resolve(listed.name()).normalize();
    if (!file.startsWith(area) || !file.toRealPath().startsWith(area.toRealPath())) {
      throw new io.c2d.NotFoundException(
          ErrorCode.RESULT_NOT_FOUND, "result " + listed.name() + " leaves the result area");
    }
    return Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
  }

  // ---------------------------------------------------------------------------------------------

  private String requireContainer() {
    synchronized (lock) {
      if (containerId == null) {
        throw new IllegalStateException("job " + id() + " has no container yet");
      }
      return containerId;
    }
  }

  private void checkpoint() throws Abort {
    boolean stop;
    String because;
    synchronized (lock) {
      if (deleted || concluding || state.status().isTerminal() || shared.closed().getAsBoolean()) {
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

  private void configLog(String line) {
    try {
      JobStore.appendLine(store.configurationLog(), shared.clock().instant() + " " + line);
    } catch (IOException e) {
      logger.warn("could not write the configuration log of job {}", id(), e);
    }
  }

  private void writeEnding(String ending) {
    try {
      store.writeEnding(ending);
    } catch (IOException e) {
      logger.warn("could not record that job {} {}", id(), ending, e);
    }
  }
}
