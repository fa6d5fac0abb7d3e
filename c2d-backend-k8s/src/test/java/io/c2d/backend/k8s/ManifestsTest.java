package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.c2d.model.Algorithm;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.FileLocator;
import io.c2d.model.Resources;
import io.c2d.spi.backend.JobSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
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
    Manifests.Settings settings = claimSettings(spec);

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

  @Test
  void aJobStagedFromItsSpecWithAnOutputClaimHoldsTheAlgorithmBehindTheStagingStepsHook() {
    JobSpec spec = claimSpec("r-held");
    Manifests.Settings settings = claimSettings(spec);
    Job steps = Manifests.job(spec, settings);

    Job held = StagingSteps.withInlineStaging(steps, "c3RhZ2Vk");
    PodSpec pod = held.getSpec().getTemplate().getSpec();

    assertThat(pod.getInitContainers()).isEmpty();
    assertThat(pod.getContainers())
        .extracting(Container::getName)
        .containsExactly(Manifests.STAGE_DATA, Manifests.ALGORITHM);
    Container stage = pod.getContainers().get(0);
    assertThat(stage.getLifecycle().getPostStart().getExec().getCommand())
        .containsExactly("sh", "-c", StagingSteps.holdHook(300));
    assertThat(stage.getEnv()).extracting(EnvVar::getName).contains(Manifests.INLINE_ENV);
    assertThat(stage.getResources().getRequests())
        .as("a small share: it adds to the algorithm's requests for the pod's life")
        .isEqualTo(stage.getResources().getLimits())
        .containsEntry("cpu", new Quantity(StagingSteps.HELD_STAGE_CPU))
        .containsEntry("memory", new Quantity(StagingSteps.HELD_STAGE_MEMORY));
    String script = stage.getCommand().get(2);
    assertThat(script)
        .as("the gate closed first, the staging (busybox copied in, claims checked), then opened")
        .contains(": > " + StagingSteps.RELEASED + "\n" + StagingSteps.INSTALL_TOOLS)
        .startsWith("rm -rf '/data/" + StagingSteps.GATED_INPUTS + "'; ln -s / ")
        .contains("cp /bin/busybox " + Containment.TOOLS + "/busybox")
        .contains("cannot be read in PersistentVolumeClaim data-claim")
        .contains("mv '/data/inputs' '/data/" + StagingSteps.GATED_INPUTS + "'")
        .endsWith("exit $rc\n");
    assertThat(script.indexOf("ln -s /")).isLessThan(script.indexOf("cp /bin/busybox"));
    assertThat(stage.getVolumeMounts())
        .as("the output claim's tools, for the pods that come without a staging step")
        .filteredOn(m -> Manifests.RESULTS_VOLUME.equals(m.getName()))
        .extracting(VolumeMount::getMountPath, VolumeMount::getSubPath, VolumeMount::getReadOnly)
        .containsExactly(tuple(StagingSteps.CLAIM_TOOLS, OutputClaim.TOOLS, false));
    assertThat(script.indexOf(Manifests.EXIT_CLAIM_PATH + "; fi"))
        .isLessThan(script.indexOf("mv '/data/inputs'"));
    Container algorithm = pod.getContainers().get(1);
    List<VolumeMount> mounts = algorithm.getVolumeMounts();
    assertThat(mounts.get(0))
        .as("the gate first, before any claim's subPath")
        .extracting(VolumeMount::getName, VolumeMount::getMountPath, VolumeMount::getSubPath)
        .containsExactly("data", "/data/inputs", StagingSteps.GATED_INPUTS);
    assertThat(mounts)
        .filteredOn(m -> m.getName().startsWith("claim-"))
        .extracting(VolumeMount::getSubPath, VolumeMount::getReadOnly)
        .containsExactly(tuple("set/records.csv", true));
    for (Container c : pod.getContainers()) {
      assertThat(c.getSecurityContext()).as(c.getName()).isEqualTo(Manifests.restricted());
    }
    assertThat(Manifests.job(spec, settings).getSpec().getTemplate().getSpec().getInitContainers())
        .as("the Job it was made from is left as it was")
        .extracting(Container::getName)
        .containsExactly(Manifests.STAGE_DATA);
    assertThat(steps.getSpec().getTemplate().getSpec().getInitContainers())
        .extracting(Container::getName)
        .containsExactly(Manifests.STAGE_DATA);
  }

  @Test
  void withoutAnOutputClaimAJobStagedFromItsSpecKeepsItsSteps() {
    JobSpec spec = KubernetesComputeBackendTest.spec("r-steps", false);

    PodSpec pod =
        StagingSteps.withInlineStaging(Manifests.job(spec, SETTINGS), "c3RhZ2Vk")
            .getSpec()
            .getTemplate()
            .getSpec();

    assertThat(pod.getInitContainers())
        .extracting(Container::getName)
        .containsExactly(Manifests.STAGE_DATA, Manifests.ALGORITHM);
    assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("publish");
    assertThat(pod.getInitContainers().get(0).getLifecycle()).isNull();
  }

  @Test
  void aJobStagedOnTheOutputClaimRunsTheAlgorithmAloneWithItsLayoutMountedReadOnly() {
    JobSpec spec = claimSpec("r-unstaged");
    String job = ObjectNames.of(spec.jobId()).job();
    Job steps = Manifests.job(spec, claimSettings(spec));

    PodSpec pod = StagingSteps.unstaged(steps, spec.jobId()).getSpec().getTemplate().getSpec();

    assertThat(pod.getInitContainers()).isEmpty();
    assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("algorithm");
    Container algorithm = pod.getContainers().get(0);
    assertThat(algorithm.getSecurityContext()).isEqualTo(Manifests.restricted());
    assertThat(algorithm.getCommand().get(0)).isEqualTo(Containment.TOOLS + "/busybox");
    assertThat(algorithm.getVolumeMounts())
        .extracting(
            VolumeMount::getName,
            VolumeMount::getMountPath,
            VolumeMount::getSubPath,
            VolumeMount::getReadOnly)
        .containsExactly(
            tuple("results", "/data", job, false),
            tuple("tmp", "/tmp", null, false),
            tuple(
                "claim-0",
                "/data/inputs/" + KubernetesComputeBackendTest.DATA.id() + "/0",
                "set/records.csv",
                true),
            tuple("results", Containment.TOOLS, OutputClaim.TOOLS, true));
    assertThat(pod.getVolumes())
        .extracting(Volume::getName)
        .as("nothing the staging step alone used")
        .containsExactlyInAnyOrder("results", "tmp", "claim-0");
    assertThat(steps.getSpec().getTemplate().getSpec().getInitContainers())
        .as("the Job it was made from is left as it was")
        .extracting(Container::getName)
        .containsExactly(Manifests.STAGE_DATA);
  }

  @Test
  void onlyThePodOfAnOutputClaimCanDoWithoutItsStagingStep() {
    JobSpec spec = KubernetesComputeBackendTest.spec("r-no-claim", false);

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> StagingSteps.unstaged(Manifests.job(spec, SETTINGS), spec.jobId()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** A job whose one dataset file is on a claim, its algorithm raw code. */
  private static JobSpec claimSpec(String requestId) {
    return JobSpec.builder(
            io.c2d.model.JobId.derive(KubernetesComputeBackendTest.OWNER, requestId),
            KubernetesComputeBackendTest.OWNER)
        .requestId(requestId)
        .datasets(
            List.of(
                DatasetInput.builder(KubernetesComputeBackendTest.DATA, "compute")
                    .addLocator(FileLocator.pvc("data-claim", "set/records.csv"))
                    .build()))
        .algorithm(Algorithm.raw(ContainerSpec.of("busybox", "1.36.1", "sh $ALGO"), "true").build())
        .environmentId("k8s")
        .resources(Resources.of(1, 512, 1024, 0))
        .maxDuration(java.time.Duration.ofMinutes(5))
        .build();
  }

  /** Settings with an output claim. */
  private static Manifests.Settings claimSettings(JobSpec spec) {
    return new Manifests.Settings(
        "busybox:1.36.1",
        1 << 20,
        1 << 20,
        60,
        Placement.none(),
        600,
        ClaimInputs.of(spec),
        "results-claim");
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
