package io.c2d.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.PullResponseItem;
import io.c2d.model.ContainerSpec;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.support.StageFailure;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Makes sure a job's image is on the engine (pulling it when the backend allows) and, when the
 * algorithm names a digest, that the image has it.
 *
 * <p>Stateless; thread-safe.
 */
final class ImageCheck {
  private ImageCheck() {}

  /**
   * Checks the image of {@code container}.
   *
   * @param pullTimeout how long a pull may take
   * @param configLog receives one line per step, for the job's configuration log
   * @throws StageFailure {@code IMAGE_PULL_FAILED} if the image is missing and cannot be pulled,
   *     {@code ALGORITHM_PROVISIONING_FAILED} if it lacks the digest the algorithm names
   */
  static void check(
      DockerClient docker,
      ContainerSpec container,
      boolean pullMissingImages,
      Duration pullTimeout,
      Consumer<String> configLog)
      throws StageFailure {
    String reference = container.image() + ":" + container.tag();
    InspectImageResponse image;
    try {
      image = docker.inspectImageCmd(reference).exec();
    } catch (NotFoundException missing) {
      if (!pullMissingImages) {
        throw new StageFailure(
            JobStatus.IMAGE_PULL_FAILED,
            "image " + reference + " is not on the engine, and this backend does not pull images");
      }
      configLog.accept("pulling " + reference);
      image = pull(docker, container, reference, pullTimeout);
    }
    String digest = container.digest();
    if (digest != null) {
      List<String> repoDigests =
          image.getRepoDigests() == null ? List.of() : image.getRepoDigests();
      boolean matches =
          digest.equals(image.getId())
              || repoDigests.stream().anyMatch(d -> d.endsWith("@" + digest));
      if (!matches) {
        throw new StageFailure(
            JobStatus.ALGORITHM_PROVISIONING_FAILED,
            "image "
                + reference
                + " is "
                + image.getId()
                + (repoDigests.isEmpty() ? "" : " " + repoDigests)
                + ", not the digest "
                + digest
                + " the algorithm names");
      }
      configLog.accept("image " + reference + " has the digest " + digest);
    } else {
      configLog.accept("image " + reference + " is " + image.getId());
    }
  }

  private static InspectImageResponse pull(
      DockerClient docker, ContainerSpec container, String reference, Duration timeout)
      throws StageFailure {
    try {
      ResultCallback.Adapter<PullResponseItem> pull =
          docker
              .pullImageCmd(container.image())
              .withTag(container.tag())
              .exec(new ResultCallback.Adapter<>());
      if (!pull.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        JobContainer.closeQuietly(pull);
        throw new StageFailure(
            JobStatus.IMAGE_PULL_FAILED, "pulling " + reference + " did not finish in time");
      }
      return docker.inspectImageCmd(reference).exec();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StageFailure(JobStatus.IMAGE_PULL_FAILED, "interrupted pulling " + reference);
    } catch (RuntimeException e) {
      throw new StageFailure(
          JobStatus.IMAGE_PULL_FAILED, "could not pull " + reference + ": " + e.getMessage());
    }
  }
}
