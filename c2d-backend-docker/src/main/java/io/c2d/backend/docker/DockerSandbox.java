package io.c2d.backend.docker;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.JobDirectory;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.c2d.spi.backend.support.JobLimits;
import io.c2d.spi.backend.support.Reattached;
import io.c2d.spi.backend.support.ResultCollector;
import io.c2d.spi.backend.support.Sandbox;
import io.c2d.spi.backend.support.SandboxContract;
import io.c2d.spi.backend.support.SandboxJob;
import io.c2d.spi.backend.support.SandboxJob.Abort;
import io.c2d.spi.backend.support.SandboxJob.Exit;
import io.c2d.spi.backend.support.StageFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's {@link Sandbox} on the engine: the image is checked; the job's files are laid out
 * either in a directory of the job's on this host ({@link HostStaging}, when the settings allow:
 * bind-mounted, nothing copied into the engine) or in a staging archive ({@code staging.tar} in the
 * job's directory, deleted once copied) that is copied into a fresh volume at the container's
 * {@code /data}; mountable inputs are bind-mounted read-only either way ({@link InputMounts}). The
 * container is started, waited for with the engine's wait API, killed on a stop or timeout; its
 * outputs are moved in from the host directory or streamed from the engine's archive, its log read;
 * then it and its volume or directory are removed. {@link SandboxJob} does the rest.
 *
 * <p>Thread-safe: the container's id is the only state.
 */
final class DockerSandbox implements Sandbox {
  private static final Logger logger = LoggerFactory.getLogger(DockerSandbox.class);
  private static final String STAGING_TAR = "staging.tar";

  /** The file in the job's directory its stdout and stderr are captured in while it runs. */
  static final String CAPTURED_LOG = "captured.log";

  /** How long collecting waits for the captured log's stream to end after the container did. */
  private static final Duration LOG_END_WAIT = Duration.ofSeconds(30);

  /** The exit code of a process killed by its file-size limit: 128 + SIGXFSZ (25). */
  static final int FILE_SIZE_LIMIT_EXIT = 153;

  private final JobSpec spec;
  private final JobDirectory directory;
  private final ComputeEnvironment environment;
  private final Shared shared;
  private final JobContainer container;
  private volatile @Nullable String containerId;
  private volatile @Nullable LogCapture capture;
  private volatile @Nullable DiskWatch diskWatch;

  DockerSandbox(
      JobSpec spec, JobDirectory directory, ComputeEnvironment environment, Shared shared) {
    this.spec = spec;
    this.directory = directory;
    this.environment = environment;
    this.shared = shared;
    this.container = new JobContainer(spec, environment, shared);
  }

  @Override
  public void stage(SandboxJob job) throws StageFailure, Abort {
    job.configLog(
        "job "
            + job.id()
            + " in environment "
            + environment.id()
            + " (Docker backend, "
            + container.name()
            + ")");
    ImageCheck.check(
        shared.docker(),
        spec.algorithm().container(),
        shared.settings().pullMissingImages(),
        environment.phaseTimeouts().staging(),
        job::configLog);
    job.checkpoint();
    if (shared.settings().hostSandbox()) {
      List<InputMounts.InputMount> binds =
          HostStaging.write(job, shared.settings(), directory.path());
      job.checkpoint();
      String created = container.create(false, binds);
      containerId = created;
      job.configLog(
          "created container "
              + container.name()
              + " ("
              + created
              + ") over the job's files on this host: /data read-only, outputs and logs"
              + " writable, nothing copied into the engine");
      if (job.isFinishing()) {
        remove();
        throw new Abort();
      }
      return;
    }
    Path stagingTar = directory.resolve(STAGING_TAR);
    List<InputMounts.InputMount> inputs = StagingTar.write(job, shared.settings(), stagingTar);
    job.checkpoint();
    String created = container.create(true, inputs);
    containerId = created;
    job.configLog("created container " + container.name() + " (" + created + ")");
    if (job.isFinishing()) {
      container.remove();
      throw new Abort();
    }
    job.checkpoint();
    container.upload(created, stagingTar);
    try {
      Files.deleteIfExists(stagingTar);
    } catch (IOException e) {
      logger.warn("could not delete the staging archive of job {}", job.id(), e);
    }
    job.configLog("copied the staged files into the container's /data");
  }

  @Override
  public void start(SandboxJob job) throws StageFailure {
    String id = requireContainer();
    // attached before the start, so that the cap counts the output from its first byte
    capture = capture(job, id, false);
    try {
      container.start(id);
    } catch (RuntimeException e) {
      closeCapture();
      job.configLog("could not start the container: " + e.getMessage());
      throw new StageFailure(
          JobStatus.ALGORITHM_FAILED, "the container could not be started: " + e.getMessage());
    }
    diskWatch = watchDisk(job);
    job.configLog(
        capture != null
            ? "started the algorithm; its stdout and stderr are capped at "
                + environment.maxLogBytes()
                + " bytes as they are written (past the cap it is killed)"
            : "started the algorithm");
  }

  /**
   * Attaches a {@link LogCapture} to the container's output, or returns null (and says so in the
   * configuration log) if the engine refuses: the log is then read from the engine at the end.
   */
  private @Nullable LogCapture capture(SandboxJob job, String id, boolean replay) {
    long cap = environment.maxLogBytes();
    try {
      return LogCapture.attach(
          shared.docker(),
          id,
          directory.resolve(CAPTURED_LOG),
          cap,
          replay,
          () -> overLogCap(job, cap));
    } catch (IOException | RuntimeException e) {
      logger.warn("could not attach to the output of job {}'s container", job.id(), e);
      job.configLog(
          "could not attach to the container's output ("
              + e.getMessage()
              + "): its log is read from the engine once it ends, cut at the cap then");
      return null;
    }
  }

  /** The output went past the log cap: the job kills the algorithm (on the executor). */
  private void overLogCap(SandboxJob job, long cap) {
    String detail =
        "its stdout and stderr went past the log cap of "
            + cap
            + " bytes: the algorithm was killed and algorithm.log is cut at the cap";
    try {
      shared.runtime().executor().execute(() -> job.capReached(SandboxJob.Cap.LOG, detail));
    } catch (RejectedExecutionException e) {
      // closed: a later instance recovers the job, and reads its log from the engine
    }
  }

  /**
   * Watches the sum of the job's writable directories where this process can read them on the
   * engine's host (the host-directory layout, or the volume's directory when inputs are mounted,
   * i.e. the engine shares this machine's files); else says in the configuration log that the sum
   * is bounded at collection only.
   */
  private @Nullable DiskWatch watchDisk(SandboxJob job) {
    long quota = JobLimits.of(spec, environment).diskBytes();
    if (quota <= 0) {
      return null;
    }
    Path base = HostStaging.data(directory.path());
    if (!Files.isDirectory(base, LinkOption.NOFOLLOW_LINKS)) {
      base = volumeDirectory();
    }
    if (base == null) {
      job.configLog(
          "the sum of the algorithm's files is not watched while it runs (the volume's directory"
              + " is not readable here): each file is limited to "
              + quota
              + " bytes, the sum is cut at the output cap when collected");
      return null;
    }
    DiskWatch watch =
        DiskWatch.start(
            shared.runtime().scheduler(),
            List.of(base.resolve(SandboxContract.OUTPUTS), base.resolve(SandboxContract.LOGS)),
            quota,
            seen -> overDiskQuota(job, quota, seen));
    if (watch != null) {
      job.configLog(
          "the algorithm's files in /data/outputs and /data/logs are limited to "
              + quota
              + " bytes each and in sum (past it, it is killed)");
    }
    return watch;
  }

  /** The job's volume's directory on this host, if the engine shares its files and it reads. */
  private @Nullable Path volumeDirectory() {
    if (!shared.settings().mountInputs()) {
      return null;
    }
    try {
      String mountpoint = shared.docker().inspectVolumeCmd(container.name()).exec().getMountpoint();
      if (mountpoint == null) {
        return null;
      }
      Path path = Path.of(mountpoint);
      return Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) && Files.isReadable(path)
          ? path
          : null;
    } catch (RuntimeException e) {
      logger.debug("no readable volume directory for job {}: {}", spec.jobId(), e.toString());
      return null;
    }
  }

  private void overDiskQuota(SandboxJob job, long quota, long seen) {
    String detail =
        "its files in /data/outputs and /data/logs went past its disk quota of "
            + quota
            + " bytes ("
            + (seen == Long.MAX_VALUE
                ? "more than " + DiskWatch.MAX_ENTRIES + " files"
                : seen + " bytes")
            + " seen): the algorithm was killed";
    try {
      shared.runtime().executor().execute(() -> job.capReached(SandboxJob.Cap.DISK, detail));
    } catch (RejectedExecutionException e) {
      // closed: a later instance recovers the job
    }
  }

  private void stopDiskWatch() {
    DiskWatch watch = diskWatch;
    diskWatch = null;
    if (watch != null) {
      watch.stop();
    }
  }

  private void closeCapture() {
    LogCapture attached = capture;
    capture = null;
    if (attached != null) {
      attached.close();
    }
  }

  @Override
  public void watch(SandboxJob job) {
    String id = containerId;
    if (id != null) {
      container.watch(id, () -> ended(job, id));
    }
  }

  /** Reacts to the end of the wait; runs on the executor. */
  private void ended(SandboxJob job, String id) {
    if (job.runtime().isClosed() || job.state().status().isTerminal()) {
      return;
    }
    JobContainer.Observed ended;
    try {
      ended = container.inspect(id);
    } catch (RuntimeException e) {
      logger.warn("could not inspect the container of job {}; waiting again", job.id(), e);
      container.rewatch(id, () -> ended(job, id));
      return;
    }
    if (ended != null && ended.running()) {
      container.rewatch(id, () -> ended(job, id));
      return;
    }
    stopDiskWatch();
    if (ended == null) {
      job.exited(Exit.unknown("the job's container vanished while it ran"));
    } else if (ended.oomKilled()) {
      job.exited(
          Exit.outOfMemory(
              ended.exitCode(),
              "the algorithm ran out of its "
                  + JobLimits.of(spec, environment).memoryBytes()
                  + " bytes of memory and was killed"));
    } else {
      job.exited(exit(ended.exitCode()));
    }
  }

  /**
   * The end of a container that was not killed for memory: a kill by the file-size limit (the job's
   * disk quota, enforced at the source by the kernel on every write) is the quota exceeded.
   */
  private Exit exit(@Nullable Integer code) {
    if (code == null) {
      return Exit.unknown("the container ended without an exit code");
    }
    long disk = JobLimits.of(spec, environment).diskBytes();
    if (code == FILE_SIZE_LIMIT_EXIT && disk > 0) {
      return Exit.diskQuotaExceeded(
          code,
          "the algorithm wrote a file past its disk quota of "
              + disk
              + " bytes and was killed by the file-size limit (exit code 153, SIGXFSZ); what it"
              + " wrote up to the quota is collected, up to the output cap");
    }
    return Exit.code(code);
  }

  @Override
  public void kill() {
    String id = containerId;
    if (id != null) {
      container.kill(id);
    }
  }

  @Override
  public Reattached reattach(SandboxJob job) {
    JobStatus status = job.state().status();
    boolean ran = status.rank() >= JobStatus.RUNNING_ALGORITHM.rank();
    JobContainer.Observed found = container.inspect(container.name());
    if (found == null) {
      return ran
          ? Reattached.gone(
              "the job's container is gone: it was removed while no backend instance watched it")
          : Reattached.neverRan();
    }
    containerId = found.id();
    if (found.running()) {
      // what the engine still holds is replayed, then the output is capped again as it comes
      capture = capture(job, found.id(), true);
      diskWatch = watchDisk(job);
      return Reattached.running();
    }
    return ran || !"created".equals(found.status()) ? Reattached.ended() : Reattached.neverRan();
  }

  /**
   * Removes what an attempt interrupted by a restart left: its container and volume (by name, so
   * also ones whose creation the crash cut short) and its staging archive.
   */
  @Override
  public void discard(SandboxJob job) {
    closeCapture();
    stopDiskWatch();
    container.remove();
    containerId = null;
    try {
      Files.deleteIfExists(directory.resolve(STAGING_TAR));
      Files.deleteIfExists(directory.resolve(CAPTURED_LOG));
      JobDirectoryStore.deleteTree(directory.resolve(HostStaging.SANDBOX));
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete the staging archive of job " + job.id(), e);
    }
    job.configLog("removed the container, volume and staging archive of the interrupted attempt");
  }

  @Override
  public void collect(SandboxJob job, ResultCollector collector) throws IOException {
    String id = containerId;
    if (id == null) {
      return;
    }
    Path data = HostStaging.data(directory.path());
    if (Files.isDirectory(data, LinkOption.NOFOLLOW_LINKS)) {
      // the container wrote into a directory on this host: the outputs are moved from there into
      // the result area (no copy; links never followed; the sandbox is deleted next anyway)
      collector.takeOutputDirectory(
          data.resolve(SandboxContract.OUTPUTS), "data/" + SandboxContract.OUTPUTS);
    } else {
      ContainerResults.collectOutputs(shared.docker(), job.id(), id, collector);
    }
    long disk = JobLimits.of(spec, environment).diskBytes();
    if (disk > 0 && collector.largestOutputBytes() >= disk) {
      // the file-size limit stopped a write there; the algorithm may have gone on (a shell runs
      // its next line, Python ignores SIGXFSZ and sees EFBIG), but it did reach its quota
      collector.quotaExceeded(
          "an output reached the algorithm's disk quota of "
              + disk
              + " bytes, where the file-size limit stopped its writes");
    }
    LogCapture captured = capture;
    if (captured != null && captured.awaitComplete(LOG_END_WAIT)) {
      collector.addLog("algorithm.log", ResultKind.ALGORITHM_LOG, captured.file(), captured.cut());
    } else {
      if (captured != null) {
        captured.close();
        collector.note("the captured log did not end with the container: reading the engine's");
      }
      ContainerResults.containerLog(shared.docker(), job.id(), id, collector);
    }
  }

  /** The container's output as it is written, once the container exists. */
  @Override
  public java.io.@Nullable InputStream openLiveLog(SandboxJob job) throws IOException {
    String id = containerId;
    return id == null ? null : ContainerResults.followLog(shared.docker(), id);
  }

  /** Removes the container, then its volume or its directory on this host. */
  @Override
  public void remove() {
    closeCapture();
    stopDiskWatch();
    try {
      Files.deleteIfExists(directory.resolve(CAPTURED_LOG));
    } catch (IOException e) {
      logger.warn("could not delete the captured log of job {}", spec.jobId(), e);
    }
    Path sandbox = directory.resolve(HostStaging.SANDBOX);
    boolean host = Files.exists(sandbox, LinkOption.NOFOLLOW_LINKS);
    container.remove(!host);
    if (host) {
      try {
        JobDirectoryStore.deleteTree(sandbox);
      } catch (IOException e) {
        logger.warn("could not delete the sandbox directory of job {}", spec.jobId(), e);
      }
    }
  }

  private String requireContainer() {
    String id = containerId;
    if (id == null) {
      throw new IllegalStateException("job " + spec.jobId() + " has no container yet");
    }
    return id;
  }
}
