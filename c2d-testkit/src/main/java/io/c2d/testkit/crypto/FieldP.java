package io.c2d.testkit.crypto;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * Arithmetic modulo the secp256k1 field prime {@code p = 2²⁵⁶ − 0x1000003D1}, on elements held as
 * eight 32-bit limbs, least significant first, always fully reduced to {@code [0, p)}.
 *
 * <p>It exists because {@link BigInteger} allocates several objects per modular multiplication and
 * is about ten times slower for 256-bit operands. Reduction uses {@code 2²⁵⁶ ≡ 0x1000003D1 (mod
 * p)}: the high half of a product is multiplied by {@code 977 + 2³²} and added to the low half,
 * twice, followed by at most one subtraction of {@code p}.
 *
 * <p>Stateless and thread-safe; every method returns a new array and leaves its arguments alone.
 * Not constant-time.
 */
final class FieldP {
  static final BigInteger P =
      new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F", 16);

  static final int[] ZERO = new int[8];
  static final int[] ONE = {1, 0, 0, 0, 0, 0, 0, 0};

  private static final long MASK = 0xFFFFFFFFL;
  private static final int[] P_LIMBS = {0xFFFFFC2F, 0xFFFFFFFE, -1, -1, -1, -1, -1, -1};
  private static final BigInteger INVERSE_EXPONENT = P.subtract(BigInteger.TWO);
  private static final BigInteger SQRT_EXPONENT = P.add(BigInteger.ONE).shiftRight(2);

  private FieldP() {}

  /** The element {@code value}, which must be in {@code [0, p)}. */
  static int[] of(BigInteger value) {
    if (value.signum() < 0 || value.compareTo(P) >= 0) {
      throw new IllegalArgumentException("not a field element");
    }
    int[] out = new int[8];
    for (int i = 0; i < 8; i++) {
      out[i] = value.shiftRight(32 * i).intValue();
    }
    return out;
  }

  static BigInteger toBigInteger(int[] a) {
    byte[] bytes = new byte[32];
    for (int i = 0; i < 8; i++) {
      int limb = a[7 - i];
      bytes[4 * i] = (byte) (limb >>> 24);
      bytes[4 * i + 1] = (byte) (limb >>> 16);
      bytes[4 * i + 2] = (byte) (limb >>> 8);
      bytes[4 * i + 3] = (byte) limb;
    }
    return new BigInteger(1, bytes);
  }

  static boolean isZero(int[] a) {
    int bits = 0;
    for (int limb : a) {
      bits |= limb;
    }
    return bits == 0;
  }

  static boolean isOdd(int[] a) {
    return (a[0] & 1) != 0;
  }

  static boolean equal(int[] a, int[] b) {
    return Arrays.equals(a, b);
  }

  static int[] add(int[] a, int[] b) {
    int[] r = new int[8];
    long carry = 0;
    for (int i = 0; i < 8; i++) {
      long v = (a[i] & MASK) + (b[i] & MASK) + carry;
      r[i] = (int) v;
      carry = v >>> 32;
    }
    // a + b < 2p: subtract p once if the sum reached 2²⁵⁶ or is still at least p.
    if (carry != 0 || !lessThanP(r)) {
      subtractP(r);
    }
    return r;
  }

  static int[] sub(int[] a, int[] b) {
    int[] r = new int[8];
    long borrow = 0;
    for (int i = 0; i < 8; i++) {
      long v = (a[i] & MASK) - (b[i] & MASK) - borrow;
      r[i] = (int) v;
      borrow = v >>> 63;
    }
    if (borrow != 0) {
      long carry = 0;
      for (int i = 0; i < 8; i++) {
        long v = (r[i] & MASK) + (P_LIMBS[i] & MASK) + carry;
        r[i] = (int) v;
        carry = v >>> 32;
      }
    }
    return r;
  }

  static int[] negate(int[] a) {
    return isZero(a) ? a : sub(ZERO, a);
  }

  static int[] mul(int[] a, int[] b) {
    long[] t = new long[16];
    for (int i = 0; i < 8; i++) {
      long ai = a[i] & MASK;
      long carry = 0;
      for (int j = 0; j < 8; j++) {
        // At most (2³² − 1)² + 2(2³² − 1) = 2⁶⁴ − 1: exact as an unsigned 64-bit value.
        long v = ai * (b[j] & MASK) + t[i + j] + carry;
        t[i + j] = v & MASK;
        carry = v >>> 32;
      }
      t[i + 8] = carry;
    }
    return reduce(t);
  }

  static int[] sqr(int[] a) {
    return mul(a, a);
  }

  /** {@code a^(p − 2) = a⁻¹}; the inverse of zero is zero. */
  static int[] invert(int[] a) {
    return pow(a, INVERSE_EXPONENT);
  }

  /** {@code a^((p + 1) / 4)}, the square root of {@code a} if it has one (p ≡ 3 mod 4). */
  static int[] sqrtCandidate(int[] a) {
    return pow(a, SQRT_EXPONENT);
  }

  private static int[] pow(int[] base, BigInteger exponent) {
    int[] result = ONE;
    for (int bit = exponent.bitLength() - 1; bit >= 0; bit--) {
      result = sqr(result);
      if (exponent.testBit(bit)) {
        result = mul(result, base);
      }
    }
    return result;
  }

  /** Reduces a 512-bit value given as sixteen 32-bit limbs (in longs). */
  private static int[] reduce(long[] t) {
    int[] r = new int[8];
    // First fold: lo + hi·977 + hi·2³², leaving a 289-bit value (limbs 0–7 plus top).
    long carry = 0;
    for (int i = 0; i < 8; i++) {
      long v = t[i] + t[8 + i] * 977 + (i > 0 ? t[7 + i] : 0) + carry;
      r[i] = (int) v;
      carry = v >>> 32;
    }
    long top = carry + t[15];
    // Second fold: top·977 + top·2³², which fits; it can carry into bit 256 at most once more.
    long v = (r[0] & MASK) + top * 977;
    r[0] = (int) v;
    carry = v >>> 32;
    v = (r[1] & MASK) + top + carry;
    r[1] = (int) v;
    carry = v >>> 32;
    for (int i = 2; i < 8 && carry != 0; i++) {
      v = (r[i] & MASK) + carry;
      r[i] = (int) v;
      carry = v >>> 32;
    }
    if (carry != 0 || !lessThanP(r)) {
      subtractP(r);
    }
    return r;
  }

  private static boolean lessThanP(int[] r) {
    for (int i = 7; i >= 0; i--) {
      int cmp = Integer.compareUnsigned(r[i], P_LIMBS[i]);
      if (cmp != 0) {
        return cmp < 0;
      }
    }
    return false;
  }

  /**
   * {@code r − p mod 2²⁵⁶}, in place: the same as adding {@code 0x1000003D1} and dropping bit 256.
   */
  private static void subtractP(int[] r) {
    long v = (r[0] & MASK) + 0x3D1;
    r[0] = (int) v;
    long carry = v >>> 32;
    v = (r[1] & MASK) + 1 + carry;
    r[1] = (int) v;
    carry = v >>> 32;
    for (int i = 2; i < 8 && carry != 0; i++) {
      v = (r[i] & MASK) + carry;
      r[i] = (int) v;
      carry = v >>> 32;
    }
  }
}
