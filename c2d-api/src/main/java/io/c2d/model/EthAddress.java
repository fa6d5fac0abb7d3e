package io.c2d.model;

import io.c2d.InvalidRequestException;

/**
 * An Ethereum account address: {@code 0x} followed by 40 hexadecimal digits. It is kept in lower
 * case, so two addresses that differ only in case (EIP-55 checksum or not) are equal.
 *
 * <p>Immutable and thread-safe.
 *
 * @param value the address, {@code 0x} and 40 lower-case hexadecimal digits
 */
public record EthAddress(String value) {

  /**
   * Validates and normalises the address.
   *
   * @throws InvalidRequestException ({@code field "address"}) if it is not {@code 0x} and 40 hex
   *     digits
   */
  public EthAddress {
    value = normalise(value, "address");
  }

  /**
   * Parses an address, naming {@code field} in the error when it is malformed.
   *
   * @throws InvalidRequestException if {@code value} is null or not {@code 0x} and 40 hex digits
   */
  public static EthAddress parse(String value, String field) {
    return new EthAddress(normalise(value, field));
  }

  /** Same as {@link #parse(String, String)} with the field {@code "address"}. */
  public static EthAddress of(String value) {
    return parse(value, "address");
  }

  private static String normalise(String value, String field) {
    if (value == null) {
      throw new InvalidRequestException(field, "is missing; expected 0x and 40 hex digits");
    }
    if (value.length() != 42 || !(value.startsWith("0x") || value.startsWith("0X"))) {
      throw new InvalidRequestException(
          field, "expected 0x and 40 hex digits but got '" + Text.abbreviate(value) + "'");
    }
    for (int i = 2; i < 42; i++) {
      if (Character.digit(value.charAt(i), 16) < 0) {
        throw new InvalidRequestException(
            field, "expected 0x and 40 hex digits but got '" + Text.abbreviate(value) + "'");
      }
    }
    return "0x" + Text.toLowerAscii(value.substring(2));
  }

  @Override
  public String toString() {
    return value;
  }
}
