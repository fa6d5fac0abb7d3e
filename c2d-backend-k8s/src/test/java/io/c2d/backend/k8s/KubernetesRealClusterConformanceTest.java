package io.c2d.backend.k8s;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.testkit.conformance.ComputeBackendConformanceKit;
import io.c2d.testkit.conformance.TestAlgorithms;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole conformance kit on real pods, against the cluster of {@code KUBECONFIG} (see {@link
 * RealCluster} for the namespace and image). In CI that is the single real node {@code .ci/run}
 * builds and starts.
 */
@ExtendWith(RequiresKubeconfig.class)
final class KubernetesRealClusterConformanceTest extends ComputeBackendConformanceKit {
  private static final ComputeEnvironment ENVIRONMENT = RealCluster.environment("conformance", 256);

  @Override
  protected ComputeBackend createBackend(Path workDir) {
    return RealCluster.backend(ENVIRONMENT, workDir).build();
  }

  @Override
  protected ComputeEnvironment environment() {
    return ENVIRONMENT;
  }

  @Override
  protected ContainerSpec algorithmImage() {
    return RealCluster.container(TestAlgorithms.ENTRYPOINT);
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
