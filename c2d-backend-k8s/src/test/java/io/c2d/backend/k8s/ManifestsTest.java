package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.c2d.model.Did;
import io.c2d.spi.backend.JobSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ManifestsTest {
  private static final Manifests.Settings SETTINGS =
      new Manifests.Settings(
          "busybox:1.36.1", 1 << 20, 1 << 20, 60, Placement.none(), 600, java.util.List.of());

  @Test
  void theAlgorithmSeesTheSandboxContractRootedAtData() {
    JobSpec spec = KubernetesComputeBackendTest.spec("r-env", false);

    Container algorithm = algorithm(Manifests.job(spec, SETTINGS));
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : algorithm.getEnv()) {
      env.put(var.getName(), var.getValue());
    }

    Did data = KubernetesComputeBackendTest.DATA;
    assertThat(env)
        .containsEntry("DIDS", "[\"" + data.id() + "\"]")
        .containsEntry("TRANSFORMATION_DID", "")
        .containsEntry("VOLUME", "/data")
        .containsEntry("INPUTS", "/data/inputs")
        .containsEntry("OUTPUTS", "/data/outputs")
        .containsEntry("LOGS", "/data/logs")
        .containsEntry("ALGO", "/data/transformations/algorithm")
        .containsEntry("HOME", "/tmp")
        .containsEntry("TMPDIR", "/tmp");
    assertThat(algorithm.getWorkingDir()).as("the image's own working directory").isNull();
    List<String> command = algorithm.getCommand();
    assertThat(command.get(0))
        .as("started by the supervisor's busybox, not by a shell of the image")
        .isEqualTo(Containment.TOOLS + "/busybox");
    assertThat(
            command.subList(
                command.indexOf(Containment.LAUNCHER) + 1 + Containment.ARGUMENTS, command.size()))
        .as("the entrypoint %s without a shell", spec.algorithm().container().entrypoint())
        .containsExactly("sh", "/data/transformations/algorithm");
    assertThat(algorithm.getArgs()).as("no arguments of the image's CMD").isNullOrEmpty();
  }

  @Test
  void withAnOutputClaimTheAlgorithmWritesToItsJobsDirectoriesThereAndThereIsNoPublishStep() {
    JobSpec spec = KubernetesComputeBackendTest.spec("r-claim", false);
    Manifests.Settings settings =
        new Manifests.Settings(
            "busybox:1.36.1",
            1 << 20,
            1 << 20,
            60,
            Placement.none(),
            600,
            java.util.List.of(),
            "results-claim");

    PodSpec pod = Manifests.job(spec, settings).getSpec().getTemplate().getSpec();

    assertThat(pod.getInitContainers())
        .extracting(Container::getName)
        .containsExactly("stage-data");
    assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("algorithm");
    Volume results =
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals(Manifests.RESULTS_VOLUME))
            .findFirst()
            .orElseThrow();
    assertThat(results.getPersistentVolumeClaim().getClaimName()).isEqualTo("results-claim");
    assertThat(results.getPersistentVolumeClaim().getReadOnly()).isFalse();
    assertThat(pod.getVolumes()).extracting(Volume::getName).doesNotContain("outputs", "logs");
    String job = ObjectNames.of(spec.jobId()).job();
    assertThat(pod.getContainers().get(0).getVolumeMounts())
        .filteredOn(m -> m.getName().equals(Manifests.RESULTS_VOLUME))
        .extracting(VolumeMount::getMountPath, VolumeMount::getSubPath, VolumeMount::getReadOnly)
        .containsExactly(
            tuple("/data/outputs", job + "/outputs", false),
            tuple("/data/logs", job + "/logs", false));
  }

  private static Container algorithm(Job job) {
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    return java.util.stream.Stream.concat(
            pod.getInitContainers().stream(), pod.getContainers().stream())
        .filter(c -> c.getName().equals(Manifests.ALGORITHM))
        .findFirst()
        .orElseThrow();
  }
}
