package io.c2d.model;

import static java.util.Objects.requireNonNull;

import io.c2d.InvalidRequestException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A SHA-256 digest, such as the checksum a publisher declares for a dataset file ({@link
 * FileLocator#withSha256(Sha256)}). Kept as 32 bytes; written as 64 lower-case hex digits.
 *
 * <p>Immutable and thread-safe. Factories refuse malformed input with an {@link
 * InvalidRequestException} naming the field {@code "sha256"} (or the one given).
 */
public final class Sha256 {
  private static final MessageDigest PROTOTYPE = create();
  private static final int BYTES = 32;
  private static final String PREFIX = "sha256:";

  private final byte[] digest;

  private Sha256(byte[] digest) {
    this.digest = digest;
  }

  /**
   * Parses 64 hex digits, in either case, optionally prefixed with {@code sha256:}.
   *
   * @throws InvalidRequestException ({@code "sha256"}) if it is not 64 hex digits
   */
  public static Sha256 of(String hex) {
    return parse(hex, "sha256");
  }

  /**
   * Same as {@link #of(String)}, naming {@code field} in the error.
   *
   * @throws InvalidRequestException if it is null or not 64 hex digits
   */
  public static Sha256 parse(String hex, String field) {
    requireNonNull(field, "field");
    if (hex == null) {
      throw new InvalidRequestException(field, "is missing; expected 64 hex digits");
    }
    String digits = Text.toLowerAscii(hex);
    if (digits.startsWith(PREFIX)) {
      digits = digits.substring(PREFIX.length());
    }
    if (digits.length() != 2 * BYTES || !Text.isHex(digits, 0)) {
      throw new InvalidRequestException(
          field, "expected 64 hex digits but got '" + Text.abbreviate(hex) + "'");
    }
    return new Sha256(HexFormat.of().parseHex(digits));
  }

  /**
   * The digest whose 32 bytes are {@code digest}, such as {@link MessageDigest#digest()} gives.
   *
   * @throws IllegalArgumentException if it is not 32 bytes long
   */
  public static Sha256 ofDigest(byte[] digest) {
    requireNonNull(digest, "digest");
    if (digest.length != BYTES) {
      throw new IllegalArgumentException("a SHA-256 digest is 32 bytes, not " + digest.length);
    }
    return new Sha256(digest.clone());
  }

  /** The 64 lower-case hex digits. */
  public String hex() {
    return HexFormat.of().formatHex(digest);
  }

  /** Whether {@code digest} (32 bytes) is this digest; compared in constant time. */
  public boolean matches(byte[] digest) {
    return MessageDigest.isEqual(this.digest, requireNonNull(digest, "digest"));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Sha256 that && Arrays.equals(digest, that.digest);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(digest);
  }

  /** {@code sha256:} and the hex digits. */
  @Override
  public String toString() {
    return PREFIX + hex();
  }

  /** A fresh SHA-256 digest, without the provider look-up of {@code getInstance} each time. */
  static MessageDigest newDigest() {
    try {
      return (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return create();
    }
  }

  private static MessageDigest create() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** An output stream that only feeds {@code digest}. */
  static OutputStream into(MessageDigest digest) {
    return new OutputStream() {
      @Override
      public void write(int b) {
        digest.update((byte) b);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) {
        digest.update(bytes, offset, length);
      }
    };
  }
}
