package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.JobStatus;
import io.c2d.spi.backend.JobSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How the pod is made to cap what the algorithm writes while it runs, and how its verdicts and the
 * kubelet's evictions are read (the supervisor itself runs on the real node: {@code
 * KubernetesRealClusterContainmentTest}).
 */
final class ContainmentTest {
  private static final Manifests.Settings SETTINGS =
      new Manifests.Settings(
          "busybox:1.36.1", 1 << 20, 64 << 10, 60, Placement.none(), 600, List.of());

  @Test
  void theAlgorithmRunsUnderTheSupervisorWithItsCapsAndItsOwnCommandLast() {
    JobSpec spec = KubernetesComputeBackendTest.spec("r-contain", false);

    PodSpec pod = Manifests.job(spec, SETTINGS).getSpec().getTemplate().getSpec();

    Container algorithm = container(pod, Manifests.ALGORITHM);
    List<String> command = algorithm.getCommand();
    assertThat(command.subList(0, 3))
        .as("busybox's own sh: the image needs no shell")
        .containsExactly(Containment.TOOLS + "/busybox", "sh", "-c");
    assertThat(command.get(3))
        .contains("[ \"$$$$\" = 1 ]")
        .contains(Containment.TOOLS + "/busybox");
    assertThat(command.get(4)).isEqualTo(Containment.LAUNCHER);
    long outputRoom = (1 << 20) + (16L << 20);
    long logRoom = (64 << 10) + (16L << 20);
    assertThat(command.subList(5, 10))
        .containsExactly(
            Long.toString(outputRoom / 1024),
            Long.toString(logRoom / 1024),
            Long.toString(64 << 10),
            Long.toString(16L << 20),
            Long.toString((64L << 20) / 512));
    assertThat(command.subList(10, command.size()))
        .as("the entrypoint %s by the start rule, last", spec.algorithm().container().entrypoint())
        .containsExactly("sh", "/data/transformations/algorithm");
    assertThat(algorithm.getArgs()).isNullOrEmpty();
    assertThat(algorithm.getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getMountPath()).isEqualTo(Containment.TOOLS);
              assertThat(m.getReadOnly()).isTrue();
            });
    Container stage = container(pod, Manifests.STAGE_DATA);
    assertThat(stage.getCommand().get(2)).startsWith("cp /bin/busybox /c2d-bin/busybox");
    assertThat(stage.getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo(Containment.TOOLS));
    Volume tools =
        pod.getVolumes().stream().filter(v -> v.getName().equals("c2d-bin")).findFirst().get();
    assertThat(tools.getEmptyDir().getSizeLimit().getNumericalAmount().longValue())
        .isEqualTo(16L << 20);
  }

  @Test
  void theSupervisorsScriptCanBeSingleQuotedIntoTheLauncher() {
    JobSpec spec = KubernetesComputeBackendTest.spec("r-quote", false);
    Job job = Manifests.job(spec, SETTINGS);
    String launch =
        container(job.getSpec().getTemplate().getSpec(), Manifests.ALGORITHM).getCommand().get(3);
    String quoted =
        launch.substring(launch.indexOf("sh -c '") + 7, launch.indexOf("' c2d-supervisor"));
    assertThat(quoted).doesNotContain("'").contains("kill -9 -1").contains("/dev/termination-log");
  }

  @Test
  void theSupervisorsMessageIsAQuotaOrACutAnythingElseIsNothing() {
    assertThat(Containment.verdict(withMessage("c2d-quota: the outputs went past 99 KiB\n")))
        .isEqualTo(new Containment.Verdict(true, "the outputs went past 99 KiB"));
    assertThat(Containment.verdict(withMessage("c2d-cut: the log was cut at 16384 bytes")))
        .isEqualTo(new Containment.Verdict(false, "the log was cut at 16384 bytes"));
    assertThat(Containment.verdict(withMessage("my own termination message"))).isNull();
    assertThat(Containment.verdict(withMessage(null))).isNull();
  }

  @Test
  void anEvictionForStorageIsDiskQuotaExceededAnyOtherAFailure() {
    Pod storage = evicted("Usage of EmptyDir volume \"outputs\" exceeds the limit \"16Mi\".");
    Pod ephemeral =
        evicted("Pod ephemeral local storage usage exceeds the total limit of containers 1Gi.");
    Pod memory = evicted("The node was low on resource: memory.");

    assertThat(PodObservation.of(storage).status()).isEqualTo(JobStatus.DISK_QUOTA_EXCEEDED);
    assertThat(PodObservation.of(ephemeral).status()).isEqualTo(JobStatus.DISK_QUOTA_EXCEEDED);
    assertThat(PodObservation.of(ephemeral).detail()).contains("ephemeral local storage");
    assertThat(PodObservation.of(memory).status()).isEqualTo(JobStatus.FAILED);
    assertThat(PodObservation.of(memory).detail()).contains("low on resource: memory");
  }

  private static Pod evicted(String message) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("p")
        .endMetadata()
        .withNewStatus()
        .withPhase("Failed")
        .withReason("Evicted")
        .withMessage(message)
        .endStatus()
        .build();
  }

  private static Pod withMessage(String message) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("p")
        .endMetadata()
        .withNewStatus()
        .withInitContainerStatuses(
            new ContainerStatusBuilder()
                .withName(Manifests.ALGORITHM)
                .withNewState()
                .withNewTerminated()
                .withExitCode(0)
                .withMessage(message)
                .endTerminated()
                .endState()
                .build())
        .endStatus()
        .build();
  }

  private static Container container(PodSpec pod, String name) {
    return java.util.stream.Stream.concat(
            pod.getInitContainers().stream(), pod.getContainers().stream())
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }
}
