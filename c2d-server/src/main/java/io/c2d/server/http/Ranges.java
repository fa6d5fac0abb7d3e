package io.c2d.server.http;

import io.c2d.InvalidRequestException;
import java.util.Optional;

/**
 * The one byte range a result download may ask for: {@code Range: bytes=N-} (what ocean.js sends to
 * resume) or {@code bytes=N-M}. Anything else (several ranges, a suffix range, other units,
 * garbage) and a start at or past the end is refused naming {@value #FIELD}, which answers 416.
 * Stateless and thread-safe.
 */
final class Ranges {
  static final String FIELD = "Range";

  private Ranges() {}

  /**
   * The range of a {@code size}-byte result that {@code header} asks for, or empty for the whole
   * result.
   */
  static Optional<Range> parse(Optional<String> header, long size) {
    if (header.isEmpty()) {
      return Optional.empty();
    }
    String value = header.get().trim();
    if (!value.startsWith("bytes=")) {
      throw refused(value, "only bytes=N- and bytes=N-M are served");
    }
    String spec = value.substring("bytes=".length()).trim();
    int dash = spec.indexOf('-');
    if (dash <= 0 || spec.indexOf(',') >= 0) {
      throw refused(value, "only bytes=N- and bytes=N-M are served");
    }
    long start = number(spec.substring(0, dash), value);
    String endText = spec.substring(dash + 1);
    long end = endText.isEmpty() ? size - 1 : Math.min(number(endText, value), size - 1);
    if (start >= size || end < start) {
      throw refused(value, "the result has " + size + " bytes");
    }
    return Optional.of(new Range(start, end, size));
  }

  private static long number(String digits, String value) {
    if (digits.isEmpty()
        || digits.length() > 18
        || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw refused(value, "only bytes=N- and bytes=N-M are served");
    }
    return Long.parseLong(digits);
  }

  private static InvalidRequestException refused(String value, String reason) {
    return new InvalidRequestException(
        FIELD, "cannot serve '" + QueryParams.abbreviate(value) + "': " + reason);
  }

  /** Bytes {@code start} to {@code end}, both included, of a {@code size}-byte result. */
  record Range(long start, long end, long size) {
    long length() {
      return end - start + 1;
    }

    String contentRange() {
      return "bytes " + start + "-" + end + "/" + size;
    }
  }
}
