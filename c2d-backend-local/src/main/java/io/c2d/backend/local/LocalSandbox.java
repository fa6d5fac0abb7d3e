package io.c2d.backend.local;

import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.ContractStaging;
import io.c2d.spi.backend.support.JobDirectory;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.c2d.spi.backend.support.JobLimits;
import io.c2d.spi.backend.support.Reattached;
import io.c2d.spi.backend.support.ResultCollector;
import io.c2d.spi.backend.support.Sandbox;
import io.c2d.spi.backend.support.SandboxContract;
import io.c2d.spi.backend.support.SandboxJob;
import io.c2d.spi.backend.support.StageFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox of one job of the {@link EmbeddedComputeBackend}: a directory laid out as the {@link
 * SandboxContract} says and a local process, inside {@link Bubblewrap} (the layout at {@code
 * /data}, over the host's {@code /usr} or over the root file system of the job's image where the
 * backend has one) where the backend found it working, else a plain process of the provider's user
 * (the layout named by the contract's variables only). Either way the entrypoint is started by the
 * contract's rule ({@link SandboxContract#command}, no shell), in {@code /} in the sandbox and in
 * the job's directory (whose {@code data/} is the layout) without it. Beside the files {@link
 * JobDirectory} keeps, the job's directory holds:
 *
 * <pre>
 * starting            written just before the process is started: with no pid file beside it, a
 *                     restart cannot tell whether the algorithm ran, so the job is not run again
 * pid                 the wrapper process's pid and start time, once it runs
 * exitcode            the entrypoint's exit code (bwrap's, which is the entrypoint's), written by
 *                     the wrapper shell when it returns
 * algorithm.log       the algorithm's stdout and stderr, uncapped while it runs
 * tmp/                the algorithm's TMPDIR without bubblewrap (with it, /tmp is a tmpfs)
 * data/               the contract's layout: inputs/, ddos/, transformations/, outputs/, logs/
 * </pre>
 *
 * <p>Thread-safe: the process is guarded by a lock; {@link SandboxJob} orders the calls.
 */
final class LocalSandbox implements Sandbox {
  private static final Logger logger = LoggerFactory.getLogger(LocalSandbox.class);

  /**
   * The wrapper of a job, the host's {@code /bin/sh}: runs its arguments (bwrap and what runs
   * inside it, or the algorithm's own command without the sandbox) and writes their exit code. The
   * exit-code file arrives in the environment, never spliced into this text, and is removed from
   * the algorithm's environment before it starts; the algorithm's words are arguments, which this
   * shell passes on as they are, never reads as a command line.
   */
  static final String SANDBOX_WRAPPER =
      "c2d_x=$C2D_EXITCODE_FILE; unset C2D_EXITCODE_FILE; \"$@\"; c2d_s=$?; "
          + "echo \"$c2d_s\" > \"$c2d_x\"";

  private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";
  private static final int KILL_ROUNDS = 3;

  private final JobSpec spec;
  private final JobDirectory directory;
  private final ComputeEnvironment environment;
  private final Path data;
  private final SandboxContract contract;
  private final Bubblewrap.Probe isolation;
  private final @Nullable Path imageRoot;
  private final Object lock = new Object();

  // guarded by lock
  private @Nullable Process child;
  private @Nullable ProcessHandle process;

  LocalSandbox(
      JobSpec spec,
      JobDirectory directory,
      ComputeEnvironment environment,
      Bubblewrap.Probe isolation,
      Map<String, Path> imageRoots) {
    this.spec = spec;
    this.directory = directory;
    this.environment = environment;
    this.isolation = isolation;
    ContainerSpec container = spec.algorithm().container();
    this.imageRoot = imageRoots.get(container.image() + ":" + container.tag());
    this.data = directory.resolve("data");
    this.contract =
        isolation.sandbox() != null
            ? SandboxContract.container()
            : SandboxContract.of(
                data.toString(), data.toString(), directory.resolve("tmp").toString());
  }

  private Path layout(String relative) {
    return data.resolve(relative);
  }

  private Path pidFile() {
    return directory.resolve("pid");
  }

  private Path startingFile() {
    return directory.resolve("starting");
  }

