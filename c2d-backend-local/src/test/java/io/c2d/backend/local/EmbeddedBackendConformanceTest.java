package io.c2d.backend.local;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.Resources;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.testkit.conformance.ComputeBackendConformanceKit;
import io.c2d.testkit.junit.Requires;
import java.nio.file.Path;
import java.util.Map;

/**
 * The embedded default backend, in its bubblewrap sandbox, keeps every promise of the kit ({@link
 * UnsandboxedConformanceTest} runs the kit on plain processes). This class is also the README's
 * conformance example: {@code ReadmeTest} keeps the two equal.
 */
@Requires(WorkingBubblewrap.class)
// README:conformance:start
final class EmbeddedBackendConformanceTest extends ComputeBackendConformanceKit {
  private static final ComputeEnvironment ENVIRONMENT =
      ComputeEnvironment.builder("conformance")
          .capacity(Resources.of(3, 3072, 3072, 0))
          .maxConcurrentJobs(3)
          .maxOutputBytes(64 << 10) // small caps: the kit writes past them
          .maxLogBytes(16 << 10)
          .build();

  @Override
  protected ComputeBackend createBackend(Path workDir) { // your backend, its state below workDir
    return EmbeddedComputeBackend.builder()
        .workRoot(workDir)
        .environment(ENVIRONMENT)
        .sandbox(SandboxMode.REQUIRE) // bubblewrap, or fail
        .build();
  }

  @Override
  protected ComputeEnvironment environment() {
    return ENVIRONMENT;
  }

  @Override
  protected Map<Promise, String> notApplicable() { // reported as skipped: "not applicable: ..."
    return Map.of(); // none: in bubblewrap the embedded backend keeps them all
  }
}
// README:conformance:end
