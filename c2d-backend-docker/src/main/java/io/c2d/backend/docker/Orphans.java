package io.c2d.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the containers and volumes one backend instance left behind for jobs that are no longer
 * under way; objects of other instances, or not made by this backend, are never touched.
 *
 * <p>Stateless; thread-safe.
 */
final class Orphans {
  private static final Logger logger = LoggerFactory.getLogger(Orphans.class);

  private Orphans() {}

  /**
   * Removes instance {@code instance}'s containers and volumes whose job is not {@code underWay}.
   * The predicate is asked per object, after the objects were listed: a job submitted meanwhile is
   * under way by the time its container can exist, so its objects are never taken for orphans.
   *
   * <p>An object that cannot be removed is logged and left for the next recovery.
   *
   * @throws RuntimeException if the engine cannot list them
   */
  static void remove(DockerClient docker, String instance, Predicate<String> underWay) {
    List<String> filter = Labels.ownedFilter(instance);
    for (Container container :
        docker.listContainersCmd().withShowAll(true).withLabelFilter(filter).exec()) {
      Map<String, String> labels = container.getLabels() == null ? Map.of() : container.getLabels();
      if (!Labels.MANAGER.equals(labels.get(Labels.MANAGED_BY))
          || !instance.equals(labels.get(Labels.INSTANCE))
          || isUnderWay(underWay, labels.get(Labels.JOB_ID))) {
        continue;
      }
      logger.info(
          "removing orphan container {} of job {}", container.getId(), labels.get(Labels.JOB_ID));
      try {
        docker.removeContainerCmd(container.getId()).withForce(true).withRemoveVolumes(true).exec();
      } catch (NotFoundException e) {
        // gone already
      } catch (RuntimeException e) {
        // such as 409 "removal of container ... is already in progress" (a removal that a killed
        // instance asked for): the next recovery tries again; the others are still removed
        logger.warn("could not remove orphan container {}", container.getId(), e);
      }
    }
    List<InspectVolumeResponse> volumes =
        docker.listVolumesCmd().withFilter("label", filter).exec().getVolumes();
    for (InspectVolumeResponse volume :
        volumes == null ? List.<InspectVolumeResponse>of() : volumes) {
      Map<String, String> labels = volume.getLabels() == null ? Map.of() : volume.getLabels();
      if (!Labels.MANAGER.equals(labels.get(Labels.MANAGED_BY))
          || !instance.equals(labels.get(Labels.INSTANCE))
          || isUnderWay(underWay, labels.get(Labels.JOB_ID))) {
        continue;
      }
      logger.info("removing orphan volume {}", volume.getName());
      try {
        docker.removeVolumeCmd(volume.getName()).exec();
      } catch (NotFoundException e) {
        // gone already
      } catch (RuntimeException e) {
        logger.warn("could not remove orphan volume {}", volume.getName(), e);
      }
    }
  }

  private static boolean isUnderWay(Predicate<String> underWay, @Nullable String jobId) {
    return jobId != null && underWay.test(jobId);
  }
}
