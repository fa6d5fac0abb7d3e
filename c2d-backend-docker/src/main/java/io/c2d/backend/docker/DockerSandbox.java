package io.c2d.backend.docker;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.JobDirectory;
import io.c2d.spi.backend.support.Reattached;
import io.c2d.spi.backend.support.ResultCollector;
import io.c2d.spi.backend.support.Sandbox;
import io.c2d.spi.backend.support.SandboxJob;
import io.c2d.spi.backend.support.SandboxJob.Abort;
import io.c2d.spi.backend.support.SandboxJob.Exit;
import io.c2d.spi.backend.support.StageFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's {@link Sandbox} on the engine: the image is checked, the job's files are written into a
 * staging archive ({@code staging.tar} in the job's directory, deleted once copied), a volume and a
 * closed container are created and the archive copied into the container's {@code /data}; the
 * container is started, waited for with the engine's wait API, killed on a stop or timeout, its
 * outputs and log collected, then it and its volume are removed. {@link SandboxJob} does the rest.
 *
 * <p>Thread-safe: the container's id is the only state.
 */
final class DockerSandbox implements Sandbox {
  private static final Logger logger = LoggerFactory.getLogger(DockerSandbox.class);
  private static final String STAGING_TAR = "staging.tar";

  private final JobSpec spec;
  private final JobDirectory directory;
  private final ComputeEnvironment environment;
  private final Shared shared;
  private final JobContainer container;
  private volatile @Nullable String containerId;

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
    Path stagingTar = directory.resolve(STAGING_TAR);
    StagingTar.write(job, shared.settings(), stagingTar);
    job.checkpoint();
    String created = container.create();
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
    try {
      container.start(id);
    } catch (RuntimeException e) {
      job.configLog("could not start the container: " + e.getMessage());
      throw new StageFailure(
          JobStatus.ALGORITHM_FAILED, "the container could not be started: " + e.getMessage());
    }
    job.configLog("started the algorithm");
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
    if (ended == null) {
      job.exited(Exit.unknown("the job's container vanished while it ran"));
    } else if (ended.running()) {
      container.rewatch(id, () -> ended(job, id));
    } else if (ended.oomKilled()) {
      job.exited(
          Exit.outOfMemory(
              ended.exitCode(),
              "the algorithm ran out of its "
                  + ContainerSpecs.limits(spec, environment).memoryBytes()
                  + " bytes of memory and was killed"));
    } else if (ended.exitCode() == null) {
      job.exited(Exit.unknown("the container ended without an exit code"));
    } else {
      job.exited(Exit.code(ended.exitCode()));
    }
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
    container.remove();
    containerId = null;
    try {
      Files.deleteIfExists(directory.resolve(STAGING_TAR));
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete the staging archive of job " + job.id(), e);
    }
    job.configLog("removed the container, volume and staging archive of the interrupted attempt");
  }

  @Override
  public void collect(SandboxJob job, ResultCollector collector) throws IOException {
    String id = containerId;
    if (id != null) {
      ContainerResults.collect(shared.docker(), job.id(), id, collector);
    }
  }

  /** The container's output as it is written, once the container exists. */
  @Override
  public java.io.@Nullable InputStream openLiveLog(SandboxJob job) throws IOException {
    String id = containerId;
    return id == null ? null : ContainerResults.followLog(shared.docker(), id);
  }

  @Override
  public void remove() {
    container.remove();
  }

  private String requireContainer() {
    String id = containerId;
    if (id == null) {
      throw new IllegalStateException("job " + spec.jobId() + " has no container yet");
    }
    return id;
  }
}
