package io.c2d.testkit.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class FieldPTest {
  private static final BigInteger P = FieldP.P;

  @Test
  void agreesWithBigIntegerOnRandomAndEdgeValues() {
    List<BigInteger> values = samples();
    for (BigInteger a : values) {
      for (BigInteger b : values) {
        int[] fa = FieldP.of(a);
        int[] fb = FieldP.of(b);
        assertThat(FieldP.toBigInteger(FieldP.add(fa, fb))).isEqualTo(a.add(b).mod(P));
        assertThat(FieldP.toBigInteger(FieldP.sub(fa, fb))).isEqualTo(a.subtract(b).mod(P));
        assertThat(FieldP.toBigInteger(FieldP.mul(fa, fb)))
            .as("%s * %s", a.toString(16), b.toString(16))
            .isEqualTo(a.multiply(b).mod(P));
      }
    }
  }

  @Test
  void invertsEveryNonZeroValue() {
    for (BigInteger a : samples()) {
      if (a.signum() != 0) {
        assertThat(FieldP.toBigInteger(FieldP.invert(FieldP.of(a)))).isEqualTo(a.modInverse(P));
      }
    }
  }

  @Test
  void findsSquareRootsOfSquares() {
    for (BigInteger a : samples()) {
      int[] square = FieldP.sqr(FieldP.of(a));
      int[] root = FieldP.sqrtCandidate(square);
      assertThat(FieldP.equal(FieldP.sqr(root), square)).isTrue();
    }
  }

  @Test
  void negatesZeroToZero() {
    assertThat(FieldP.isZero(FieldP.negate(FieldP.ZERO))).isTrue();
    assertThat(FieldP.toBigInteger(FieldP.negate(FieldP.ONE)))
        .isEqualTo(P.subtract(BigInteger.ONE));
  }

  @Test
  void rejectsValuesOutsideTheField() {
    assertThatThrownBy(() -> FieldP.of(P)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FieldP.of(BigInteger.ONE.negate()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static List<BigInteger> samples() {
    List<BigInteger> values = new ArrayList<>();
    for (long small : new long[] {0, 1, 2, 3, 977, 0x1000003D1L, 0xFFFFFFFFL, 0x100000000L}) {
      values.add(BigInteger.valueOf(small));
      values.add(P.subtract(BigInteger.valueOf(small + 1)));
    }
    values.add(BigInteger.ONE.shiftLeft(255));
    values.add(BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE).shiftRight(1));
    values.add(BigInteger.ONE.shiftLeft(224).subtract(BigInteger.ONE));
    Random random = new Random(1);
    for (int i = 0; i < 40; i++) {
      values.add(new BigInteger(256, random).mod(P));
    }
    return values;
  }
}
