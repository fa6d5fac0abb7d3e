package io.c2d.filter;

import io.c2d.spi.filter.FilterSubject;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a filter's per-asset parameters, refusing malformed values with an {@link
 * IllegalArgumentException} that names the parameter (the SPI's contract: the engine then withholds
 * the job's results and tells the publisher). Stateless.
 */
final class Parameters {
  private Parameters() {}

  /** A byte count: digits, optionally followed by k, m or g (powers of 1024). */
  static long bytes(FilterSubject subject, String filter, String key, long defaultValue) {
    String text = subject.parameter(key, "").strip();
    if (text.isEmpty()) {
      return defaultValue;
    }
    String lower = text.toLowerCase(Locale.ROOT);
    long unit = 1;
    char last = lower.charAt(lower.length() - 1);
    if (last == 'k' || last == 'm' || last == 'g') {
      unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
      lower = lower.substring(0, lower.length() - 1);
    }
    try {
      long value = Long.parseLong(lower);
      if (value < 0 || value > Long.MAX_VALUE / unit) {
        throw new NumberFormatException("out of range");
      }
      return value * unit;
    } catch (NumberFormatException e) {
      throw malformed(filter, key, text, "a byte count such as 65536 or 64k");
    }
  }

  /** A whole number of at least {@code min}. */
  static long whole(FilterSubject subject, String filter, String key, long defaultValue, long min) {
    String text = subject.parameter(key, "").strip();
    if (text.isEmpty()) {
      return defaultValue;
    }
    try {
      long value = Long.parseLong(text);
      if (value < min) {
        throw new NumberFormatException("below " + min);
      }
      return value;
    } catch (NumberFormatException e) {
      throw malformed(filter, key, text, "a whole number of at least " + min);
    }
  }

  /** A fraction from 0 to 1, or a percentage ({@code 10%}). */
  static double fraction(FilterSubject subject, String filter, String key, double defaultValue) {
    String text = subject.parameter(key, "").strip();
    if (text.isEmpty()) {
      return defaultValue;
    }
    try {
      double value =
          text.endsWith("%")
              ? Double.parseDouble(text.substring(0, text.length() - 1)) / 100
              : Double.parseDouble(text);
      if (!(value >= 0 && value <= 1)) {
        throw new NumberFormatException("outside 0..1");
      }
      return value;
    } catch (NumberFormatException e) {
      throw malformed(filter, key, text, "a fraction from 0 to 1 or a percentage such as 10%");
    }
  }

  /** One of {@code choices} (case-insensitive), returned in lower case. */
  static String choice(
      FilterSubject subject, String filter, String key, String defaultValue, Set<String> choices) {
    String text = subject.parameter(key, "").strip().toLowerCase(Locale.ROOT);
    if (text.isEmpty()) {
      return defaultValue;
    }
    if (!choices.contains(text)) {
      throw malformed(filter, key, text, "one of " + choices);
    }
    return text;
  }

  private static IllegalArgumentException malformed(
      String filter, String key, String value, String expected) {
    return new IllegalArgumentException(
        "filter "
            + filter
            + ": parameter '"
            + key
            + "' must be "
            + expected
            + " but was '"
            + (value.length() > 40 ? value.substring(0, 40) + "..." : value)
            + "'");
  }
}
