package io.c2d.backend.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.c2d.ErrorCode;
import io.c2d.NotFoundException;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * One job of the {@link EmbeddedComputeBackend}: stages its sandbox directory, runs its entrypoint
 * as a local process, enforces its maximum duration, collects its results, persists every status in
 * {@code state.json} and reports it to the listener.
 *
 * <p>Thread-safe. State changes happen under {@code lock}; listener calls happen outside it, one at
 * a time and in order, through {@code outbox} (so that a listener that calls back into the backend,
 * as the engine does when it stops a job from inside a report, can never deadlock with it).
 */
final class EmbeddedJob {
  private static final Logger logger = LoggerFactory.getLogger(EmbeddedJob.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The fixed command the wrapper shell runs. The entrypoint and the exit-code file arrive as
   * environment variables, never spliced into this text, and are removed from the algorithm's
   * environment before it starts.
   */
  static final String WRAPPER =
      "c2d_e=$C2D_ENTRYPOINT; c2d_x=$C2D_EXITCODE_FILE; unset C2D_ENTRYPOINT C2D_EXITCODE_FILE; "
          + "/bin/sh -c -- \"$c2d_e\"; c2d_s=$?; echo \"$c2d_s\" > \"$c2d_x\"";

  private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";
  private static final int KILL_ROUNDS = 3;

  private final JobSpec spec;
  private final JobFiles files;
  private final ComputeEnvironment environment;
  private final Shared shared;
  private final Object lock = new Object();
  private final ArrayDeque<BackendJobState> outbox = new ArrayDeque<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final AtomicBoolean resumed;

  // guarded by lock
  private BackendJobState state;
  private @Nullable BackendListener listener;
  private boolean draining;
  private @Nullable ProcessHandle process;
  private boolean stopRequested;
  private String stopDetail = "stopped on request";
  private boolean timedOut;
  private boolean concluding;
  private boolean deleted;
  private @Nullable ScheduledFuture<?> timeout;

  private EmbeddedJob(
      JobSpec spec,
      JobFiles files,
      ComputeEnvironment environment,
      Shared shared,
      BackendJobState state,
      boolean resumed) {
    this.spec = spec;
    this.files = files;
    this.environment = environment;
    this.shared = shared;
    this.state = state;
    this.resumed = new AtomicBoolean(resumed);
    if (state.status().isTerminal()) {
      ended.complete(null);
    }
  }

  /**
   * A job submitted to this backend instance, reporting to {@code listener} (until another binds);
   * {@link #accept} and {@link #run} drive it.
   */
  static EmbeddedJob create(
      JobSpec spec,
      JobFiles files,
      ComputeEnvironment environment,
      Shared shared,
      BackendListener listener) {
    BackendJobState first =
        BackendJobState.of(spec.jobId(), JobStatus.WARMING_UP, shared.clock().instant());
    EmbeddedJob job = new EmbeddedJob(spec, files, environment, shared, first, true);
    job.listener = listener;
    return job;
  }

  /**
   * A job found on disk, as an earlier instance left it; {@link #resume} decides what happens next.
   *
   * @throws IOException if its {@code job.json} or {@code state.json} cannot be read
   */
  static EmbeddedJob load(
      JobFiles files, Function<String, ComputeEnvironment> environments, Shared shared)
      throws IOException {
    JobSpec spec;
    try {
      spec = files.readSpec();
    } catch (IllegalArgumentException e) {
      throw new IOException("malformed " + files.jobJson() + ": " + e.getMessage(), e);
    }
    if (!spec.jobId().equals(files.id())) {
      throw new IOException(files.jobJson() + " is the spec of another job, " + spec.jobId());
    }
    BackendJobState state;
    try {
      state = files.readState();
    } catch (NoSuchFileException e) {
      // accepted, but stopped before its first state was written
      state = BackendJobState.of(spec.jobId(), JobStatus.WARMING_UP, shared.clock().instant());
    }
    return new EmbeddedJob(
        spec, files, environments.apply(spec.environmentId()), shared, state, false);
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

  /** Makes {@code target} the job's listener; with {@code sendCurrent}, reports where it stands. */
  void bind(BackendListener target, boolean sendCurrent) {
    synchronized (lock) {
      listener = target;
      if (sendCurrent) {
        outbox.add(state);
      }
    }
    flush();
  }

  /** Persists and reports a status; returns false if the job cannot move there. */
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
        files.writeState(next);
      } catch (IOException e) {
        logger.warn("could not persist status {} of job {}", status, id(), e);
      }
      state = next;
      outbox.add(next);
      if (status.isTerminal() && timeout != null) {
        timeout.cancel(false);
        timeout = null;
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

  /** Delivers queued reports, one at a time and in order, unless another thread already does. */
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
  // Submitting and running

  /**
   * Durably accepts the job: creates its directory and writes {@code job.json} and {@code
   * state.json}.
   *
   * @throws IOException if that fails; nothing is left behind then
   */
  void accept() throws IOException {
    try {
      files.createDir();
    } catch (IOException e) {
      ended.completeExceptionally(e);
      throw e;
    }
    try {
      files.writeSpec(spec);
      files.writeState(state());
    } catch (IOException e) {
      try {
        JobFiles.deleteTree(files.dir());
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      ended.completeExceptionally(e);
      throw e;
    }
  }

  /**
   * The backend was closed: whoever waits for this job to end (a stop, a delete) is told so instead
   * of waiting forever. The job itself is left as it is, for a later instance.
   */
  void abandon(RuntimeException because) {
    ended.completeExceptionally(because);
  }

  /** Stages and starts the job; runs on the backend's executor. */
  void run() {
    try {
      stageAndStart();
    } catch (Abort e) {
      // stopped (already reported), deleted or closed
    } catch (RuntimeException e) {
      logger.error("the embedded backend failed running job {}", id(), e);
      conclude(JobStatus.FAILED, null, "the embedded backend failed: " + e, false);
    }
  }

  private void stageAndStart() throws Abort {
    report(JobStatus.JOB_STARTED);
    checkpoint();
    report(JobStatus.CONFIGURING_VOLUMES);
    try {
      files.createLayout();
    } catch (IOException e) {
      logger.warn("could not create the directories of job {}", id(), e);
      conclude(
          JobStatus.VOLUME_CREATION_FAILED,
          null,
          "could not create the job's directories: " + e.getClass().getSimpleName(),
          false);
      return;
    }
    configLog("job " + id() + " in environment " + environment.id() + " (embedded backend)");
    configLog(
        "this backend is NOT a sandbox: no isolation, no network block, no resource limits;"
            + " only the maximum duration and the result caps are enforced");
    try {
      stageInputs();
      stageAlgorithm();
    } catch (StageFailure failure) {
      configLog("staging failed: " + failure.getMessage());
      conclude(failure.status, null, failure.getMessage(), false);
      return;
    }
    report(JobStatus.PROVISIONING_SUCCESS);
    checkpoint();
    start();
  }

  private void stageInputs() throws StageFailure, Abort {
    for (DatasetInput dataset : spec.datasets()) {
      checkpoint();
      Did did = dataset.did();
      Path dir = files.inputs().resolve(did.id());
      try {
        Files.createDirectories(dir);
        List<URI> uris = dataset.files();
        for (int n = 0; n < uris.size(); n++) {
          checkpoint();
          String what = "dataset " + did + " file " + n;
          Path source = localFile(uris.get(n), what, JobStatus.DATA_PROVISIONING_FAILED);
          Path target = dir.resolve(Integer.toString(n));
          try {
            Files.copy(source, target);
          } catch (IOException e) {
            logger.warn("could not stage {} of job {}", what, id(), e);
            throw new StageFailure(
                JobStatus.DATA_PROVISIONING_FAILED,
                what + " could not be copied (" + e.getClass().getSimpleName() + ")");
          }
          configLog("staged " + what + " (" + Files.size(target) + " bytes)");
        }
        if (dataset.ddoJson().isPresent()) {
          Files.writeString(
              files.ddos().resolve(did.id()), dataset.ddoJson().get(), StandardCharsets.UTF_8);
          configLog("wrote the DDO of " + did);
        }
      } catch (IOException e) {
        logger.warn("could not stage dataset {} of job {}", did, id(), e);
        throw new StageFailure(
            JobStatus.DATA_PROVISIONING_FAILED,
            "dataset " + did + " could not be staged (" + e.getClass().getSimpleName() + ")");
      }
    }
  }

  private void stageAlgorithm() throws StageFailure, Abort {
    Algorithm algorithm = spec.algorithm();
    try {
      if (algorithm.rawCode().isPresent()) {
        Files.writeString(files.algorithm(), algorithm.rawCode().get(), StandardCharsets.UTF_8);
        configLog("wrote the raw algorithm (" + Files.size(files.algorithm()) + " bytes)");
      } else {
        List<URI> uris = algorithm.files();
        try (OutputStream out =
            Files.newOutputStream(
                files.algorithm(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          for (int n = 0; n < uris.size(); n++) {
            checkpoint();
            String what = "algorithm file " + n;
            Path source = localFile(uris.get(n), what, JobStatus.ALGORITHM_PROVISIONING_FAILED);
            Files.copy(source, out);
          }
        }
        configLog(
            uris.isEmpty()
                ? "the published algorithm has no files: $ALGO is an empty file"
                : "staged the published algorithm "
                    + algorithm.did().map(Did::value).orElse("")
                    + " from "
                    + uris.size()
                    + " file(s), concatenated ("
                    + Files.size(files.algorithm())
                    + " bytes)");
        if (algorithm.ddoJson().isPresent() && algorithm.did().isPresent()) {
          Files.writeString(
              files.ddos().resolve(algorithm.did().get().id()),
              algorithm.ddoJson().get(),
              StandardCharsets.UTF_8);
        }
      }
      try {
        Files.setPosixFilePermissions(
            files.algorithm(), PosixFilePermissions.fromString("rwxr-xr-x"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: $ALGO is still readable, which is what "sh $ALGO" needs
      }
      Files.writeString(files.customData(), algorithm.customData(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      logger.warn("could not stage the algorithm of job {}", id(), e);
      throw new StageFailure(
          JobStatus.ALGORITHM_PROVISIONING_FAILED,
          "the algorithm could not be staged (" + e.getClass().getSimpleName() + ")");
    }
    configLog("entrypoint: " + algorithm.container().entrypoint());
    configLog(
        "image "
            + algorithm.container().reference()
            + " is not used: the embedded backend runs the entrypoint with the host's /bin/sh"
            + (algorithm.container().digest() == null ? "" : ", so its digest is not checked"));
    configLog(
        "network access "
            + (spec.networkAccess() ? "was allowed" : "was not allowed, but is not blocked")
            + "; resources "
            + spec.resources()
            + " are not enforced");
  }

  /** The local path of a {@code file:} URI, or a staging failure naming {@code what}. */
  private static Path localFile(URI uri, String what, JobStatus failure) throws StageFailure {
    String scheme = uri.getScheme();
    if (scheme == null || !scheme.equalsIgnoreCase("file")) {
      throw new StageFailure(
          failure,
          what
              + ": the embedded backend stages only file: URIs, not "
              + (scheme == null ? "a relative URI" : scheme + ": URIs"));
    }
    Path path;
    try {
      path = Path.of(uri);
    } catch (IllegalArgumentException | FileSystemNotFoundException e) {
      throw new StageFailure(failure, what + ": not a usable file: URI");
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new StageFailure(failure, what + " is not a readable regular file");
    }
    return path;
  }

  private void start() throws Abort {
    ProcessBuilder builder =
        new ProcessBuilder("/bin/sh", "-c", WRAPPER)
            .directory(files.data().toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(files.algorithmLog().toFile()));
    Map<String, String> env = builder.environment();
    String path = System.getenv("PATH");
    env.clear();
    env.put("PATH", path == null || path.isBlank() ? DEFAULT_PATH : path);
    env.put("HOME", files.data().toString());
    env.put("TMPDIR", files.tmp().toString());
    env.putAll(spec.algorithm().environment());
    env.put("DIDS", didsJson(spec));
    env.put("TRANSFORMATION_DID", spec.algorithm().did().map(Did::id).orElse(""));
    env.put("VOLUME", files.data().toString());
    env.put("INPUTS", files.inputs().toString());
    env.put("OUTPUTS", files.outputs().toString());
    env.put("LOGS", files.logs().toString());
    env.put("ALGO", files.algorithm().toString());
    env.put("C2D_ENTRYPOINT", spec.algorithm().container().entrypoint());
    env.put("C2D_EXITCODE_FILE", files.exitCodeFile().toString());

    Process started;
    try {
      started = builder.start();
    } catch (IOException e) {
      logger.warn("could not start the algorithm of job {}", id(), e);
      configLog("could not start /bin/sh: " + e.getClass().getSimpleName());
      conclude(
          JobStatus.CONTAINER_CREATION_FAILED,
          null,
          "could not start the algorithm's process (" + e.getClass().getSimpleName() + ")",
          false);
      return;
    }
    try {
      started.getOutputStream().close(); // the algorithm reads an empty stdin
    } catch (IOException e) {
      // harmless: the algorithm's stdin stays open
    }
    ProcessHandle handle = started.toHandle();
    boolean kill;
    synchronized (lock) {
      process = handle;
      kill = (stopRequested || deleted) && !shared.closed().getAsBoolean();
    }
    try {
      files.writePid(handle);
    } catch (IOException e) {
      logger.warn("could not record the pid of job {}; a restart will not find it", id(), e);
    }
    configLog("started the algorithm, pid " + handle.pid());
    report(JobStatus.RUNNING_ALGORITHM);
    armTimeout(spec.maxDuration());
    if (kill) {
      writeEnding(JobFiles.ENDING_STOPPED);
      killTree(handle);
    }
    var unused = started.onExit().whenCompleteAsync((p, e) -> processEnded(), shared.executor());
  }

  /**
   * Continues a job loaded from disk: finished jobs stay as they are; a live process is tracked
   * again; a process that ended unwatched is collected; anything else has failed. Runs once.
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
    Optional<ProcessHandle> alive = files.liveProcess();
    if (alive.isPresent()) {
      ProcessHandle handle = alive.get();
      boolean kill;
      synchronized (lock) {
        process = handle;
        kill = stopRequested || deleted;
      }
      Instant now = shared.clock().instant();
      Instant since = status == JobStatus.RUNNING_ALGORITHM ? current.at() : now;
      if (status.rank() < JobStatus.RUNNING_ALGORITHM.rank()) {
        report(JobStatus.RUNNING_ALGORITHM);
      }
      Duration left = spec.maxDuration().minus(Duration.between(since, now));
      armTimeout(left.isNegative() ? Duration.ZERO : left);
      if (kill) {
        writeEnding(JobFiles.ENDING_STOPPED);
        killTree(handle);
      }
      var unused = handle.onExit().whenCompleteAsync((p, e) -> processEnded(), shared.executor());
      return;
    }
    if (files.hasExitCode() || files.readEnding() != null) {
      processEnded();
    } else if (status.rank() >= JobStatus.RUNNING_ALGORITHM.rank()
        || Files.exists(files.pidFile(), LinkOption.NOFOLLOW_LINKS)) {
      conclude(
          JobStatus.FAILED,
          null,
          "the algorithm's process is gone and left no exit code: it ended while no backend"
              + " instance watched it",
          false);
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

  /** Reacts to the end of the algorithm's process; runs on the backend's executor. */
  void processEnded() {
    if (shared.closed().getAsBoolean()) {
      return;
    }
    boolean stop;
    boolean timed;
    String stoppedBecause;
    synchronized (lock) {
      if (deleted || concluding || state.status().isTerminal()) {
        return;
      }
      stop = stopRequested;
      timed = timedOut;
      stoppedBecause = stopDetail;
    }
    String ending = files.readEnding();
    Integer exitCode = files.readExitCode();
    if (stop || JobFiles.ENDING_STOPPED.equals(ending)) {
      conclude(JobStatus.STOPPED, exitCode, stoppedBecause, false);
    } else if (timed || JobFiles.ENDING_TIMED_OUT.equals(ending)) {
      conclude(
          JobStatus.TIMED_OUT,
          exitCode,
          "ran longer than its maximum duration of " + spec.maxDuration() + " and was killed",
          false);
    } else if (exitCode == null) {
      conclude(
          JobStatus.FAILED,
          null,
          "the algorithm's process ended without leaving an exit code (killed from outside?)",
          false);
    } else if (exitCode != 0) {
      conclude(
          JobStatus.ALGORITHM_FAILED, exitCode, "the algorithm exited with code " + exitCode, true);
    } else {
      conclude(JobStatus.COMPLETED, 0, null, true);
    }
  }

  /**
   * Collects the results and reports the terminal status (COMPLETED becomes COMPLETED_TRUNCATED
   * when a cap cut something). Only the first call does anything.
   */
  private void conclude(
      JobStatus status, @Nullable Integer exitCode, @Nullable String detail, boolean publishing) {
    synchronized (lock) {
      if (concluding || deleted || state.status().isTerminal()) {
        return;
      }
      concluding = true;
      if (timeout != null) {
        timeout.cancel(false);
        timeout = null;
      }
    }
    if (publishing) {
      report(JobStatus.PUBLISHING_RESULTS);
    }
    JobStatus end = status;
    String why = detail;
    List<JobResult> results;
    try {
      Collector.Collected collected = Collector.collect(files, environment, shared.clock());
      results = collected.results();
      if (collected.truncated()) {
        if (end == JobStatus.COMPLETED) {
          end = JobStatus.COMPLETED_TRUNCATED;
        }
        why = join(why, "results cut at their caps: " + summary(collected.cuts()));
      }
    } catch (IOException | RuntimeException e) {
      logger.warn("collecting the results of job {} failed", id(), e);
      results = List.of();
      if (end == JobStatus.COMPLETED) {
        end = JobStatus.RESULTS_FETCH_FAILED;
      }
      why = join(why, "collecting the results failed (" + e.getClass().getSimpleName() + ")");
    }
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

  /**
   * Stops the job if it is under way. The stage completes once it has ended (as {@code STOPPED}, or
   * as whatever it was already ending as).
   */
  CompletableFuture<Void> stop(String detail) {
    ProcessHandle target;
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
      target = process;
    }
    Runnable kill =
        () -> {
          writeEnding(JobFiles.ENDING_STOPPED);
          if (target != null) {
            killTree(target);
          }
        };
    try {
      shared.executor().execute(kill);
    } catch (RejectedExecutionException e) {
      kill.run();
    }
    return ended.copy();
  }

  /** Stops the job, then removes its directory. */
  CompletableFuture<Void> delete() {
    return stop("deleted")
        .handle((ignored, failure) -> null)
        .thenRunAsync(
            () -> {
              ProcessHandle target;
              synchronized (lock) {
                deleted = true;
                target = process;
                if (timeout != null) {
                  timeout.cancel(false);
                  timeout = null;
                }
              }
              if (target != null && target.isAlive()) {
                killTree(target);
              }
              try {
                JobFiles.deleteTree(files.dir());
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(
                    "could not remove the directory of job " + id(), e);
              }
            },
            shared.executor());
  }

  private void armTimeout(Duration after) {
    ScheduledFuture<?> scheduled;
    try {
      scheduled =
          shared
              .scheduler()
              .schedule(this::timeUp, Math.max(0, after.toMillis()), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return; // closed: a later instance arms it again
    }
    synchronized (lock) {
      if (timeout != null) {
        timeout.cancel(false);
      }
      timeout = scheduled;
      if (state.status().isTerminal() || concluding) {
        scheduled.cancel(false);
        timeout = null;
      }
    }
  }

  private void timeUp() {
    ProcessHandle target;
    synchronized (lock) {
      if (state.status().isTerminal()
          || concluding
          || stopRequested
          || shared.closed().getAsBoolean()) {
        return;
      }
      timedOut = true;
      target = process;
    }
    writeEnding(JobFiles.ENDING_TIMED_OUT);
    if (target != null) {
      killTree(target);
    }
  }

  /**
   * Kills {@code root} and its descendants: descendants first (once the root is gone they are
   * reparented and no longer found), in a few rounds to catch processes forked meanwhile.
   */
  static void killTree(ProcessHandle root) {
    for (int round = 0; round < KILL_ROUNDS; round++) {
      List<ProcessHandle> descendants = root.descendants().toList();
      if (descendants.isEmpty()) {
        break;
      }
      descendants.forEach(ProcessHandle::destroyForcibly);
    }
    root.destroyForcibly();
  }

  /**
   * Opens one listed result of the ended job, from its result area only.
   *
   * @throws NotFoundException if the job has not ended or {@code wanted} is not one of its results
   * @throws IOException if the file cannot be opened
   */
  InputStream open(JobResult wanted) throws IOException {
    BackendJobState current = state();
    if (!current.status().isTerminal()) {
      throw new NotFoundException(
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
      throw new NotFoundException(
          ErrorCode.RESULT_NOT_FOUND,
          "job " + id() + " has no " + wanted.kind().oceanType() + " result " + wanted.name());
    }
    Path area = files.resultArea(listed.kind()).toAbsolutePath().normalize();
    Path file = area.resolve(listed.name()).normalize();
    if (!file.startsWith(area) || !file.toRealPath().startsWith(area.toRealPath())) {
      throw new NotFoundException(
          ErrorCode.RESULT_NOT_FOUND, "result " + listed.name() + " leaves the result area");
    }
    return Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
  }

  // ---------------------------------------------------------------------------------------------

  /** Ends the task if the job must not go on; reports STOPPED when a stop was asked. */
  private void checkpoint() throws Abort {
    boolean stop;
    String because;
    synchronized (lock) {
      if (deleted || shared.closed().getAsBoolean()) {
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
      JobFiles.appendLine(files.configurationLog(), shared.clock().instant() + " " + line);
    } catch (IOException e) {
      logger.warn("could not write the configuration log of job {}", id(), e);
    }
  }

  private void writeEnding(String ending) {
    try {
      files.writeEnding(ending);
    } catch (IOException e) {
      logger.warn("could not record that job {} {}", id(), ending, e);
    }
  }

  private static String didsJson(JobSpec spec) {
    ArrayNode dids = JSON.createArrayNode();
    for (Did did : spec.inputDids()) {
      dids.add(did.id());
    }
    return dids.toString();
  }

  /** The task ends here; whatever had to be reported was reported. */
  private static final class Abort extends Exception {
    private static final long serialVersionUID = 1L;

    Abort() {
      super(null, null, false, false);
    }
  }

  /** Staging failed with {@code status}; the message is the job's detail. */
  private static final class StageFailure extends Exception {
    private static final long serialVersionUID = 1L;
    final JobStatus status;

    StageFailure(JobStatus status, String detail) {
      super(detail, null, false, false);
      this.status = status;
    }
  }
}
