package io.c2d.backend.local;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.Resources;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.testkit.conformance.ComputeBackendConformanceKit;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Without bubblewrap ({@link SandboxMode#OFF}, as on a host where it does not work) the embedded
 * backend keeps every promise of the kit except the sandbox's.
 */
final class UnsandboxedConformanceTest extends ComputeBackendConformanceKit {
  private static final ComputeEnvironment ENVIRONMENT =
      ComputeEnvironment.builder("conformance")
          .capacity(Resources.of(3, 3072, 3072, 0))
          .maxConcurrentJobs(3)
          .maxOutputBytes(64 << 10)
          .maxLogBytes(16 << 10)
          .build();

  @Override
  protected ComputeBackend createBackend(Path workDir) {
    return EmbeddedComputeBackend.builder()
        .workRoot(workDir)
        .environment(ENVIRONMENT)
        .sandbox(SandboxMode.OFF)
        .build();
  }

  @Override
  protected ComputeEnvironment environment() {
    return ENVIRONMENT;
  }

  /** Without bubblewrap the job's own directory stands for the image's root. */
  @Override
  protected Optional<String> algorithmWorkingDirectory() {
    return Optional.empty();
  }

  @Override
  protected Map<Promise, String> notApplicable() {
    return Map.of(
        Promise.SANDBOX,
        "without bubblewrap the embedded backend runs the algorithm as the JVM's user");
  }
}
