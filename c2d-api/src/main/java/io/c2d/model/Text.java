package io.c2d.model;

import java.util.Locale;

/** Small string helpers shared by the value types' validation. */
final class Text {
  private static final int MAX_ECHO = 80;

  private Text() {}

  /** Cuts untrusted input before it is echoed into an error message. */
  static String abbreviate(String value) {
    String shown = value.length() <= MAX_ECHO ? value : value.substring(0, MAX_ECHO) + "...";
    StringBuilder safe = new StringBuilder(shown.length());
    for (int i = 0; i < shown.length(); i++) {
      char c = shown.charAt(i);
      safe.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return safe.toString();
  }

  static String toLowerAscii(String value) {
    return value.toLowerCase(Locale.ROOT);
  }

  static boolean isHex(String value, int from) {
    if (value.length() <= from) {
      return false;
    }
    for (int i = from; i < value.length(); i++) {
      if (Character.digit(value.charAt(i), 16) < 0) {
        return false;
      }
    }
    return true;
  }

  static String requireText(String value, String field, int maxLength) {
    if (value == null || value.isBlank()) {
      throw new io.c2d.InvalidRequestException(field, "is missing");
    }
    if (value.length() > maxLength) {
      throw new io.c2d.InvalidRequestException(
          field, "is " + value.length() + " characters long; at most " + maxLength + " allowed");
    }
    return value;
  }
}
