package io.c2d.backend.docker;

import io.c2d.testkit.junit.Commands;
import io.c2d.testkit.junit.RealPart;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The Docker engine the tests need ({@code @Requires(DockerEngine.class)}), with the tests' image
 * built there ({@value #IMAGE}, from Debian's busybox-static, with {@code build-test-image.sh}).
 * Without an engine the tests are skipped, loudly, on a developer's machine, and FAIL when {@code
 * CI=true}.
 */
public final class DockerEngine implements RealPart {
  /** The image the tests run: busybox, imported locally, no registry needed. */
  public static final String IMAGE = "c2d-test/busybox";

  /** Its tag. */
  public static final String TAG = "1";

  @Override
  public String name() {
    return "a Docker engine with " + IMAGE + ":" + TAG;
  }

  @Override
  public @Nullable String problem() {
    Commands.Result info = run(List.of("docker", "info", "--format", "{{.ServerVersion}}"), 30);
    if (info.code() != 0) {
      return "`docker info` failed (" + info.output().strip() + ")";
    }
    Path script;
    try {
      URL url = DockerEngine.class.getResource("/build-test-image.sh");
      if (url == null) {
        return "build-test-image.sh is not on the test class path";
      }
      script = Path.of(url.toURI());
    } catch (URISyntaxException e) {
      return "build-test-image.sh: " + e;
    }
    Commands.Result build = run(List.of("bash", script.toString(), IMAGE + ":" + TAG), 120);
    if (build.code() != 0) {
      return "building " + IMAGE + ":" + TAG + " failed: " + build.output().strip();
    }
    return null;
  }

  @Override
  public String remedy() {
    return ".ci/run installs and starts docker.io; see /tmp/dockerd.log";
  }

  /** Runs {@code command}, waiting at most {@code seconds}. */
  static Commands.Result run(List<String> command, int seconds) {
    return Commands.run(command, Duration.ofSeconds(seconds));
  }
}
