package io.c2d.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README shows the embedding example exactly as the build compiles and runs it. */
final class ReadmeTest {

  @Test
  void theReadmesEmbeddingExampleIsTheTestedOne() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int marker = readme.indexOf("<!-- snippet: embedding");
    assertThat(marker).as("README has the embedding snippet marker").isNotNegative();
    int start = readme.indexOf("```java\n", marker) + "```java\n".length();
    int end = readme.indexOf("```\n", start);

    assertThat(readme.substring(start, end)).isEqualTo(ReadmeExampleTest.exampleSource());
  }

  @Test
  void theReadmesConformanceExampleIsTheTestedOne() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int marker = readme.indexOf("<!-- snippet: conformance");
    assertThat(marker).as("README has the conformance snippet marker").isNotNegative();
    int start = readme.indexOf("```java\n", marker) + "```java\n".length();
    int end = readme.indexOf("```\n", start);

    assertThat(readme.substring(start, end)).isEqualTo(conformanceExampleSource());
  }

  @Test
  void theReadmesServletAdapterIsTheTestedOne() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int marker = readme.indexOf("<!-- snippet: servlet");
    assertThat(marker).as("README has the servlet snippet marker").isNotNegative();
    int start = readme.indexOf("```java\n", marker) + "```java\n".length();
    int end = readme.indexOf("```\n", start);
    String text = Files.readString(Path.of("src/test/java/io/c2d/server/JettyServletTest.java"));
    int from = text.indexOf('\n', text.indexOf("// README:servlet:start")) + 1;
    int to = text.indexOf("  // README:servlet:end");

    assertThat(readme.substring(start, end)).isEqualTo(text.substring(from, to));
  }

  @Test
  void theReadmeOpensWithTheTwoCommands() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    String opening = readme.substring(0, readme.indexOf("## "));

    assertThat(opening)
        .contains("./mvnw -q -Pmain-job -DskipTests package -pl c2d-server -am")
        .contains("./mvnw -B verify");
    assertThat(Files.readString(Path.of("..", ".ci", "run"))).contains("./mvnw -B verify");
  }

  /** The code between the conformance markers of the embedded backend's conformance test. */
  private static String conformanceExampleSource() throws IOException {
    String text =
        Files.readString(
            Path.of(
                "../c2d-backend-local/src/test/java/io/c2d/backend/local/EmbeddedBackendConformanceTest.java"));
    int start = text.indexOf("// README:conformance:start");
    int end = text.indexOf("// README:conformance:end");
    return text.substring(text.indexOf('\n', start) + 1, end);
  }
}
