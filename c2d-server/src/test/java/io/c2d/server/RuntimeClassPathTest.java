package io.c2d.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A provider application's runtime class path has no test library: c2d-server depends on c2d-api,
 * c2d-keeper and every backend, so its resolved runtime dependencies (listed by the build's {@code
 * maven-dependency-plugin:list}, {@code includeScope=runtime}, into {@code
 * target/runtime-class-path.txt}) are the union of what the README's "Production class path" names.
 */
final class RuntimeClassPathTest {

  @Test
  void theProductionArtifactsBringNeitherJunitNorAssertjNorTheTestkit() throws IOException {
    List<String> artifacts = runtimeArtifacts();

    assertThat(artifacts)
        .as("the list is the real one")
        .contains(
            "io.c2d:c2d-api",
            "io.c2d:c2d-keeper",
            "io.c2d:c2d-backend-docker",
            "io.c2d:c2d-backend-k8s",
            "io.c2d:c2d-backend-local",
            "org.web3j:crypto",
            "org.slf4j:slf4j-api");
    assertThat(artifacts)
        .noneMatch(artifact -> artifact.startsWith("org.junit"))
        .noneMatch(artifact -> artifact.startsWith("org.assertj:"))
        .noneMatch(artifact -> artifact.startsWith("org.opentest4j:"))
        .noneMatch(artifact -> artifact.startsWith("org.mockito:"))
        .doesNotContain("io.c2d:c2d-testkit");
  }

  /**
   * {@code groupId:artifactId} of each line such as {@code
   * io.c2d:c2d-api:jar:0.1.0-SNAPSHOT:compile -- module io.c2d.api}.
   */
  private static List<String> runtimeArtifacts() throws IOException {
    Path list = Path.of("target", "runtime-class-path.txt");
    assertThat(list).as("written by maven-dependency-plugin before the tests").isRegularFile();
    return Files.readAllLines(list).stream()
        .map(String::trim)
        .map(line -> line.split(" ", 2)[0].split(":", -1))
        .filter(parts -> parts.length >= 5)
        .map(parts -> parts[0] + ":" + parts[1])
        .collect(Collectors.toList());
  }
}
