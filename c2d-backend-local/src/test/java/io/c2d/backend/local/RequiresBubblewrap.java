package io.c2d.backend.local;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a test only where bubblewrap works (the backend's own self-test, {@link Bubblewrap#probe}).
 * In CI ({@code CI=true}) a missing or broken bubblewrap FAILS the test: {@code .ci/run} installs
 * Debian's package bubblewrap. Elsewhere the test is skipped with a reason that says loudly why.
 */
final class RequiresBubblewrap implements ExecutionCondition {
  private static final Logger logger = LoggerFactory.getLogger(RequiresBubblewrap.class);
  private static final Object LOCK = new Object();
  private static @Nullable String problem;
  private static boolean checked;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String found;
    synchronized (LOCK) {
      if (!checked) {
        Bubblewrap.Probe probe =
            Bubblewrap.probe(null, EmbeddedComputeBackend.DEFAULT_PIDS_LIMIT, Path.of("/nowhere"));
        problem = probe.sandbox() == null ? probe.problem() : null;
        checked = true;
      }
      found = problem;
    }
    if (found == null) {
      return ConditionEvaluationResult.enabled("bubblewrap works here");
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException(
          "CI=true but the bubblewrap sandbox tests cannot run: "
              + found
              + " (.ci/run installs Debian's package bubblewrap)");
    }
    logger.warn("SKIPPING the bubblewrap sandbox tests: {}", found);
    return ConditionEvaluationResult.disabled("SKIPPED, NO WORKING BUBBLEWRAP: " + found);
  }
}
