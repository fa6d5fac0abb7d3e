package io.c2d.testkit.junit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The real algorithm images the project builds on each machine with {@code
 * .ci/algo-images/build.sh} (no registry is reachable; {@code .ci/run} builds them when missing and
 * caches them): {@value #PYTHON} (Debian's python3 with numpy, pandas, scikit-learn and
 * matplotlib), {@value #NODE} (Debian's nodejs) and {@value #NOSHELL} (one static binary, {@code
 * /noshell}, and no {@code /bin/sh}), each in the local Docker engine (where a Kubernetes node on
 * that engine finds it too) and unpacked under {@link #home()}{@code /rootfs/<name>} for the
 * embedded backend's {@code imageRoot}. As a {@link RealPart}: present when all three images and
 * their roots are. Thread-safe; stateless.
 */
public final class AlgorithmImages implements RealPart {
  /** Python 3 with numpy, pandas, scikit-learn and matplotlib, from Debian: {@value}. */
  public static final String PYTHON = "c2d-algo/python:1";

  /** Node.js from Debian: {@value}. */
  public static final String NODE = "c2d-algo/node:1";

  /** One static binary, {@code /noshell}, and nothing else (no shell): {@value}. */
  public static final String NOSHELL = "c2d-algo/noshell:1";

  /** Every image, in build order. */
  public static final List<String> ALL = List.of(NOSHELL, NODE, PYTHON);

  /** For {@link Requires}. */
  public AlgorithmImages() {}

  /**
   * Where the build keeps its roots: {@code $C2D_ALGO_IMAGES_HOME}, default {@code
   * /opt/c2d-algo-images}.
   */
  public static Path home() {
    String home = System.getenv("C2D_ALGO_IMAGES_HOME");
    return Path.of(home == null || home.isBlank() ? "/opt/c2d-algo-images" : home);
  }

  /** The unpacked root file system of {@code image} (one of {@link #ALL}). */
  public static Path root(String image) {
    if (!ALL.contains(image)) {
      throw new IllegalArgumentException("not one of the algorithm images " + ALL + ": " + image);
    }
    String name = image.substring(image.indexOf('/') + 1, image.indexOf(':'));
    return home().resolve("rootfs").resolve(name);
  }

  /** Whether {@code image} is in the local Docker engine and its root is unpacked. */
  public static boolean present(String image) {
    return Files.isDirectory(root(image).resolve("data"))
        && Commands.run(List.of("docker", "image", "inspect", image), Duration.ofSeconds(30)).ok();
  }

  @Override
  public String name() {
    return "the algorithm images " + ALL;
  }

  @Override
  public @Nullable String problem() {
    for (String image : ALL) {
      if (!present(image)) {
        return image + " is not in the Docker engine, or its root " + root(image) + " is missing";
      }
    }
    return null;
  }

  @Override
  public String remedy() {
    return "bash .ci/algo-images/build.sh builds them once per machine; .ci/run calls it";
  }
}
