package io.c2d.testkit.crypto;

/**
 * The original Keccak-256 that Ethereum uses: Keccak-f[1600] with a rate of 136 bytes and the
 * domain padding byte {@code 0x01}. It differs from the standardised SHA3-256, which pads with
 * {@code 0x06}, and so gives different digests.
 *
 * <p>Stateless and thread-safe.
 */
final class Keccak256 {
  static final int DIGEST_LENGTH = 32;

  /** Domain padding of the original Keccak submission, used by Ethereum. */
  static final byte KECCAK_PADDING = 0x01;

  /** Domain padding of FIPS 202 SHA3-256; only used to test the permutation against the JDK. */
  static final byte SHA3_PADDING = 0x06;

  private static final int RATE = 136;

  private static final long[] ROUND_CONSTANTS = {
    0x0000000000000001L, 0x0000000000008082L, 0x800000000000808AL, 0x8000000080008000L,
    0x000000000000808BL, 0x0000000080000001L, 0x8000000080008081L, 0x8000000000008009L,
    0x000000000000008AL, 0x0000000000000088L, 0x0000000080008009L, 0x000000008000000AL,
    0x000000008000808BL, 0x800000000000008BL, 0x8000000000008089L, 0x8000000000008003L,
    0x8000000000008002L, 0x8000000000000080L, 0x000000000000800AL, 0x800000008000000AL,
    0x8000000080008081L, 0x8000000000008080L, 0x0000000080000001L, 0x8000000080008008L
  };

  // Rotation offsets r[x + 5y] of the rho step.
  private static final int[] ROTATIONS = {
    0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14
  };

  private Keccak256() {}

  /** Returns the 32-byte Keccak-256 digest of {@code input}. */
  static byte[] digest(byte[] input) {
    return digest(input, KECCAK_PADDING);
  }

  /** Returns the digest of the concatenation of {@code first} and {@code second}. */
  static byte[] digest(byte[] first, byte[] second) {
    byte[] joined = new byte[first.length + second.length];
    System.arraycopy(first, 0, joined, 0, first.length);
    System.arraycopy(second, 0, joined, first.length, second.length);
    return digest(joined);
  }

  /** The sponge with a chosen domain padding byte, so tests can compare against SHA3-256. */
  static byte[] digest(byte[] input, byte domainPadding) {
    long[] state = new long[25];
    int offset = 0;
    while (input.length - offset >= RATE) {
      absorb(state, input, offset, RATE);
      permute(state);
      offset += RATE;
    }
    byte[] last = new byte[RATE];
    int remaining = input.length - offset;
    System.arraycopy(input, offset, last, 0, remaining);
    last[remaining] = domainPadding;
    last[RATE - 1] = (byte) (last[RATE - 1] | 0x80);
    absorb(state, last, 0, RATE);
    permute(state);

    byte[] out = new byte[DIGEST_LENGTH];
    for (int i = 0; i < DIGEST_LENGTH; i++) {
      out[i] = (byte) (state[i >>> 3] >>> (8 * (i & 7)));
    }
    return out;
  }

  private static void absorb(long[] state, byte[] data, int offset, int length) {
    for (int i = 0; i < length / 8; i++) {
      long lane = 0;
      for (int b = 7; b >= 0; b--) {
        lane = (lane << 8) | (data[offset + 8 * i + b] & 0xFFL);
      }
      state[i] ^= lane;
    }
  }

  private static void permute(long[] a) {
    long[] c = new long[5];
    long[] b = new long[25];
    for (long roundConstant : ROUND_CONSTANTS) {
      // theta
      for (int x = 0; x < 5; x++) {
        c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
      }
      for (int x = 0; x < 5; x++) {
        long d = c[(x + 4) % 5] ^ Long.rotateLeft(c[(x + 1) % 5], 1);
        for (int y = 0; y < 25; y += 5) {
          a[x + y] ^= d;
        }
      }
      // rho and pi: B[y, 2x + 3y] = rot(A[x, y], r[x, y])
      for (int x = 0; x < 5; x++) {
        for (int y = 0; y < 5; y++) {
          b[y + 5 * ((2 * x + 3 * y) % 5)] = Long.rotateLeft(a[x + 5 * y], ROTATIONS[x + 5 * y]);
        }
      }
      // chi
      for (int y = 0; y < 25; y += 5) {
        for (int x = 0; x < 5; x++) {
          a[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y]);
        }
      }
      // iota
      a[0] ^= roundConstant;
    }
  }
}
