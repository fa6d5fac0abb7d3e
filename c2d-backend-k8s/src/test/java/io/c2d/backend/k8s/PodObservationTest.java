package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.JobStatus;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The pod of a job with an output claim: the algorithm is its regular container, after the staging
 * step's init container or, held, after the staging step as the first regular container.
 */
final class PodObservationTest {
  @Test
  void anAlgorithmThatRunsAsTheRegularContainerIsRunning() {
    PodObservation seen = PodObservation.of(pod("Running", running(Manifests.ALGORITHM)));
    assertThat(seen.kind()).isEqualTo(PodObservation.Kind.PROGRESS);
    assertThat(seen.status()).isEqualTo(JobStatus.RUNNING_ALGORITHM);
  }

  @Test
  void anAlgorithmThatEndedWellIsCollectableEvenOnceThePodSucceeded() {
    PodObservation seen =
        PodObservation.of(pod("Succeeded", ended(Manifests.ALGORITHM, 0, "Completed")));
    assertThat(seen.kind()).isEqualTo(PodObservation.Kind.COLLECTABLE);
  }

  @Test
  void anAlgorithmThatFailedOrRanOutOfMemoryFailsTheJob() {
    PodObservation failed =
        PodObservation.of(pod("Failed", ended(Manifests.ALGORITHM, 3, "Error")));
    assertThat(failed.kind()).isEqualTo(PodObservation.Kind.FAILED);
    assertThat(failed.status()).isEqualTo(JobStatus.ALGORITHM_FAILED);
    assertThat(failed.exitCode()).isEqualTo(3);
    PodObservation oom =
        PodObservation.of(pod("Failed", ended(Manifests.ALGORITHM, 137, "OOMKilled")));
    assertThat(oom.status()).isEqualTo(JobStatus.OUT_OF_MEMORY);
  }

  @Test
  void aHeldPodAwaitsItsInputsWhileItsStagingStepRunsAndRunsTheAlgorithmOnceStarted() {
    PodObservation staging =
        PodObservation.of(
            held("Pending", running(Manifests.STAGE_DATA), waiting(Manifests.ALGORITHM, null)));
    assertThat(staging.kind()).isEqualTo(PodObservation.Kind.AWAITING_INPUTS);
    assertThat(staging.status()).isEqualTo(JobStatus.CONFIGURING_VOLUMES);

    PodObservation staged =
        PodObservation.of(
            held(
                "Running",
                ended(Manifests.STAGE_DATA, 0, "Completed"),
                waiting(Manifests.ALGORITHM, "ContainerCreating")));
    assertThat(staged.kind()).isEqualTo(PodObservation.Kind.PROGRESS);
    assertThat(staged.status()).isEqualTo(JobStatus.PROVISIONING_SUCCESS);

    PodObservation both =
        PodObservation.of(
            held("Running", running(Manifests.STAGE_DATA), running(Manifests.ALGORITHM)));
    assertThat(both.kind()).isEqualTo(PodObservation.Kind.PROGRESS);
    assertThat(both.status()).isEqualTo(JobStatus.RUNNING_ALGORITHM);

    PodObservation done =
        PodObservation.of(
            held(
                "Succeeded",
                ended(Manifests.STAGE_DATA, 0, "Completed"),
                ended(Manifests.ALGORITHM, 0, "Completed")));
    assertThat(done.kind()).isEqualTo(PodObservation.Kind.COLLECTABLE);

    PodObservation failed =
        PodObservation.of(
            held(
                "Failed",
                ended(Manifests.STAGE_DATA, 0, "Completed"),
                ended(Manifests.ALGORITHM, 2, "Error")));
    assertThat(failed.status()).isEqualTo(JobStatus.ALGORITHM_FAILED);
    assertThat(failed.exitCode()).isEqualTo(2);
  }

  @Test
  void aHeldPodWhoseStagingFailedIsDataProvisioningFailedThoughItsAlgorithmWaitsForever() {
    PodObservation seen =
        PodObservation.of(
            held(
                "Pending",
                ended(Manifests.STAGE_DATA, Manifests.EXIT_CLAIM_PATH, "Error"),
                waiting(Manifests.ALGORITHM, "CreateContainerConfigError")));
    assertThat(seen.kind()).isEqualTo(PodObservation.Kind.FAILED);
    assertThat(seen.status()).isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
    assertThat(seen.exitCode()).isEqualTo(Manifests.EXIT_CLAIM_PATH);
  }

  private static Pod held(String phase, ContainerStatus stage, ContainerStatus algorithm) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("p")
        .endMetadata()
        .withNewStatus()
        .withPhase(phase)
        .withContainerStatuses(List.of(stage, algorithm))
        .endStatus()
        .build();
  }

  private static ContainerStatus waiting(String name, @Nullable String reason) {
    return new ContainerStatusBuilder()
        .withName(name)
        .withNewState()
        .withNewWaiting()
        .withReason(reason)
        .endWaiting()
        .endState()
        .build();
  }

  private static Pod pod(String phase, ContainerStatus algorithm) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("p")
        .endMetadata()
        .withNewStatus()
        .withPhase(phase)
        .withInitContainerStatuses(List.of(ended(Manifests.STAGE_DATA, 0, "Completed")))
        .withContainerStatuses(List.of(algorithm))
        .endStatus()
        .build();
  }

  private static ContainerStatus running(String name) {
    return new ContainerStatusBuilder()
        .withName(name)
        .withNewState()
        .withNewRunning()
        .endRunning()
        .endState()
        .build();
  }

  private static ContainerStatus ended(String name, int exit, String reason) {
    return new ContainerStatusBuilder()
        .withName(name)
        .withNewState()
        .withNewTerminated()
        .withExitCode(exit)
        .withReason(reason)
        .endTerminated()
        .endState()
        .build();
  }
}
