package io.c2d.jmh;

import io.c2d.model.FileLocator;
import io.c2d.spi.backend.support.FetchSettings;
import io.c2d.spi.backend.support.InputFetcher;
import io.c2d.testkit.LoopbackFileServer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Heap while the provider fetches one large input (issue 14, point 4): the support layer's {@link
 * InputFetcher} streams a generated body from the testkit's {@link LoopbackFileServer} (same JVM,
 * loopback) into a file, with a declared size. Prints the elapsed time, the throughput, the used
 * heap after a full GC before and after (its growth), and the highest used heap sampled every 5 ms
 * during the fetch (garbage included, so an upper bound of what the fetch holds).
 *
 * <p>Run: {@code java -Xmx64m -cp c2d-jmh/target/benchmarks.jar io.c2d.jmh.FetchHeap 1073741824
 * /var/tmp}
 */
public final class FetchHeap {
  private FetchHeap() {}

  /**
   * Measures and prints.
   *
   * @param args the body's size in bytes (default 1 GiB) and the directory to fetch into (default
   *     {@code java.io.tmpdir})
   * @throws Exception if the fetch fails
   */
  public static void main(String[] args) throws Exception {
    long size = args.length > 0 ? Long.parseLong(args[0]) : 1L << 30;
    Path dir =
        Files.createTempDirectory(
            Path.of(args.length > 1 ? args[1] : System.getProperty("java.io.tmpdir")),
            "c2d-fetch-heap-");
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    try (LoopbackFileServer server = LoopbackFileServer.start()) {
      server.serve("/big", LoopbackFileServer.Body.generated(size, 14));
      InputFetcher fetcher =
          InputFetcher.create(FetchSettings.builder().totalTimeout(Duration.ofMinutes(30)).build());
      FileLocator locator = FileLocator.url(server.uri("/big")).withExpectedSize(size);
      long before = usedAfterGc(memory);
      AtomicLong peak = new AtomicLong();
      AtomicBoolean running = new AtomicBoolean(true);
      Thread sampler =
          new Thread(
              () -> {
                while (running.get()) {
                  peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                  try {
                    Thread.sleep(5);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "heap-sampler");
      sampler.setDaemon(true);
      sampler.start();
      long started = System.nanoTime();
      InputFetcher.Fetched fetched =
          fetcher.fetch(locator, dir.resolve("input"), "benchmark input");
      double seconds = (System.nanoTime() - started) / 1e9;
      running.set(false);
      sampler.join();
      long after = usedAfterGc(memory);
      // CHECKSTYLE.OFF: RegexpSinglelineJava
      System.out.printf(
          Locale.ROOT,
          "fetched %d bytes in %.1f s (%.0f MiB/s), -Xmx %d MiB: used heap after GC %.1f MiB"
              + " before, %.1f MiB after (growth %+.1f MiB); highest sampled during the fetch"
              + " %.1f MiB (garbage included)%n",
          fetched.bytes(),
          seconds,
          fetched.bytes() / seconds / (1 << 20),
          Runtime.getRuntime().maxMemory() >> 20,
          mib(before),
          mib(after),
          mib(after - before),
          mib(peak.get()));
      // CHECKSTYLE.ON: RegexpSinglelineJava
    } finally {
      Files.deleteIfExists(dir.resolve("input"));
      Files.deleteIfExists(dir);
    }
  }

  private static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static double mib(long bytes) {
    return bytes / (double) (1 << 20);
  }
}
