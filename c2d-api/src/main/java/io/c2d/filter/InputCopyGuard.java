package io.c2d.filter;

import io.c2d.model.Sha256;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.filter.FilterInput;
import io.c2d.spi.filter.FilterOutcome;
import io.c2d.spi.filter.FilterResult;
import io.c2d.spi.filter.FilterSubject;
import io.c2d.spi.filter.ResultDecision;
import io.c2d.spi.filter.ResultFilter;
import io.c2d.spi.filter.ResultFilterProvider;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The input-copy guard, the built-in result filter {@value #NAME}: withholds every output or log
 * that carries a copy of one of the job's inputs, verbatim or gzipped, base64- or hex-encoded,
 * whole or as a long run, or split over several results.
 *
 * <p>How: each input is cut into content-defined chunks (a gear hash, about 190 B chunks for inputs
 * under 1 MiB, about 5 KiB above) whose 64-bit fingerprints are computed in one read and cached by
 * the input's SHA-256 (bounded by {@code c2d.filter.input-copy.cacheBytes}, default 64 MiB, least
 * recently used first out). Each result is read once and chunked the same way, as it is and through
 * gzip, base64 and hex decoders; every chunk is looked up. An input counts as copied when the job's
 * results together carry at least {@code minCopiedBytes} of its distinct bytes (or all of them, for
 * a smaller input) and either {@code maxCopiedBytes} of them or {@code maxCopiedFraction} of its
 * distinct content; then every result that carried any of it is withheld ({@code action=withhold},
 * the default) or held for the publisher's review ({@code action=review}). Cost is linear in the
 * bytes read; memory is the fingerprints and fixed buffers, never the data.
 *
 * <p>Parameters (per asset, all optional): {@code maxCopiedBytes} (default {@code 64k}), {@code
 * maxCopiedFraction} (default {@code 0.1}), {@code minCopiedBytes} (default {@code 512}), {@code
 * action} ({@code withhold} or {@code review}).
 *
 * <p>What it does not catch: copies shorter than a few chunks, content transformed otherwise
 * (encrypted, re-ordered, re-formatted, encoded twice beyond gzip inside base64 or hex, or in a
 * custom alphabet), and anything an aggregate discloses. It reduces, never removes, the risk.
 *
 * <p>Thread-safe: one instance checks many jobs at once.
 */
public final class InputCopyGuard implements ResultFilter {
  /** The name chains select this filter by. */
  public static final String NAME = "input-copy";

  static final long DEFAULT_CACHE_BYTES = 64L << 20;
  private static final Set<String> ACTIONS = Set.of("withhold", "review");

  private final PrintCache cache;

  /**
   * A guard whose inputs' fingerprints are cached up to about {@code cacheBytes} of heap.
   *
   * @throws IllegalArgumentException if {@code cacheBytes} is negative
   */
  public InputCopyGuard(long cacheBytes) {
    if (cacheBytes < 0) {
      throw new IllegalArgumentException("cacheBytes must be >= 0 but was " + cacheBytes);
    }
    this.cache = new PrintCache(cacheBytes);
  }

