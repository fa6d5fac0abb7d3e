package io.c2d.jmh;

import io.c2d.backend.docker.DockerComputeBackend;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.SandboxContract;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The Docker backend against a bare {@code docker run}, side by side in one run: the same script
 * (the output is a copy of the input) through c2d's {@link DockerComputeBackend} (submit to the
 * terminal report: image check, staging, container, results collected into the result area,
 * container removed) and through {@code docker run --rm --network none} with the input bind-mounted
 * read-only and a host directory as {@code /data/outputs}. Inputs are generated on the fly (a
 * repeated random megabyte, so nothing is sparse) in a temporary directory that is deleted at the
 * end. The output cap is raised above the largest size.
 *
 * <p>Each size runs one untimed pair to warm up, then {@code rounds} pairs alternating c2d and
 * bare; it prints each side's median wall time and the median of the pairwise ratios c2d / bare.
 * For the largest size it also samples the provider's used heap every 5 ms during the c2d jobs and
 * prints the peak growth over the used heap after a GC just before the job (run with a small {@code
 * -Xmx} to prove the heap bounded: the figure below used {@code -Xmx256m}).
 *
 * <p>Needs a Docker engine on this host and an image with {@code sh} and {@code cp} (default {@code
 * c2d-test/busybox:1}, which {@code c2d-backend-docker}'s tests build; any busybox works). Run:
 *
 * <pre>
 * java -Xmx256m -cp c2d-jmh/target/benchmarks.jar io.c2d.jmh.DockerDataBenchmark \
 *     [rounds=5] [sizes=0,1m,100m,1g] [image=c2d-test/busybox:1] [mount=true]
 * </pre>
 *
 * <p>Size {@code 0} is the tiny job (a 16-byte input). {@code mount=false} turns the backend's
 * {@code mountInputs} off: every byte is then copied through the provider (staging archive, the
 * engine's archive API in and out), the path of an engine on another host.
 */
public final class DockerDataBenchmark {
  private static final EthAddress OWNER = EthAddress.of("0x" + "be".repeat(20));
  private static final Did DID = Did.of("0".repeat(63) + "1");
  private static final String ENVIRONMENT = "bench-docker";
  private static final String INPUT = "/data/" + SandboxContract.inputFile(DID, 0);
  private static final String SCRIPT = "cp " + INPUT + " /data/outputs/copy\n";
  private static final Duration WAIT = Duration.ofMinutes(10);

  private DockerDataBenchmark() {}

  /**
   * Runs the comparison and prints one line per size.
   *
   * @param args {@code rounds=N}, {@code sizes=a,b,c} (bytes, with k/m/g suffixes), {@code
   *     image=name:tag}
   */
  public static void main(String[] args) throws Exception {
    int rounds = 5;
    List<Long> sizes = List.of(0L, 1L << 20, 100L << 20, 1L << 30);
    String image = "c2d-test/busybox:1";
    boolean mount = true;
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      switch (kv[0]) {
        case "rounds" -> rounds = Integer.parseInt(kv[1]);
        case "sizes" -> sizes = Stream.of(kv[1].split(",")).map(DockerDataBenchmark::size).toList();
        case "image" -> image = kv[1];
        case "mount" -> mount = Boolean.parseBoolean(kv[1]);
        default -> throw new IllegalArgumentException("unknown argument " + arg);
      }
    }
    long largest = sizes.stream().max(Comparator.naturalOrder()).orElse(0L);
    Path work = Files.createTempDirectory("c2d-docker-bench");
    try (DockerComputeBackend backend =
        DockerComputeBackend.builder()
            .resultRoot(work.resolve("results"))
            .environment(environment(largest))
            .instance("bench")
            .pullMissingImages(false)
            .mountInputs(mount)
            .build()) {
      print(
          "Docker backend (mountInputs %s) vs bare docker run, %d rounds each, image %s%n",
          mount, rounds, image);
      int job = 0;
      for (long size : sizes) {
        Path input = work.resolve("input-" + size);
        generate(input, size == 0 ? 16 : size);
        List<Double> c2d = new ArrayList<>();
        List<Double> bare = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        long heapGrowth = 0;
        for (int round = -1; round < rounds; round++) {
          Path outputs = Files.createDirectory(work.resolve("bare-" + size + "-" + round));
          double b = bare(image, input, outputs);
          deleteTree(outputs);
          HeapSampler heap = size == largest ? HeapSampler.start() : null;
          double c = c2d(backend, image, input, "bench-" + job++, size);
          if (heap != null) {
            heapGrowth = Math.max(heapGrowth, heap.stop());
          }
          if (round >= 0) {
            c2d.add(c);
            bare.add(b);
            ratios.add(c / b);
          }
        }
        Files.delete(input);
        print(
            "%-8s c2d median %7.3f s  bare median %7.3f s  ratio c2d/bare median %.2f (min %.2f,"
                + " max %.2f)%s%n",
            size == 0 ? "tiny" : label(size),
            median(c2d),
            median(bare),
            median(ratios),
            ratios.stream().min(Comparator.naturalOrder()).orElse(0.0),
            ratios.stream().max(Comparator.naturalOrder()).orElse(0.0),
            size == largest
                ? String.format(
                    Locale.ROOT, "  provider heap growth peak %.1f MiB", heapGrowth / 1048576.0)
                : "");
      }
    } finally {
      deleteTree(work);
    }
  }

  private static ComputeEnvironment environment(long largest) {
    long cap = Math.max(largest * 2, 64L << 20);
    return ComputeEnvironment.builder(ENVIRONMENT)
        .capacity(Resources.of(2, 4096, 8192, 0))
        .maxPerJob(Resources.of(2, 2048, 8192, 0))
        .maxOutputBytes(cap)
        .build();
  }

  /** One c2d job, submit to terminal report, in seconds; its results deleted afterwards. */
  private static double c2d(
      DockerComputeBackend backend, String image, Path input, String requestId, long size)
      throws Exception {
    String[] ref = image.split(":", 2);
    JobSpec spec =
        JobSpec.builder(JobId.derive(OWNER, requestId), OWNER)
            .requestId(requestId)
            .datasets(
                List.of(
                    DatasetInput.builder(DID, "compute").addFiles(List.of(input.toUri())).build()))
            .algorithm(
                Algorithm.raw(
                        ContainerSpec.of(ref[0], ref.length > 1 ? ref[1] : "latest", "sh $ALGO"),
                        SCRIPT)
                    .build())
            .environmentId(ENVIRONMENT)
            .resources(Resources.of(2, 2048, 8192, 0))
            .maxDuration(WAIT)
            .build();
    CompletableFuture<BackendJobState> end = new CompletableFuture<>();
    BackendListener listener =
        state -> {
          if (state.status().isTerminal()) {
            end.complete(state);
          }
        };
    long start = System.nanoTime();
    backend.submit(spec, listener).toCompletableFuture().get(1, TimeUnit.MINUTES);
    BackendJobState state = end.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    double took = (System.nanoTime() - start) / 1e9;
    long copied =
        state.results().stream()
            .filter(r -> r.kind() == ResultKind.OUTPUT)
            .mapToLong(JobResult::size)
            .sum();
    if (state.status() != JobStatus.COMPLETED || copied != Math.max(size, 16)) {
      throw new IllegalStateException(
          "the c2d job ended " + state.status() + " with " + copied + " bytes: " + state.detail());
    }
    backend.delete(spec.jobId()).toCompletableFuture().get(1, TimeUnit.MINUTES);
    return took;
  }

  /** One bare {@code docker run}, in seconds. */
  private static double bare(String image, Path input, Path outputs) throws Exception {
    List<String> command =
        List.of(
            "docker",
            "run",
            "--rm",
            "--network",
            "none",
            "--mount",
            "type=bind,source=" + input.toAbsolutePath() + ",target=" + INPUT + ",readonly",
            "--mount",
            "type=bind,source=" + outputs.toAbsolutePath() + ",target=/data/outputs",
            image,
            "sh",
            "-c",
            SCRIPT);
    long start = System.nanoTime();
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out;
    try (InputStream in = process.getInputStream()) {
      out = in.readAllBytes();
    }
    if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(
          "docker run failed: " + new String(out, StandardCharsets.UTF_8));
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /** Writes {@code size} bytes: one random megabyte, repeated (no holes, nothing compressible). */
  private static void generate(Path file, long size) throws IOException {
    byte[] block = new byte[1 << 20];
    new Random(size).nextBytes(block);
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long left = size; left > 0; left -= block.length) {
        out.write(block, 0, (int) Math.min(block.length, left));
      }
    }
  }

  private static long size(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    long unit =
        switch (t.charAt(t.length() - 1)) {
          case 'k' -> 1L << 10;
          case 'm' -> 1L << 20;
          case 'g' -> 1L << 30;
          default -> 1;
        };
    return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
  }

  private static String label(long size) {
    return size >= 1L << 30 ? (size >> 30) + " GiB" : (size >> 20) + " MiB";
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }

  private static void print(String format, Object... args) {
    // CHECKSTYLE.OFF: RegexpSinglelineJava
    System.out.printf(Locale.ROOT, format, args);
    System.out.flush();
    // CHECKSTYLE.ON: RegexpSinglelineJava
  }

  /** Samples the used heap every 5 ms on a daemon thread; the baseline is taken after a GC. */
  private static final class HeapSampler {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong peak = new AtomicLong();
    private final long baseline;
    private final Thread thread;

    private HeapSampler() {
      System.gc();
      baseline = memory.getHeapMemoryUsage().getUsed();
      thread =
          new Thread(
              () -> {
                while (running.get()) {
                  long used = memory.getHeapMemoryUsage().getUsed();
                  peak.accumulateAndGet(used, Math::max);
                  try {
                    Thread.sleep(5);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "heap-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    static HeapSampler start() {
      return new HeapSampler();
    }

    /** Stops sampling; returns the peak used heap minus the baseline, in bytes. */
    long stop() throws InterruptedException {
      running.set(false);
      thread.join();
      return Math.max(0, peak.get() - baseline);
    }
  }
}
