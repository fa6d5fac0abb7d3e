package io.c2d.backend.docker;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.model.Resources;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.testkit.conformance.ComputeBackendConformanceKit;
import io.c2d.testkit.conformance.TestAlgorithms;
import io.c2d.testkit.junit.Requires;
import java.nio.file.Path;
import java.time.Duration;

/** The Docker backend keeps every promise of the testkit's conformance kit, on the real engine. */
@Requires(DockerEngine.class)
final class DockerBackendConformanceTest extends ComputeBackendConformanceKit {
  private static final ComputeEnvironment ENVIRONMENT =
      ComputeEnvironment.builder("conformance")
          .capacity(Resources.of(2, 1024, 2048, 0))
          .maxPerJob(Resources.of(1, 256, 1024, 0))
          .defaultPerJob(Resources.of(0.5, 128, 256, 0))
          .maxConcurrentJobs(2)
          .maxJobsPerConsumer(2)
          .maxDuration(Duration.ofMinutes(5))
          .maxOutputBytes(64 << 10)
          .maxLogBytes(16 << 10)
          .build();

  @Override
  protected ComputeBackend createBackend(Path workDir) {
    return DockerComputeBackend.builder()
        .resultRoot(workDir)
        .environment(ENVIRONMENT)
        .instance("conformance")
        .pullMissingImages(false)
        .build();
  }

  @Override
  protected ComputeEnvironment environment() {
    return ENVIRONMENT;
  }

  @Override
  protected ContainerSpec algorithmImage() {
    return ContainerSpec.of(DockerEngine.IMAGE, DockerEngine.TAG, TestAlgorithms.ENTRYPOINT);
  }

  @Override
  protected Duration timeout() {
    return Duration.ofSeconds(60);
  }
}