  private Path exitCodeFile() {
    return directory.resolve("exitcode");
  }

  private Path algorithmLog() {
    return directory.resolve("algorithm.log");
  }

  @Override
  public @Nullable InputStream openLiveLog(SandboxJob job) throws IOException {
    Path log = algorithmLog();
    return Files.exists(log, LinkOption.NOFOLLOW_LINKS) ? Files.newInputStream(log) : null;
  }

  // ---------------------------------------------------------------------------------------------
  // Staging

  @Override
  public void stage(SandboxJob job) throws StageFailure, SandboxJob.Abort {
    try {
      Files.createDirectories(directory.resolve("tmp"));
    } catch (IOException e) {
      logger.warn("could not create the directories of job {}", job.id(), e);
      throw new StageFailure(
          JobStatus.VOLUME_CREATION_FAILED,
          "could not create the job's directories: " + e.getClass().getSimpleName());
    }
    job.configLog(
        "job " + job.id() + " in environment " + environment.id() + " (embedded backend)");
    Bubblewrap sandbox = isolation.sandbox();
    Resources limits = JobLimits.of(spec, environment);
    if (sandbox != null) {
      sandbox.describe(spec, limits).forEach(job::configLog);
    } else {
      job.configLog("this backend is NOT a sandbox here: " + isolation.problem());
      job.configLog(
          "missing guarantees: no /data paths (the layout is at "
              + data
              + ", named by $VOLUME and the other variables), no network isolation, no read-only"
              + " root and no file-system isolation (the algorithm reads and writes what the"
              + " provider's user can), no private /tmp (TMPDIR is the job's tmp/), no PID"
              + " isolation, capabilities not dropped, no process, memory or file-size limits;"
              + " only the maximum duration and the result caps are enforced");
    }
    ContractStaging.stage(job, ContractStaging.intoDirectory(data));
    if (sandbox != null && sandbox.root()) {
      openToSandboxUser(job);
    }
    Algorithm algorithm = spec.algorithm();
    job.configLog(
        "entrypoint: "
            + algorithm.container().entrypoint()
            + ", started without a shell as "
            + contract.command(algorithm.container().entrypoint())
            + " in "
            + (sandbox != null ? "/" : directory.path() + " (whose data/ is the layout)"));
    String digest = algorithm.container().digest() == null ? "" : "; its digest is not checked";
    if (sandbox != null && imageRoot != null) {
      job.configLog(
          "image "
              + algorithm.container().reference()
              + ": its root file system is "
              + imageRoot
              + digest);
    } else {
      job.configLog(
          "image "
              + algorithm.container().reference()
              + " is not used"
              + (imageRoot != null ? " (its root " + imageRoot + " needs the sandbox)" : "")
              + ": the embedded backend runs the entrypoint with the host's "
              + (sandbox != null ? "/usr" : "programs")
              + digest);
    }
    if (sandbox == null) {
      job.configLog(
          "network access "
              + (spec.networkAccess() ? "was allowed" : "was not allowed, but is not blocked")
              + "; resources "
              + spec.resources()
              + " are not enforced");
    }
  }

  /**
   * Lets the sandbox's user ({@value Bubblewrap#SANDBOX_UID}, when the provider runs as root) read
   * the layout and write its outputs and logs: the writable directories become its own, the
   * read-only trees' directories readable and searchable by all, and their files readable by all
   * where the file is the job's own copy (one link; a shared file's mode is not the job's to
   * change). The job's directory itself becomes the provider's alone: bubblewrap binds the layout
   * as root, so the sandbox's user never walks the host's path, and no other user of the host may.
   */
  private void openToSandboxUser(SandboxJob job) throws StageFailure {
    try {
      Files.setPosixFilePermissions(directory.path(), PosixFilePermissions.fromString("rwx------"));
      addReadForAll(data, true);
      for (String name : SandboxContract.READ_ONLY_DIRECTORIES) {
        try (Stream<Path> tree = Files.walk(layout(name))) {
          for (Path path : (Iterable<Path>) tree::iterator) {
            BasicFileAttributes attributes =
                Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (attributes.isDirectory()) {
              addReadForAll(path, true);
            } else if (attributes.isRegularFile()
                && ((Integer) Files.getAttribute(path, "unix:nlink", LinkOption.NOFOLLOW_LINKS))
                    == 1) {
              addReadForAll(path, false);
            }
          }
        }
      }
      for (String name : SandboxContract.WRITABLE_DIRECTORIES) {
        Files.setAttribute(layout(name), "unix:uid", Bubblewrap.SANDBOX_UID);
        Files.setAttribute(layout(name), "unix:gid", Bubblewrap.SANDBOX_UID);
      }
    } catch (IOException | RuntimeException e) {
      logger.warn("could not hand the layout of job {} to the sandbox's user", job.id(), e);
      throw new StageFailure(
          JobStatus.VOLUME_CREATION_FAILED,
          "could not give the sandbox's user its directories ("
              + e.getClass().getSimpleName()
              + ")");
    }
  }

