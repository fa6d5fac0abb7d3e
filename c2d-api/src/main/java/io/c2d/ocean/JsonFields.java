package io.c2d.ocean;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.c2d.InvalidRequestException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Member access and type checks shared by the readers of every Ocean document.
 *
 * <p>Stateless and thread-safe. Every check refuses with an {@link InvalidRequestException} naming
 * the {@code field} it is given, in Ocean's dotted form; none lets another exception escape.
 */
final class JsonFields {
  private static final int SHOWN_CHARS = 80;

  private JsonFields() {}

  /** The member {@code name} of {@code object}, or null when it is missing or JSON null. */
  static @Nullable JsonNode optional(JsonNode object, String name) {
    JsonNode value = object.get(name);
    return value == null || value.isNull() ? null : value;
  }

  static JsonNode required(JsonNode object, String name, String field) {
    JsonNode value = optional(object, name);
    if (value == null) {
      throw new InvalidRequestException(field, "is missing");
    }
    return value;
  }

  static void requireObject(JsonNode node, String field) {
    if (!node.isObject()) {
      throw new InvalidRequestException(field, "must be a JSON object");
    }
  }

  static List<JsonNode> array(JsonNode node, String field) {
    if (!node.isArray()) {
      throw new InvalidRequestException(field, "must be a JSON array");
    }
    List<JsonNode> items = new ArrayList<>(node.size());
    node.forEach(items::add);
    return items;
  }

  static String text(JsonNode node, String field) {
    if (!node.isTextual()) {
      throw new InvalidRequestException(field, "must be a string");
    }
    return node.textValue();
  }

  static String requiredText(JsonNode object, String name, String field) {
    return text(required(object, name, field), field);
  }

  /** A string member; missing, null and {@code ""} are all absent. */
  static @Nullable String optionalText(JsonNode object, String name, String field) {
    JsonNode value = optional(object, name);
    if (value == null) {
      return null;
    }
    String text = text(value, field);
    return text.isEmpty() ? null : text;
  }

  static @Nullable Boolean optionalBoolean(JsonNode object, String name, String field) {
    JsonNode value = optional(object, name);
    if (value == null) {
      return null;
    }
    if (!value.isBoolean()) {
      throw new InvalidRequestException(field, "must be true or false");
    }
    return value.booleanValue();
  }

  /** A member holding a JSON object, or a string of one, as compact JSON text; null if absent. */
  static @Nullable String objectText(JsonNode object, String name, String field) {
    JsonNode value = optional(object, name);
    if (value == null) {
      return null;
    }
    if (value.isObject()) {
      return JsonText.write(value);
    }
    if (value.isTextual()) {
      return value.textValue().isEmpty() ? null : value.textValue();
    }
    throw new InvalidRequestException(field, "must be a JSON object");
  }

  static boolean isBlankText(JsonNode node) {
    return node.isTextual() && node.textValue().isBlank();
  }

  /** A whole number at least 0, given as a JSON number or a string of decimal digits. */
  static long wholeNumber(JsonNode node, String field) {
    BigInteger value;
    if (node.isIntegralNumber()) {
      value = node.bigIntegerValue();
    } else if (node.isTextual() && node.textValue().matches("[0-9]{1,19}")) {
      value = new BigInteger(node.textValue());
    } else {
      throw new InvalidRequestException(field, "must be a whole number");
    }
    if (value.signum() < 0) {
      throw new InvalidRequestException(field, "must not be negative");
    }
    if (value.bitLength() > 63) {
      throw new InvalidRequestException(field, "is too large");
    }
    return value.longValue();
  }

  /**
   * A JSON number as an exact decimal. The parser reads fractions and exponents as doubles, so a
   * numeral beyond a double's range (such as {@code 11e9990}) arrives as an infinity, which has no
   * decimal value: it is refused here rather than left to throw {@link NumberFormatException}.
   */
  static BigDecimal decimal(JsonNode node, String field) {
    if (!node.isNumber()) {
      throw new InvalidRequestException(field, "must be a number");
    }
    if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
      throw new InvalidRequestException(field, "is too large in magnitude");
    }
    return node.decimalValue();
  }

  /** Epoch seconds that an {@link Instant} can hold, as {@link #wholeNumber} reads them. */
  static Instant epochSecond(JsonNode node, String field) {
    long seconds = wholeNumber(node, field);
    if (seconds > Instant.MAX.getEpochSecond()) {
      throw new InvalidRequestException(field, "is not a representable date");
    }
    return Instant.ofEpochSecond(seconds);
  }

  /** Runs a model call, renaming the field of what it refuses to {@code field}. */
  static <T> T renamed(String field, Supplier<T> call) {
    try {
      return call.get();
    } catch (InvalidRequestException e) {
      throw rename(e, field);
    }
  }

  static InvalidRequestException rename(InvalidRequestException e, String field) {
    if (e.field().equals(field)) {
      return e;
    }
    String message = requireNonNull(e.getMessage(), "message");
    String prefix = e.field() + ": ";
    String reason = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    return new InvalidRequestException(e.code(), field, reason, e);
  }

  /** At most 80 characters of outside text, control characters shown as {@code ?}. */
  static String abbreviate(@Nullable String value) {
    if (value == null) {
      return "";
    }
    String shown = value.length() <= SHOWN_CHARS ? value : value.substring(0, SHOWN_CHARS) + "...";
    StringBuilder safe = new StringBuilder(shown.length());
    for (int i = 0; i < shown.length(); i++) {
      char c = shown.charAt(i);
      safe.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return safe.toString();
  }
}
