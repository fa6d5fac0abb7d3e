package io.c2d.spi;

import static java.util.Objects.requireNonNull;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The configuration a provider creates its service from: the string properties of the engine
 * ({@code c2d.*}), seen through typed getters that fail with a {@link ConfigurationException}
 * naming the property when a value is malformed.
 *
 * <p>Keys are full property names, such as {@code c2d.docker.host}; {@link #scoped(String)} gives
 * the view below one prefix. Durations accept ISO-8601 ({@code PT30S}) or a number with a unit
 * suffix ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}).
 *
 * <p>Immutable and thread-safe.
 */
public final class ProviderConfig {
  private final Map<String, String> properties;
  private final String prefix;

  private ProviderConfig(Map<String, String> properties, String prefix) {
    this.properties = properties;
    this.prefix = prefix;
  }

  /** A configuration of {@code properties}, copied. */
  public static ProviderConfig of(Map<String, String> properties) {
    requireNonNull(properties, "properties");
    return new ProviderConfig(Map.copyOf(new TreeMap<>(properties)), "");
  }

  /** A configuration with no properties. */
  public static ProviderConfig empty() {
    return of(Map.of());
  }

  /**
   * The view below {@code prefix}: {@code scoped("c2d.docker.").string("host")} reads {@code
   * c2d.docker.host}.
   */
  public ProviderConfig scoped(String prefix) {
    requireNonNull(prefix, "prefix");
    return new ProviderConfig(properties, this.prefix + prefix);
  }

  /** The value of {@code key}, if it is set and not blank. */
  public Optional<String> string(String key) {
    String value = properties.get(prefix + key);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  /** The value of {@code key}, or {@code defaultValue}. */
  public String string(String key, String defaultValue) {
    return string(key).orElse(defaultValue);
  }

  /**
   * The value of {@code key}.
   *
   * @throws ConfigurationException if it is not set
   */
  public String requireString(String key) {
    return string(key)
        .orElseThrow(
            () ->
                new ConfigurationException(
                    ErrorCode.CONFIGURATION_INVALID,
                    "property " + prefix + key + " is required but not set"));
  }

  /**
   * The value of {@code key} as a long, or {@code defaultValue} when unset.
   *
   * @throws ConfigurationException if it is set but not an integer
   */
  public long longValue(String key, long defaultValue) {
    Optional<String> value = string(key);
    if (value.isEmpty()) {
      return defaultValue;
    }
    try {
      return Long.parseLong(value.get());
    } catch (NumberFormatException e) {
      throw malformed(key, value.get(), "an integer", e);
    }
  }

  /**
   * The value of {@code key} as a boolean ({@code true} or {@code false}), or {@code defaultValue}.
   *
   * @throws ConfigurationException if it is set to anything else
   */
  public boolean booleanValue(String key, boolean defaultValue) {
    Optional<String> value = string(key);
    if (value.isEmpty()) {
      return defaultValue;
    }
    if (value.get().equalsIgnoreCase("true")) {
      return true;
    }
    if (value.get().equalsIgnoreCase("false")) {
      return false;
    }
    throw malformed(key, value.get(), "true or false", null);
  }

  /**
   * The value of {@code key} as a duration, or {@code defaultValue}.
   *
   * @throws ConfigurationException if it is set but not a duration
   */
  public Duration duration(String key, Duration defaultValue) {
    Optional<String> value = string(key);
    return value.isEmpty() ? defaultValue : parseDuration(key, value.get());
  }

  /** Every property of this view, keys relative to its prefix; unmodifiable. */
  public Map<String, String> asMap() {
    Map<String, String> view = new TreeMap<>();
    properties.forEach(
        (key, value) -> {
          if (key.startsWith(prefix)) {
            view.put(key.substring(prefix.length()), value);
          }
        });
    return Map.copyOf(view);
  }

  private Duration parseDuration(String key, String text) {
    try {
      if (text.startsWith("P") || text.startsWith("p")) {
        return Duration.parse(text);
      }
      int unitStart = 0;
      while (unitStart < text.length() && Character.isDigit(text.charAt(unitStart))) {
        unitStart++;
      }
      long amount = Long.parseLong(text.substring(0, unitStart));
      return switch (text.substring(unitStart).trim()) {
        case "ms" -> Duration.ofMillis(amount);
        case "s", "" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> throw malformed(key, text, "a duration such as 30s, 5m or PT30S", null);
      };
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      // ArithmeticException: a number of minutes or hours past Duration's range, such as
      // 999999999999999999m
      throw malformed(key, text, "a duration such as 30s, 5m or PT30S", e);
    }
  }

  private ConfigurationException malformed(
      String key, String value, String expected, @Nullable Throwable cause) {
    return new ConfigurationException(
        ErrorCode.CONFIGURATION_INVALID,
        "property " + prefix + key + " must be " + expected + " but is '" + value + "'",
        cause);
  }

  @Override
  public String toString() {
    return "ProviderConfig" + asMap().keySet();
  }
}
