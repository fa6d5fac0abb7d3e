package io.c2d.server.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test only where a Docker engine answers, and builds the image the Docker backend's tests
 * run ({@value #IMAGE}, from Debian's busybox-static, no registry) with c2d-backend-docker's {@code
 * build-test-image.sh}, named by the system property {@code c2d.docker.test-image-script}. Without
 * an engine the test FAILS when {@code CI=true} and is skipped, loudly, elsewhere.
 */
final class RequiresDockerImage implements ExecutionCondition {
  /** The image, built locally. */
  static final String IMAGE = "c2d-test/busybox:1";

  private static final Object LOCK = new Object();
  private static @Nullable String problem;
  private static boolean checked;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String found;
    synchronized (LOCK) {
      if (!checked) {
        problem = check();
        checked = true;
      }
      found = problem;
    }
    if (found == null) {
      return ConditionEvaluationResult.enabled(
          "a Docker engine answers and " + IMAGE + " is built");
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException(
          "CI=true but the Docker case cannot run: "
              + found
              + " (.ci/run installs and starts docker.io and busybox-static)");
    }
    System.err.println("WARNING: SKIPPING the Docker case: " + found);
    return ConditionEvaluationResult.disabled("SKIPPED, no Docker engine: " + found);
  }

  private static @Nullable String check() {
    String info = run(List.of("docker", "info", "--format", "{{.ServerVersion}}"), 30);
    if (info != null) {
      return "`docker info` failed: " + info;
    }
    Path script =
        Path.of(
            System.getProperty(
                "c2d.docker.test-image-script",
                "../c2d-backend-docker/src/test/resources/build-test-image.sh"));
    if (!Files.isRegularFile(script)) {
      return "the image script " + script.toAbsolutePath() + " is missing";
    }
    String build = run(List.of("bash", script.toString(), IMAGE), 120);
    return build == null ? null : "building " + IMAGE + " failed: " + build;
  }

  /** Runs {@code command}; null when it exits 0, else what it printed. */
  private static @Nullable String run(List<String> command, int seconds) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return "timed out: " + command;
      }
      return process.exitValue() == 0 ? null : out.strip();
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
