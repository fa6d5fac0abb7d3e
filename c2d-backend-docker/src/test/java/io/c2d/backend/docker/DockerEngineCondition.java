package io.c2d.backend.docker;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a test class only where a Docker engine answers, and builds the tests' image there ({@value
 * #IMAGE}, from Debian's busybox-static, with {@code build-test-image.sh}). Without an engine the
 * tests are skipped, loudly, on a developer's machine, and FAIL when {@code CI=true}.
 */
public final class DockerEngineCondition implements ExecutionCondition {
  /** The image the tests run: busybox, imported locally, no registry needed. */
  public static final String IMAGE = "c2d-test/busybox";

  /** Its tag. */
  public static final String TAG = "1";

  private static final Logger logger = LoggerFactory.getLogger(DockerEngineCondition.class);
  private static final Object LOCK = new Object();
  private static @org.jspecify.annotations.Nullable String problem;
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
          "CI=true but the Docker tests cannot run: "
              + found
              + " (.ci/run installs and starts"
              + " docker.io; see /tmp/dockerd.log)");
    }
    logger.warn("SKIPPING the Docker engine tests: {}", found);
    return ConditionEvaluationResult.disabled("SKIPPED, no Docker engine: " + found);
  }

  private static @org.jspecify.annotations.Nullable String check() {
    Result info = run(List.of("docker", "info", "--format", "{{.ServerVersion}}"), 30);
    if (info.code != 0) {
      return "`docker info` failed (" + info.output.strip() + ")";
    }
    Path script;
    try {
      URL url = DockerEngineCondition.class.getResource("/build-test-image.sh");
      if (url == null) {
        return "build-test-image.sh is not on the test class path";
      }
      script = Path.of(url.toURI());
    } catch (URISyntaxException e) {
      return "build-test-image.sh: " + e;
    }
    Result build = run(List.of("bash", script.toString(), IMAGE + ":" + TAG), 120);
    if (build.code != 0) {
      return "building " + IMAGE + ":" + TAG + " failed: " + build.output.strip();
    }
    return null;
  }

  /** The output and exit code of a command (stdout and stderr together). */
  record Result(int code, String output) {}

  /** Runs {@code command}, waiting at most {@code seconds}. */
  static Result run(List<String> command, int seconds) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      byte[] out;
      try (InputStream in = process.getInputStream()) {
        out = in.readAllBytes();
      }
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(-1, "timed out: " + command);
      }
      return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }
}
