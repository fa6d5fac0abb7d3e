package io.c2d.model;

import io.c2d.InvalidRequestException;

/** Checks of 32-byte hashes in hex: transaction hashes and Keeper agreement ids. */
final class TxHash {
  private TxHash() {}

  static String check(String value, String field) {
    if (value == null) {
      throw new InvalidRequestException(field, "is missing");
    }
    String lower = Text.toLowerAscii(value);
    String hex = lower.startsWith("0x") ? lower.substring(2) : lower;
    if (hex.length() != 64 || !Text.isHex(hex, 0)) {
      throw new InvalidRequestException(
          field, "expected 0x and 64 hex digits but got '" + Text.abbreviate(value) + "'");
    }
    return "0x" + hex;
  }
}
