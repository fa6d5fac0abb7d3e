package io.c2d.testkit.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class Secp256k1Test {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void derivesTheGeneratorAsThePublicKeyOfOne() {
    assertThat(HEX.formatHex(Secp256k1.publicKey(BigInteger.ONE)))
        .isEqualTo(
            "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
                + "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
  }

  @Test
  void derivesTheKnownPublicKeyOfTwo() {
    assertThat(HEX.formatHex(Secp256k1.publicKey(BigInteger.TWO)))
        .isEqualTo(
            "c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
                + "1ae168fea63dc339a3c58419466ceaeef7f632653266d0e1236431a950cfe52a");
  }

  @Test
  void signsWithTheRfc6979NonceOfTheBitcoinCommunityVectors() throws Exception {
    byte[] hash =
        MessageDigest.getInstance("SHA-256")
            .digest("Satoshi Nakamoto".getBytes(StandardCharsets.US_ASCII));

    Secp256k1.Signature one = Secp256k1.sign(hash, BigInteger.ONE);
    Secp256k1.Signature nMinusOne = Secp256k1.sign(hash, Secp256k1.N.subtract(BigInteger.ONE));

    assertThat(one.r().toString(16))
        .isEqualTo("934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8");
    assertThat(one.s().toString(16))
        .isEqualTo("2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5");
    assertThat(nMinusOne.r().toString(16))
        .isEqualTo("fd567d121db66e382991534ada77a6bd3106f0a1098c231e47993447cd6af2d0");
    assertThat(nMinusOne.s().toString(16))
        .isEqualTo("6b39cd0eb1bc8603e159ef5c20a5c8ad685a45b06ce9bebed3f153d10d93bed5");
  }

  @Test
  void recoversThePublicKeyOfRandomSignatures() {
    Random random = new Random(42);
    for (int i = 0; i < 20; i++) {
      BigInteger key =
          new BigInteger(256, random).mod(Secp256k1.N.subtract(BigInteger.ONE)).add(BigInteger.ONE);
      byte[] hash = new byte[32];
      random.nextBytes(hash);

      Secp256k1.Signature signature = Secp256k1.sign(hash, key);

      assertThat(signature.s()).isLessThanOrEqualTo(Secp256k1.HALF_N);
      assertThat(Secp256k1.recoverPublicKey(hash, signature.r(), signature.s(), signature.recId()))
          .isEqualTo(Secp256k1.publicKey(key));
    }
  }

  @Test
  void recoversTheSameKeyFromTheHighSTwinOfASignature() {
    byte[] hash = Keccak256.digest(new byte[] {1, 2, 3});
    BigInteger key = BigInteger.valueOf(123456789);
    Secp256k1.Signature signature = Secp256k1.sign(hash, key);

    byte[] recovered =
        Secp256k1.recoverPublicKey(
            hash, signature.r(), Secp256k1.N.subtract(signature.s()), signature.recId() ^ 1);

    assertThat(recovered).isEqualTo(Secp256k1.publicKey(key));
  }

  @Test
  void recoversAnotherKeyWithTheOtherRecoveryId() {
    byte[] hash = Keccak256.digest(new byte[] {4, 5, 6});
    BigInteger key = BigInteger.valueOf(987654321);
    Secp256k1.Signature signature = Secp256k1.sign(hash, key);

    byte[] recovered =
        Secp256k1.recoverPublicKey(hash, signature.r(), signature.s(), signature.recId() ^ 1);

    assertThat(recovered).isNotEqualTo(Secp256k1.publicKey(key));
  }

  @Test
  void signsDeterministically() {
    byte[] hash = Keccak256.digest(new byte[] {7});
    assertThat(Secp256k1.sign(hash, BigInteger.TEN))
        .isEqualTo(Secp256k1.sign(hash, BigInteger.TEN));
  }

  @Test
  void rejectsOutOfRangeInputs() {
    byte[] hash = new byte[32];
    assertThatThrownBy(() -> Secp256k1.publicKey(BigInteger.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Secp256k1.publicKey(Secp256k1.N))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Secp256k1.sign(new byte[31], BigInteger.ONE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Secp256k1.recoverPublicKey(hash, BigInteger.ZERO, BigInteger.ONE, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Secp256k1.recoverPublicKey(hash, BigInteger.ONE, Secp256k1.N, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Secp256k1.recoverPublicKey(hash, BigInteger.ONE, BigInteger.ONE, 4))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsAnRThatIsNotTheXCoordinateOfACurvePoint() {
    // x = 5: 5³ + 7 = 132 is not a square modulo p.
    assertThatThrownBy(
            () ->
                Secp256k1.recoverPublicKey(new byte[32], BigInteger.valueOf(5), BigInteger.ONE, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("curve point");
  }

  @Test
  void rejectsRecoveryIdsThatWouldPutRPlusNOutsideTheField() {
    assertThatThrownBy(
            () -> Secp256k1.recoverPublicKey(new byte[32], Secp256k1.HALF_N, BigInteger.ONE, 2))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
