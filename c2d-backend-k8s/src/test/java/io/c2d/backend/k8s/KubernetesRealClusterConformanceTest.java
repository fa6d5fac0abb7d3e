package io.c2d.backend.k8s;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.Resources;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.testkit.conformance.ComputeBackendConformanceKit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The conformance kit against the real cluster of {@code KUBECONFIG} (namespace {@code
 * C2D_K8S_NAMESPACE}, default {@code default}; the images {@code busybox:stable} and {@code
 * busybox:1.36.1} must be pullable there). Skipped, saying so, when {@code KUBECONFIG} is not set.
 */
@ExtendWith(RequiresKubeconfig.class)
final class KubernetesRealClusterConformanceTest extends ComputeBackendConformanceKit {
  private static final ComputeEnvironment ENVIRONMENT =
      ComputeEnvironment.builder("conformance")
          .capacity(Resources.of(2, 2048, 2048, 0))
          .maxConcurrentJobs(2)
          .maxOutputBytes(64 << 10)
          .maxLogBytes(16 << 10)
          .build();

  @Override
  protected ComputeBackend createBackend(Path workDir) {
    String namespace = System.getenv().getOrDefault("C2D_K8S_NAMESPACE", "default");
    return KubernetesComputeBackend.builder()
        .namespace(namespace)
        .resultRoot(workDir)
        .addEnvironment(ENVIRONMENT)
        .imagePullTimeout(Duration.ofMinutes(2))
        .build();
  }

  @Override
  protected ComputeEnvironment environment() {
    return ENVIRONMENT;
  }

  @Override
  protected Map<Promise, String> notApplicable() {
    return new EnumMap<>(Promise.class);
  }

  @Override
  protected Duration timeout() {
    return Duration.ofMinutes(3);
  }
}
