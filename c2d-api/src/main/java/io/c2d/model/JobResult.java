package io.c2d.model;

import static java.util.Objects.requireNonNull;

import io.c2d.InvalidRequestException;

/**
 * One result of a finished job: an output file or a log, as listed to its owner.
 *
 * <p>Names are safe relative paths inside the job's result area: never absolute, never with a
 * {@code ..} segment, a backslash or a control character ({@link #checkName}). Immutable and
 * thread-safe.
 *
 * @param name the path relative to the result area, such as {@code "result.csv"} or {@code
 *     "plots/a.png"}; logs are {@code algorithm.log}, {@code configuration.log} and {@code
 *     publish.log}
 * @param kind what it is
 * @param size its size in bytes, at least 0
 * @param index its position in the job's result list, from 0; Ocean clients fetch results by it
 */
public record JobResult(String name, ResultKind kind, long size, int index) {
  private static final int MAX_NAME = 255;

  /** Validates the result. */
  public JobResult {
    name = checkName(name);
    requireNonNull(kind, "kind");
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0 but was " + size);
    }
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0 but was " + index);
    }
  }

  /**
   * Returns {@code name} if it is a safe relative path inside a result area, else throws.
   *
   * @throws InvalidRequestException ({@code field "result.name"}) if it is empty, too long,
   *     absolute, or has a {@code ..} or empty segment, a backslash, a colon or a control character
   */
  public static String checkName(String name) {
    if (name == null || name.isEmpty()) {
      throw new InvalidRequestException("result.name", "is missing");
    }
    if (name.length() > MAX_NAME) {
      throw new InvalidRequestException("result.name", "is longer than " + MAX_NAME);
    }
    if (name.startsWith("/")) {
      throw new InvalidRequestException("result.name", "must be relative: '" + show(name) + "'");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\' || c == ':') {
        throw new InvalidRequestException(
            "result.name", "has a forbidden character: '" + show(name) + "'");
      }
    }
    for (String segment : name.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new InvalidRequestException(
            "result.name", "must not leave the result area: '" + show(name) + "'");
      }
    }
    return name;
  }

  private static String show(String name) {
    return Text.abbreviate(name);
  }
}