  private static void addReadForAll(Path path, boolean search) throws IOException {
    Set<PosixFilePermission> permissions =
        EnumSet.copyOf(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    boolean changed = permissions.add(PosixFilePermission.OTHERS_READ);
    if (search) {
      changed |= permissions.add(PosixFilePermission.OTHERS_EXECUTE);
    }
    if (changed) {
      Files.setPosixFilePermissions(path, permissions);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Running

  @Override
  public void start(SandboxJob job) throws StageFailure {
    Bubblewrap sandbox = isolation.sandbox();
    List<String> command = new ArrayList<>();
    List<String> program = contract.command(spec.algorithm().container().entrypoint());
    command.addAll(List.of("/bin/sh", "-c", SANDBOX_WRAPPER, "c2d-sandbox"));
    if (sandbox == null) {
      command.addAll(program);
    } else {
      command.addAll(sandbox.command(data, JobLimits.of(spec, environment), program, imageRoot));
    }
    // without the sandbox the job's directory stands for the image's root: data/ is the layout
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(directory.path().toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(algorithmLog().toFile()));
    Map<String, String> env = builder.environment();
    String path = System.getenv("PATH");
    env.clear();
    if (sandbox == null) {
      env.put("PATH", path == null || path.isBlank() ? DEFAULT_PATH : path);
    } else {
      env.put("PATH", Bubblewrap.PATH);
    }
    env.putAll(contract.environment(spec));
    env.put("C2D_EXITCODE_FILE", exitCodeFile().toString());

    try {
      JobDirectoryStore.writeAtomically(startingFile(), "");
    } catch (IOException e) {
      logger.warn("could not record that job {} is starting", job.id(), e);
      throw new StageFailure(
          JobStatus.CONTAINER_CREATION_FAILED,
          "could not write to the job's directory (" + e.getClass().getSimpleName() + ")");
    }
    Process started;
    try {
      started = builder.start();
    } catch (IOException e) {
      logger.warn("could not start the algorithm of job {}", job.id(), e);
      job.configLog("could not start " + command.get(0) + ": " + e.getClass().getSimpleName());
      throw new StageFailure(
          JobStatus.CONTAINER_CREATION_FAILED,
          "could not start the algorithm's process (" + e.getClass().getSimpleName() + ")");
    }
    try {
      started.getOutputStream().close(); // the algorithm reads an empty stdin
    } catch (IOException e) {
      // harmless: the algorithm's stdin stays open
    }
    ProcessHandle handle = started.toHandle();
    synchronized (lock) {
      child = started;
      process = handle;
    }
    try {
      long since = handle.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
      JobDirectoryStore.writeAtomically(pidFile(), handle.pid() + " " + since + "\n");
    } catch (IOException e) {
      logger.warn("could not record the pid of job {}; a restart will not find it", job.id(), e);
    }
    job.configLog(
        "started the algorithm"
            + (sandbox != null ? " in bubblewrap" : "")
            + ", wrapper pid "
            + handle.pid());
  }

  @Override
  public void watch(SandboxJob job) {
    CompletableFuture<?> exit;
    synchronized (lock) {
      exit = child != null ? child.onExit() : process != null ? process.onExit() : null;
    }
    if (exit == null) {
      job.exited(exitOf()); // it ended while nobody watched
      return;
    }
    var unused = exit.whenCompleteAsync((p, e) -> job.exited(exitOf()), job.runtime().executor());
  }

  private SandboxJob.Exit exitOf() {
    Integer code = readExitCode();
    return code == null
        ? SandboxJob.Exit.unknown(
            "the algorithm's process ended without leaving an exit code (killed from outside?)")
        : SandboxJob.Exit.code(code);
  }

  @Override
  public void kill() {
    ProcessHandle target;
    synchronized (lock) {
      target = process;
    }
    if (target != null) {
      killTree(target);
    }
  }

  @Override
  public void remove() {
    ProcessHandle target;
    synchronized (lock) {
      target = process;
    }
    // the sandbox is the job's directory, which the job deletes; what may still run is killed
    if (target != null && target.isAlive()) {
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

  // ---------------------------------------------------------------------------------------------
  // Restarts and results

  @Override
  public Reattached reattach(SandboxJob job) {
    Optional<ProcessHandle> alive = liveProcess();
    if (alive.isPresent()) {
      synchronized (lock) {
        process = alive.get();
      }
      return Reattached.running();
    }
    if (Files.exists(exitCodeFile(), LinkOption.NOFOLLOW_LINKS) || directory.readEnding() != null) {
      return Reattached.ended();
    }
    if (job.state().status().rank() >= JobStatus.RUNNING_ALGORITHM.rank()
        || Files.exists(pidFile(), LinkOption.NOFOLLOW_LINKS)
        || Files.exists(startingFile(), LinkOption.NOFOLLOW_LINKS)) {
      return Reattached.gone(
          "the algorithm's process is gone and left no exit code: it ended while no backend"
              + " instance watched it");
    }
    return Reattached.neverRan();
  }

  /**
   * Deletes what an attempt interrupted by a restart before its process started left in the job's
   * directory: the staged {@code data/}, {@code tmp/} and an empty {@code algorithm.log}.
   */
  @Override
  public void discard(SandboxJob job) {
    remove();
    try {
      JobDirectoryStore.deleteTree(data);
      JobDirectoryStore.deleteTree(directory.resolve("tmp"));
      Files.deleteIfExists(algorithmLog());
    } catch (IOException e) {
      throw new UncheckedIOException("could not clean up the directory of job " + job.id(), e);
    }
  }

  @Override
  public void collect(SandboxJob job, ResultCollector collector) throws IOException {
    collector.addOutputDirectory(layout(SandboxContract.OUTPUTS), "data/outputs");
    collector.addLog("algorithm.log", ResultKind.ALGORITHM_LOG, algorithmLog());
  }

  /** The job's process, if its pid file names one that is still alive and is the same process. */
  private Optional<ProcessHandle> liveProcess() {
    String text;
    try {
      text = Files.readString(pidFile(), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      return Optional.empty();
    }
    String[] parts = text.split(" ", -1);
    try {
      long pid = Long.parseLong(parts[0]);
      long started = parts.length > 1 ? Long.parseLong(parts[1]) : -1;
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(handle -> !isZombie(pid))
          .filter(
              handle ->
                  started < 0
                      || handle
                          .info()
                          .startInstant()
                          .map(instant -> instant.toEpochMilli() == started)
                          .orElse(true));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether {@code pid} is a zombie: ended, but not reaped by its parent (an orphan's parent is
   * init, which in some containers never reaps). The JDK counts zombies as alive. Linux only;
   * elsewhere false.
   */
  static boolean isZombie(long pid) {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    try {
      String text = Files.readString(stat, StandardCharsets.US_ASCII);
      int end = text.lastIndexOf(')');
      char state = end >= 0 && end + 2 < text.length() ? text.charAt(end + 2) : '?';
      return state == 'Z' || state == 'X';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The exit code the wrapper wrote, or null if there is none (yet) or it is unreadable. */
  private @Nullable Integer readExitCode() {
    try {
      return Integer.valueOf(Files.readString(exitCodeFile(), StandardCharsets.US_ASCII).trim());
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return "LocalSandbox{" + directory + '}';
  }
}
