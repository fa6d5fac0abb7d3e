package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import org.web3j.crypto.Credentials;

/** Turns a configured private key into web3j credentials without ever echoing the key. */
final class PrivateKeys {
  private PrivateKeys() {}

  /**
   * The credentials of {@code privateKey}, 64 hex digits with or without 0x.
   *
   * @throws IllegalArgumentException if it is not that; the message does not repeat the value
   */
  static Credentials credentialsOf(String privateKey) {
    requireNonNull(privateKey, "privateKey");
    String hex = privateKey.startsWith("0x") ? privateKey.substring(2) : privateKey;
    if (hex.length() != 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw new IllegalArgumentException(
          "the private key must be 0x and 64 hex digits (the value is not repeated here)");
    }
    return Credentials.create("0x" + hex);
  }
}
