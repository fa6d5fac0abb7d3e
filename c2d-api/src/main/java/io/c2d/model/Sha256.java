package io.c2d.model;

import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 digests without the provider look-up of {@code MessageDigest.getInstance} each time. */
final class Sha256 {
  private static final MessageDigest PROTOTYPE = create();

  private Sha256() {}

  /** A fresh SHA-256 digest. */
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
