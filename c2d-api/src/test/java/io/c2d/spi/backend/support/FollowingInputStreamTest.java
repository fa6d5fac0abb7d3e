package io.c2d.spi.backend.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class FollowingInputStreamTest {
  @TempDir Path dir;

  @Test
  void followsAGrowingFileUntilTheWriterIsDoneThenReadsTheRest() throws Exception {
    Path log = Files.writeString(dir.resolve("algorithm.log"), "one\n");
    AtomicBoolean ended = new AtomicBoolean();
    CompletableFuture<String> reader;
    try (InputStream in = new FollowingInputStream(Files.newInputStream(log), ended::get)) {
      byte[] first = new byte[4];
      assertThat(in.readNBytes(first, 0, 4)).isEqualTo(4);
      assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo("one\n");
      reader =
          CompletableFuture.supplyAsync(
              () -> {
                ByteArrayOutputStream rest = new ByteArrayOutputStream();
                try {
                  in.transferTo(rest);
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
                return rest.toString(StandardCharsets.UTF_8);
              });
      try (OutputStream out = Files.newOutputStream(log, StandardOpenOption.APPEND)) {
        out.write("two\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        Thread.sleep(300);
        assertThat(reader).as("still following while the writer is not done").isNotDone();
        out.write("three\n".getBytes(StandardCharsets.UTF_8));
      }
      ended.set(true);

      assertThat(reader.get(5, TimeUnit.SECONDS)).isEqualTo("two\nthree\n");
    }
  }
}
