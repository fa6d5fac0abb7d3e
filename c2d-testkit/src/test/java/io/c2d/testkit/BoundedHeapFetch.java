package io.c2d.testkit;

import io.c2d.model.FileLocator;
import io.c2d.spi.backend.support.FetchSettings;
import io.c2d.spi.backend.support.InputFetcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The child JVM of {@link FetchHeapTest}: serves a generated body on loopback and fetches it into a
 * file with the support layer's fetcher, then prints the size fetched and deletes the file.
 */
final class BoundedHeapFetch {
  private BoundedHeapFetch() {}

  public static void main(String[] args) throws Exception {
    long size = Long.parseLong(args[1]);
    Path target = Path.of(args[0]).resolve("input");
    try (LoopbackFileServer server = LoopbackFileServer.start()) {
      server.serve("/big", LoopbackFileServer.Body.generated(size, 14));
      InputFetcher.Fetched fetched =
          InputFetcher.create(FetchSettings.builder().totalTimeout(Duration.ofMinutes(5)).build())
              .fetch(
                  FileLocator.url(server.uri("/big")).withExpectedSize(size), target, "big input");
      // CHECKSTYLE.OFF: RegexpSinglelineJava
      System.out.println("fetched " + fetched.bytes() + " file " + Files.size(target));
      // CHECKSTYLE.ON: RegexpSinglelineJava
    } finally {
      Files.deleteIfExists(target);
    }
  }
}
