package io.c2d.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.WaitResponse;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.SandboxContract;
import io.c2d.spi.backend.support.StageFailure;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's side of one job: its volume and container (both named {@link Labels#name}), created,
 * filled, started, waited for, inspected, killed and removed. Knows nothing of statuses: the job
 * decides what each outcome means.
 *
 * <p>Thread-safe (holds no mutable state; the engine serializes what it must).
 */
final class JobContainer {
  private static final Logger logger = LoggerFactory.getLogger(JobContainer.class);
  private static final Duration REWATCH_DELAY = Duration.ofSeconds(1);

  private final JobSpec spec;
  private final ComputeEnvironment environment;
  private final Shared shared;
  private final String name;

  JobContainer(JobSpec spec, ComputeEnvironment environment, Shared shared) {
    this.spec = spec;
    this.environment = environment;
    this.shared = shared;
    this.name = Labels.name(shared.settings().instance(), spec.jobId());
  }

  /** The name of the job's container and volume. */
  String name() {
    return name;
  }

  private JobId id() {
    return spec.jobId();
  }

  /**
   * Creates the job's container with the bind mounts {@code binds}, over a volume of its own if
   * {@code volume} (created first).
   *
   * @return the container's id
   * @throws StageFailure {@code VOLUME_CREATION_FAILED} or {@code CONTAINER_CREATION_FAILED}
   */
  String create(boolean volume, List<InputMounts.InputMount> binds) throws StageFailure {
    DockerClient docker = shared.docker();
    Map<String, String> labels = Labels.of(spec, shared.settings().instance());
    if (volume) {
      try {
        docker.createVolumeCmd().withName(name).withLabels(labels).exec();
      } catch (RuntimeException e) {
        throw new StageFailure(
            JobStatus.VOLUME_CREATION_FAILED,
            "could not create volume " + name + ": " + e.getMessage());
      }
    }
    try {
      return ContainerSpecs.create(
          docker, spec, environment, shared.settings(), name, labels, volume, binds);
    } catch (RuntimeException e) {
      throw new StageFailure(
          JobStatus.CONTAINER_CREATION_FAILED,
          "could not create container " + name + ": " + e.getMessage());
    }
  }

  /**
   * Copies the staging archive into the container's {@code /data}.
   *
   * @throws StageFailure {@code DATA_UPLOAD_FAILED}
   */
  void upload(String containerId, Path stagingTar) throws StageFailure {
    try (InputStream tar = Files.newInputStream(stagingTar)) {
      shared
          .docker()
          .copyArchiveToContainerCmd(containerId)
          .withRemotePath(SandboxContract.CONTAINER_ROOT)
          .withTarInputStream(tar)
          .exec();
    } catch (IOException | RuntimeException e) {
      throw new StageFailure(
          JobStatus.DATA_UPLOAD_FAILED,
          "could not copy the staged files into the container: " + e.getMessage());
    }
  }

  /**
   * Starts the container.
   *
   * @throws RuntimeException whatever the engine's client throws
   */
  void start(String containerId) {
    shared.docker().startContainerCmd(containerId).exec();
  }

  /**
   * Waits for the container to end with the engine's wait API (no polling), then runs {@code ended}
   * once on the backend's executor. A failed wait counts as an end too: {@code ended} inspects the
   * container and waits again if it still runs.
   */
  void watch(String containerId, Runnable ended) {
    AtomicBoolean once = new AtomicBoolean();
    Runnable onEnd =
        () -> {
          if (once.compareAndSet(false, true)) {
            try {
              shared.runtime().executor().execute(ended);
            } catch (RejectedExecutionException e) {
              // closed: a later instance recovers the job
            }
          }
        };
    try {
      var unused =
          shared
              .docker()
              .waitContainerCmd(containerId)
              .exec(
                  new ResultCallback.Adapter<WaitResponse>() {
                    @Override
                    public void onComplete() {
                      super.onComplete();
                      onEnd.run();
                    }

                    @Override
                    public void onError(Throwable throwable) {
                      // no super call: it logs at ERROR what is routine here (a closed client);
                      // the reaction inspects the container and waits again if it still runs
                      logger.debug(
                          "waiting for the container of job {}: {}", id(), throwable.toString());
                      closeQuietly(this);
                      onEnd.run();
                    }
                  });
    } catch (RuntimeException e) {
      logger.warn("could not wait for the container of job {}", id(), e);
      onEnd.run();
    }
  }

  /** Waits again, after a short delay, for a container that was found still running. */
  void rewatch(String containerId, Runnable ended) {
    try {
      var unused =
          shared
              .runtime()
              .scheduler()
              .schedule(
                  () -> watch(containerId, ended), REWATCH_DELAY.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed: a later instance recovers the job
    }
  }

  /**
   * What the engine says of the container {@code reference} (an id or the job's name), or null if
   * it has no such container.
   *
   * @throws RuntimeException if the engine cannot be asked
   */
  @Nullable Observed inspect(String reference) {
    InspectContainerResponse inspected;
    try {
      inspected = shared.docker().inspectContainerCmd(reference).exec();
    } catch (NotFoundException e) {
      return null;
    }
    InspectContainerResponse.ContainerState state = inspected.getState();
    Long code = state.getExitCodeLong();
    return new Observed(
        inspected.getId(),
        Boolean.TRUE.equals(state.getRunning()),
        state.getStatus(),
        code == null ? null : (int) code.longValue(),
        Boolean.TRUE.equals(state.getOOMKilled()));
  }

  /** Kills the container; one that already ended or is gone is fine. */
  void kill(String containerId) {
    try {
      shared.docker().killContainerCmd(containerId).exec();
    } catch (RuntimeException e) {
      // already ended, or gone: the wait reports what happened
      logger.debug("kill of the container of job {}: {}", id(), e.toString());
    }
  }

  /** Removes the job's container (with force) and volume; whatever is already gone is fine. */
  void remove() {
    remove(true);
  }

  /**
   * Removes the job's container (with force) and, if {@code volume}, its volume; whatever is
   * already gone is fine.
   */
  void remove(boolean volume) {
    DockerClient docker = shared.docker();
    try {
      docker.removeContainerCmd(name).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (RuntimeException e) {
      logger.warn("could not remove the container of job {}", id(), e);
    }
    if (!volume) {
      return;
    }
    try {
      docker.removeVolumeCmd(name).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (RuntimeException e) {
      logger.warn("could not remove the volume of job {}", id(), e);
    }
  }

  static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // best effort
    }
  }

  /**
   * A container as the engine described it.
   *
   * @param id the container's id
   * @param running whether it runs
   * @param status the engine's word for its state ({@code created}, {@code running}, {@code
   *     exited}...)
   * @param exitCode its exit code, if it has one
   * @param oomKilled whether the kernel killed it for lack of memory
   */
  record Observed(
      String id,
      boolean running,
      @Nullable String status,
      @Nullable Integer exitCode,
      boolean oomKilled) {}
}
