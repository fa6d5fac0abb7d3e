package io.c2d.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, point 4, as a promise: a 1 GiB input is fetched by a JVM whose whole heap is 32 MiB
 * (the fetcher, the HTTP client and the loopback server together), so the fetch cannot hold the
 * input, or any sizeable part of it, in memory. The figure is measured by {@code
 * io.c2d.jmh.FetchHeap}.
 */
final class FetchHeapTest {
  private static final long ONE_GIB = 1L << 30;

  @TempDir Path dir;

  @Test
  void aGibibyteInputIsFetchedWithin32MibOfHeap() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child =
        new ProcessBuilder(
                List.of(
                    java.toString(),
                    "-Xmx32m",
                    "-XX:+UseSerialGC",
                    "-cp",
                    System.getProperty("java.class.path"),
                    BoundedHeapFetch.class.getName(),
                    dir.toString(),
                    Long.toString(ONE_GIB)))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child.log").toFile())
            .start();
    try {
      assertThat(child.waitFor(5, TimeUnit.MINUTES)).as("the child JVM ended").isTrue();
    } finally {
      child.destroyForcibly();
    }
    String output = Files.readString(dir.resolve("child.log"), StandardCharsets.UTF_8);

    assertThat(child.exitValue()).as(output).isZero();
    assertThat(output).contains("fetched " + ONE_GIB + " file " + ONE_GIB);
  }
}