  @Override
  public FilterOutcome check(FilterSubject subject) throws IOException {
    long maxBytes = Parameters.bytes(subject, NAME, "maxCopiedBytes", 64 * 1024);
    double maxFraction = Parameters.fraction(subject, NAME, "maxCopiedFraction", 0.1);
    long minBytes = Parameters.bytes(subject, NAME, "minCopiedBytes", 512);
    String action = Parameters.choice(subject, NAME, "action", "withhold", ACTIONS);

    long started = System.nanoTime();
    List<InputPrint> prints = new ArrayList<>();
    for (FilterInput input : subject.inputs()) {
      prints.add(print(input));
    }
    CopyScan scan = new CopyScan(prints);
    List<FilterResult> results = subject.results();
    for (FilterResult result : results) {
      try (InputStream in = result.open()) {
        scan.scan(in);
      }
    }

    List<Integer> copied = new ArrayList<>();
    StringBuilder report = new StringBuilder();
    report.append(
        String.format(
            Locale.ROOT,
            "input-copy: %d results (%d bytes) checked against %d inputs in %d ms;"
                + " thresholds: %d bytes or %.1f%% of an input, at least %d bytes%n",
            results.size(),
            scan.bytesRead(),
            prints.size(),
            (System.nanoTime() - started) / 1_000_000,
            maxBytes,
            maxFraction * 100,
            minBytes));
    for (int i = 0; i < prints.size(); i++) {
      InputPrint print = prints.get(i);
      long matched = scan.matchedBytes(i);
      boolean isCopied =
          matched > 0
              && matched >= Math.min(minBytes, print.distinctBytes())
              && (matched >= maxBytes || matched >= maxFraction * print.distinctBytes());
      if (isCopied) {
        copied.add(i);
      }
      report.append(
          String.format(
              Locale.ROOT,
              "input %s: %d bytes, %d distinct in %d chunks; found %d distinct bytes (%.1f%%)%s%n",
              label(subject.inputs().get(i)),
              print.size(),
              print.distinctBytes(),
              print.chunks(),
              matched,
              percent(matched, print.distinctBytes()),
              isCopied ? ": COPIED" : ""));
    }

    FilterOutcome.Builder outcome = FilterOutcome.builder();
    for (int r = 0; r < results.size(); r++) {
      FilterResult result = results.get(r);
      for (int i : copied) {
        long inResult = scan.matchedBytes(r, i);
        if (inResult == 0) {
          continue;
        }
        InputPrint print = prints.get(i);
        String reason =
            String.format(
                Locale.ROOT,
                "input-copy: carries a copy of input %s (%.0f%% of its content found in the job's"
                    + " results)",
                label(subject.inputs().get(i)),
                Math.min(100, percent(scan.matchedBytes(i), print.distinctBytes())));
        outcome.decide(
            result.result(),
            action.equals("review")
                ? ResultDecision.review(reason)
                : ResultDecision.withhold(reason));
        report.append(
            String.format(
                Locale.ROOT,
                "%s %s: %d bytes of input %s%n",
                action,
                result.name(),
                inResult,
                label(subject.inputs().get(i))));
      }
    }
    return outcome.report(report.toString()).build();
  }

  private InputPrint print(FilterInput input) throws IOException {
    Sha256 known = input.sha256().orElse(null);
    if (known == null) {
      try (InputStream in = input.open()) {
        InputPrint print = InputPrint.compute(in, null);
        cache.put(print);
        return print;
      }
    }
    return cache.getOrCompute(
        known,
        () -> {
          try (InputStream in = input.open()) {
            return InputPrint.compute(in, known);
          }
        });
  }

  private static String label(FilterInput input) {
    return input.did().value() + "/" + input.index();
  }

  private static double percent(long part, long whole) {
    return whole == 0 ? 0 : 100.0 * part / whole;
  }

  /** Fingerprints cached now (for tests). */
  int cachedInputs() {
    return cache.size();
  }

  @Override
  public void close() {
    cache.clear();
  }

  /**
   * Creates the {@value #NAME} filter for {@link java.util.ServiceLoader}; reads {@code
   * c2d.filter.input-copy.cacheBytes} (default 64 MiB). Stateless and thread-safe.
   */
  public static final class Provider implements ResultFilterProvider {
    /** For {@link java.util.ServiceLoader}. */
    public Provider() {}

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public ResultFilter create(ProviderConfig config) {
      long cacheBytes =
          config.scoped("c2d.filter." + NAME + ".").longValue("cacheBytes", DEFAULT_CACHE_BYTES);
      if (cacheBytes < 0) {
        throw new io.c2d.ConfigurationException(
            io.c2d.ErrorCode.CONFIGURATION_INVALID,
            "c2d.filter." + NAME + ".cacheBytes must be >= 0 but was " + cacheBytes);
      }
      return new InputCopyGuard(cacheBytes);
    }
  }
}
