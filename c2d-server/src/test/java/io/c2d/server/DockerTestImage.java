package io.c2d.server;

import io.c2d.testkit.junit.Commands;
import io.c2d.testkit.junit.RealPart;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A Docker engine with the image the Docker backend's tests run ({@value #IMAGE}, from Debian's
 * busybox-static, no registry), built with c2d-backend-docker's {@code build-test-image.sh}, named
 * by the system property {@code c2d.docker.test-image-script}: for {@code @Requires}.
 */
public final class DockerTestImage implements RealPart {
  /** The image, built locally. */
  public static final String IMAGE = "c2d-test/busybox:1";

  @Override
  public String name() {
    return "a Docker engine with " + IMAGE;
  }

  @Override
  public @Nullable String problem() {
    Commands.Result info =
        Commands.run(
            List.of("docker", "info", "--format", "{{.ServerVersion}}"), Duration.ofSeconds(30));
    if (!info.ok()) {
      return "`docker info` failed: " + info.output().strip();
    }
    Path script =
        Path.of(
            System.getProperty(
                "c2d.docker.test-image-script",
                "../c2d-backend-docker/src/test/resources/build-test-image.sh"));
    if (!Files.isRegularFile(script)) {
      return "the image script " + script.toAbsolutePath() + " is missing";
    }
    Commands.Result build =
        Commands.run(List.of("bash", script.toString(), IMAGE), Duration.ofMinutes(3));
    return build.ok() ? null : "building " + IMAGE + " failed: " + build.output().strip();
  }

  @Override
  public String remedy() {
    return ".ci/run installs and starts docker.io and busybox-static";
  }
}
