package io.c2d.model;

import io.c2d.InvalidRequestException;

/**
 * An Ocean asset identifier: {@code did:op:} followed by 64 hexadecimal digits (the SHA-256 of the
 * data NFT address and chain id in Ocean v4). Kept in lower case.
 *
 * <p>Immutable and thread-safe.
 *
 * @param value the full DID, such as {@code did:op:0bc2...}
 */
public record Did(String value) {
  /** The method prefix every Ocean DID carries. */
  public static final String PREFIX = "did:op:";

  private static final int HEX_LENGTH = 64;

  /**
   * Validates and normalises the DID.
   *
   * @throws InvalidRequestException ({@code field "did"}) if it is not {@code did:op:} and 64 hex
   *     digits
   */
  public Did {
    value = normalise(value, "did");
  }

  /**
   * Parses a DID, naming {@code field} in the error when it is malformed. A bare 64-digit hex id is
   * accepted and given the {@code did:op:} prefix.
   *
   * @throws InvalidRequestException if it is null or malformed
   */
  public static Did parse(String value, String field) {
    return new Did(normalise(value, field));
  }

  /** Same as {@link #parse(String, String)} with the field {@code "did"}. */
  public static Did of(String value) {
    return parse(value, "did");
  }

  /**
   * The DID without {@code did:op:}, as the algorithm sees it in {@code /data/inputs/<id>} and in
   * {@code DIDS}.
   */
  public String id() {
    return value.substring(PREFIX.length());
  }

  private static String normalise(String value, String field) {
    if (value == null) {
      throw new InvalidRequestException(field, "is missing; expected did:op: and 64 hex digits");
    }
    String lower = Text.toLowerAscii(value);
    String hex = lower.startsWith(PREFIX) ? lower.substring(PREFIX.length()) : lower;
    if (hex.length() != HEX_LENGTH || !Text.isHex(hex, 0)) {
      throw new InvalidRequestException(
          field, "expected did:op: and 64 hex digits but got '" + Text.abbreviate(value) + "'");
    }
    return PREFIX + hex;
  }

  @Override
  public String toString() {
    return value;
  }
}
