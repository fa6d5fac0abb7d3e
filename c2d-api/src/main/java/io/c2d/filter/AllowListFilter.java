package io.c2d.filter;

import io.c2d.model.ResultKind;
import io.c2d.spi.filter.FilterOutcome;
import io.c2d.spi.filter.FilterResult;
import io.c2d.spi.filter.FilterSubject;
import io.c2d.spi.filter.ResultDecision;
import io.c2d.spi.filter.ResultFilter;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The {@code allow-list} result filter: withholds every output whose type (its file name's
 * extension) the asset does not allow, or that is larger than allowed, and logs larger than
 * allowed. It reads only the job's result listing, never the content.
 *
 * <p>Parameters (all optional; without any, everything is released):
 *
 * <ul>
 *   <li>{@code types}: the allowed extensions, comma-separated, such as {@code csv,json,png};
 *       {@code ""} (no extension) may be listed as {@code none}
 *   <li>{@code maxBytes}: the largest output allowed, in bytes
 *   <li>{@code maxTotalBytes}: the most all outputs together may hold; outputs past it, in result
 *       order, are withheld
 *   <li>{@code maxLogBytes}: the largest log allowed ({@code algorithm.log}, {@code /data/logs},
 *       {@code configuration.log})
 * </ul>
 *
 * <p>{@code publish.log} (written by c2d itself) is never checked. Thread-safe and stateless.
 */
public final class AllowListFilter implements ResultFilter {
  /** The name chains select it by. */
  public static final String NAME = "allow-list";

  private AllowListFilter() {}

  /** The filter. */
  public static AllowListFilter create() {
    return new AllowListFilter();
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if a size parameter is not a non-negative integer or {@code
   *     types} names an empty extension
   */
  @Override
  public FilterOutcome check(FilterSubject subject) {
    Set<String> types = types(subject.parameter("types", ""));
    long maxBytes = size(subject, "maxBytes");
    long maxTotal = size(subject, "maxTotalBytes");
    long maxLog = size(subject, "maxLogBytes");
    FilterOutcome.Builder outcome = FilterOutcome.builder();
    long total = 0;
    int withheld = 0;
    int checked = 0;
    for (FilterResult result : subject.results()) {
      long size = result.result().size();
      if (result.kind() == ResultKind.PUBLISH_LOG) {
        continue;
      }
      checked++;
      String why = null;
      if (result.kind() == ResultKind.OUTPUT) {
        String type = extension(result.name());
        if (!types.isEmpty() && !types.contains(type)) {
          why =
              "output type '"
                  + (type.isEmpty() ? "none" : type)
                  + "' is not allowed for this asset (allowed: "
                  + String.join(", ", types)
                  + ")";
        } else if (size > maxBytes) {
          why = "output is " + size + " bytes, more than the " + maxBytes + " this asset allows";
        } else if (total + size > maxTotal) {
          why = "outputs together exceed the " + maxTotal + " bytes this asset allows";
        } else {
          total += size;
        }
      } else if (size > maxLog) {
        why = "log is " + size + " bytes, more than the " + maxLog + " this asset allows";
      }
      if (why != null) {
        outcome.decide(result.result(), ResultDecision.withhold(why));
        withheld++;
      }
    }
    return outcome
        .report(
            "allow-list: "
                + checked
                + " results checked, "
                + withheld
                + " withheld; types "
                + (types.isEmpty() ? "any" : String.join(",", types))
                + ", maxBytes "
                + show(maxBytes)
                + ", maxTotalBytes "
                + show(maxTotal)
                + ", maxLogBytes "
                + show(maxLog))
        .build();
  }

  private static Set<String> types(String text) {
    if (text.isBlank()) {
      return Set.of();
    }
    Set<String> types =
        Arrays.stream(text.split(",", -1))
            .map(t -> t.trim().toLowerCase(Locale.ROOT))
            .map(t -> t.startsWith(".") ? t.substring(1) : t)
            .collect(Collectors.toCollection(TreeSet::new));
    if (types.contains("")) {
      throw new IllegalArgumentException("parameter types names an empty type: '" + text + "'");
    }
    if (types.remove("none")) {
      types.add("");
    }
    return types;
  }

  private static long size(FilterSubject subject, String key) {
    String text = subject.parameter(key, "").trim();
    if (text.isEmpty()) {
      return Long.MAX_VALUE;
    }
    try {
      long value = Long.parseLong(text);
      if (value < 0) {
        throw new IllegalArgumentException("parameter " + key + " must not be negative: " + text);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "parameter " + key + " must be a number of bytes but is '" + text + "'", e);
    }
  }

  private static String extension(String name) {
    String last = name.substring(name.lastIndexOf('/') + 1);
    int dot = last.lastIndexOf('.');
    return dot <= 0 ? "" : last.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  private static String show(long limit) {
    return limit == Long.MAX_VALUE ? "unlimited" : Long.toString(limit);
  }

  @Override
  public String toString() {
    return "AllowListFilter";
  }
}
