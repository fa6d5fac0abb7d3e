package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.Did;
import io.c2d.spi.backend.JobSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.LinkedHashMap;
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
    assertThat(algorithm.getCommand())
        .as("the entrypoint %s without a shell", spec.algorithm().container().entrypoint())
        .containsExactly("sh", "/data/transformations/algorithm");
    assertThat(algorithm.getArgs()).as("no arguments of the image's CMD").isNullOrEmpty();
  }

  private static Container algorithm(Job job) {
    return job.getSpec().getTemplate().getSpec().getInitContainers().stream()
        .filter(c -> c.getName().equals(Manifests.ALGORITHM))
        .findFirst()
        .orElseThrow();
  }
}
