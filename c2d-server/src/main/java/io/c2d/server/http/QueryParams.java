package io.c2d.server.http;

import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A request's query parameters, decoded once and read through typed getters whose errors name the
 * parameter. A parameter given twice is refused rather than guessed at. Not thread-safe.
 */
final class QueryParams {
  static final int MAX_QUERY_CHARS = 8192;
  private static final int MAX_VALUE_CHARS = 1024;

  private final Map<String, String> values;

  private QueryParams(Map<String, String> values) {
    this.values = values;
  }

  static QueryParams parse(String rawQuery) {
    if (rawQuery.length() > MAX_QUERY_CHARS) {
      throw new InvalidRequestException(
          "query", "is longer than " + MAX_QUERY_CHARS + " characters");
    }
    Map<String, String> values = new LinkedHashMap<>();
    if (rawQuery.isEmpty()) {
      return new QueryParams(values);
    }
    for (String pair : rawQuery.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals), "query");
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1), name);
      if (value.length() > MAX_VALUE_CHARS) {
        throw new InvalidRequestException(
            name, "is longer than " + MAX_VALUE_CHARS + " characters");
      }
      if (values.putIfAbsent(name, value) != null) {
        throw new InvalidRequestException(name, "is given more than once");
      }
    }
    return new QueryParams(values);
  }

  private static String decode(String text, String field) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(
          ErrorCode.INVALID_REQUEST, field, "is not valid URL encoding", e);
    }
  }

  /** The parameter's value; an empty value counts as absent. */
  Optional<String> optional(String name) {
    @Nullable String value = values.get(name);
    return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  String required(String name) {
    return optional(name)
        .orElseThrow(() -> new InvalidRequestException(name, "is a required query parameter"));
  }

  EthAddress address(String name) {
    return EthAddress.parse(required(name), name);
  }

  JobId jobId(String name) {
    String value = required(name);
    try {
      return JobId.of(value);
    } catch (InvalidRequestException e) {
      String message = String.valueOf(e.getMessage());
      String reason =
          message.startsWith(e.field() + ": ")
              ? message.substring(e.field().length() + 2)
              : message;
      throw new InvalidRequestException(ErrorCode.INVALID_REQUEST, name, reason, e);
    }
  }

  /** A whole number from 0 to {@link Integer#MAX_VALUE}. */
  int index(String name) {
    String value = required(name);
    if (value.length() > 9 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new InvalidRequestException(
          name, "expected a whole number from 0 but got '" + abbreviate(value) + "'");
    }
    return Integer.parseInt(value);
  }

  static String abbreviate(String value) {
    return value.length() <= 40 ? value : value.substring(0, 40) + "…";
  }
}
