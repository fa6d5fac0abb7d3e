package io.c2d.jmh;

import io.c2d.filter.InputCopyGuard;
import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import io.c2d.model.Sha256;
import io.c2d.spi.filter.FilterInput;
import io.c2d.spi.filter.FilterOutcome;
import io.c2d.spi.filter.FilterResult;
import io.c2d.spi.filter.FilterSubject;
import io.c2d.spi.filter.ResultDecision;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of the input-copy guard (issue 15): one result of {@code size} bytes checked against
 * one input of {@code size} bytes, beside {@code sha256sum} of the same result file in the same
 * run. Generates, in a temporary directory (deleted at the end), an input of random bytes, a result
 * that is a copy of it (every chunk matches: the guard withholds it) and an unrelated result of
 * random bytes (nothing matches: the guard releases it). The first check fingerprints the input
 * (timed apart, as "fingerprint"); later checks find its fingerprints in the cache, so each round
 * times the result alone. Rounds alternate guard and {@code sha256sum} over the same file, after
 * one untimed warm-up of each; prints each round and the medians in MB/s (10^6 bytes/s) and the
 * ratio guard/sha256sum.
 *
 * <p>Run: {@code java -Xmx512m -cp c2d-jmh/target/benchmarks.jar io.c2d.jmh.FilterThroughput
 * size=1g rounds=5 dir=/var/tmp}
 */
public final class FilterThroughput {
  private static final Did DID = Did.of("did:op:" + "ee".repeat(32));

  private FilterThroughput() {}

  /**
   * Measures and prints.
   *
   * @param args {@code size=} (bytes, k/m/g suffixes; default 1g), {@code rounds=} (default 5),
   *     {@code dir=} (default {@code java.io.tmpdir})
   * @throws Exception if a file cannot be written or a check fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      options.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    long size = parseSize(options.getOrDefault("size", "1g"));
    int rounds = Integer.parseInt(options.getOrDefault("rounds", "5"));
    Path dir =
        Files.createTempDirectory(
            Path.of(options.getOrDefault("dir", System.getProperty("java.io.tmpdir"))),
            "c2d-filter-bench-");
    try {
      Path input = dir.resolve("input.bin");
      Path copy = dir.resolve("copy.bin");
      Path other = dir.resolve("other.bin");
      Sha256 inputSha = generate(input, size, 15);
      Files.copy(input, copy);
      generate(other, size, 16);
      print("files of %d bytes in %s; %d cores; %s", size, dir, cores(), jvm());

      try (InputCopyGuard guard = new InputCopyGuard(256L << 20)) {
        long t0 = System.nanoTime();
        check(guard, input, inputSha, copy, ResultDecision.Action.WITHHOLD);
        double first = (System.nanoTime() - t0) / 1e9;
        print(
            "first check (fingerprint the input, then check the copy): %.2f s (%.0f MB/s over"
                + " both)",
            first, 2 * size / first / 1e6);
        for (String kind : List.of("copy", "other")) {
          Path result = kind.equals("copy") ? copy : other;
          ResultDecision.Action expected =
              kind.equals("copy") ? ResultDecision.Action.WITHHOLD : ResultDecision.Action.RELEASE;
          check(guard, input, inputSha, result, expected); // warm-up
          sha256sum(result);
          List<Double> guardRates = new ArrayList<>();
          List<Double> shaRates = new ArrayList<>();
          for (int r = 0; r < rounds; r++) {
            long s = System.nanoTime();
            check(guard, input, inputSha, result, expected);
            double g = size / ((System.nanoTime() - s) / 1e9) / 1e6;
            s = System.nanoTime();
            sha256sum(result);
            double h = size / ((System.nanoTime() - s) / 1e9) / 1e6;
            guardRates.add(g);
            shaRates.add(h);
            print(
                "%s round %d: guard %.0f MB/s, sha256sum %.0f MB/s, ratio %.2f",
                kind, r + 1, g, h, g / h);
          }
          double gm = median(guardRates);
          double hm = median(shaRates);
          print(
              "%s: median guard %.0f MB/s, median sha256sum %.0f MB/s, ratio of medians %.2f"
                  + " (min %.0f, max %.0f MB/s for the guard)",
              kind, gm, hm, gm / hm, Collections.min(guardRates), Collections.max(guardRates));
        }
      }
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  private static void check(
      InputCopyGuard guard, Path input, Sha256 sha, Path result, ResultDecision.Action expected)
      throws IOException {
    long size = Files.size(result);
    JobResult listed = new JobResult(result.getFileName().toString(), ResultKind.OUTPUT, size, 0);
    FilterSubject subject =
        FilterSubject.builder(JobId.of("0123456789abcdef0123456789abcdef"))
            .addAsset(DID)
            .addInput(
                FilterInput.of(DID, 0, sha, Files.size(input), () -> Files.newInputStream(input)))
            .addResult(FilterResult.of(listed, () -> Files.newInputStream(result)))
            .build();
    FilterOutcome outcome = guard.check(subject);
    if (outcome.decision(listed).action() != expected) {
      throw new IllegalStateException(
          "expected " + expected + " for " + result + " but got " + outcome.decision(listed));
    }
  }

  private static void sha256sum(Path file) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("sha256sum", file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException("sha256sum failed: " + out);
    }
  }

  /** Writes {@code size} random bytes (a fast generator: the benchmark is not about it). */
  private static Sha256 generate(Path file, long size, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long done = 0; done < size; ) {
        for (int i = 0; i < block.length; i += 8) {
          long v = random.nextLong();
          for (int k = 0; k < 8; k++) {
            block[i + k] = (byte) (v >>> (8 * k));
          }
        }
        int n = (int) Math.min(block.length, size - done);
        out.write(block, 0, n);
        digest.update(block, 0, n);
        done += n;
      }
    }
    return Sha256.ofDigest(digest.digest());
  }

  private static long parseSize(String text) {
    String t = text.toLowerCase(Locale.ROOT);
    long unit = 1;
    if (t.endsWith("k") || t.endsWith("m") || t.endsWith("g")) {
      char c = t.charAt(t.length() - 1);
      unit = c == 'k' ? 1L << 10 : c == 'm' ? 1L << 20 : 1L << 30;
      t = t.substring(0, t.length() - 1);
    }
    return Long.parseLong(t) * unit;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  private static String jvm() {
    return System.getProperty("java.vm.name")
        + " "
        + System.getProperty("java.version")
        + ", -Xmx"
        + (Runtime.getRuntime().maxMemory() >> 20)
        + "m, "
        + ManagementFactory.getRuntimeMXBean().getInputArguments();
  }

  private static void print(String format, Object... args) {
    // CHECKSTYLE.OFF: RegexpSinglelineJava
    System.out.printf(Locale.ROOT, format + "%n", args);
    // CHECKSTYLE.ON: RegexpSinglelineJava
  }
}
