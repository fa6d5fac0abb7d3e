package io.c2d.backend.local;

import io.c2d.testkit.junit.RealPart;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A working bubblewrap (the backend's own self-test, {@link Bubblewrap#probe}), for
 * {@code @Requires}: in CI ({@code CI=true}) a missing or broken one FAILS the test.
 */
final class WorkingBubblewrap implements RealPart {
  @Override
  public String name() {
    return "a working bubblewrap";
  }

  @Override
  public @Nullable String problem() {
    Bubblewrap.Probe probe =
        Bubblewrap.probe(null, EmbeddedComputeBackend.DEFAULT_PIDS_LIMIT, Path.of("/nowhere"));
    return probe.sandbox() == null ? probe.problem() : null;
  }

  @Override
  public String remedy() {
    return ".ci/run installs Debian's package bubblewrap";
  }
}
