package io.c2d.testkit.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.AuthenticationException;
import io.c2d.ErrorCode;
import io.c2d.model.EthAddress;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.spi.auth.ConsumerAuthenticatorProvider;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;
import java.util.ServiceLoader;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

final class Eip191AuthenticatorTest {
  private static final byte[] SOME_DATA = "Some data".getBytes(StandardCharsets.US_ASCII);
  private static final String SOME_DATA_SIGNATURE =
      "0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd"
          + "6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c";

  private final Eip191Authenticator authenticator = Eip191Authenticator.create();

  @Test
  void recoversTheSignerOfTheWeb3JsDocumentationExample() {
    assertThat(authenticator.recoverSigner(SOME_DATA, SOME_DATA_SIGNATURE))
        .isEqualTo(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"));
  }

  @Test
  void acceptsVAsZeroOrOne() {
    String withZeroOrOne = SOME_DATA_SIGNATURE.substring(0, 130) + "01";

    assertThat(authenticator.recoverSigner(SOME_DATA, withZeroOrOne))
        .isEqualTo(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"));
  }

  @Test
  void acceptsUpperCaseHex() {
    String upper = "0x" + SOME_DATA_SIGNATURE.substring(2).toUpperCase(Locale.ROOT);

    assertThat(authenticator.recoverSigner(SOME_DATA, upper))
        .isEqualTo(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"));
  }

  @Test
  void recoversTheSignerOfRandomKeysAndMessages() {
    Random random = new Random(7);
    for (int i = 0; i < 10; i++) {
      EthereumKey key = EthereumKey.random();
      byte[] message = new byte[random.nextInt(300)];
      random.nextBytes(message);

      assertThat(authenticator.recoverSigner(message, key.personalSign(message)))
          .isEqualTo(key.address());
    }
  }

  @Test
  void recoversTheTestKeys() {
    byte[] message = "{\"jobId\":\"1\"}".getBytes(StandardCharsets.UTF_8);
    for (EthereumKey key :
        new EthereumKey[] {EthereumKey.ALICE, EthereumKey.BOB, EthereumKey.CAROL}) {
      assertThat(authenticator.recoverSigner(message, key.personalSign(message)))
          .isEqualTo(key.address());
    }
  }

  @Test
  void acceptsTheHighSTwinOfASignature() {
    byte[] bytes = HexFormat.of().parseHex(SOME_DATA_SIGNATURE.substring(2));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(bytes, 32, 64));
    Secp256k1.copy32(Secp256k1.N.subtract(s), bytes, 32);
    bytes[64] = (byte) (bytes[64] == 27 ? 28 : 27);

    assertThat(authenticator.recoverSigner(SOME_DATA, "0x" + HexFormat.of().formatHex(bytes)))
        .isEqualTo(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"));
  }

  @Test
  void recoversAnotherAddressForATamperedMessage() {
    byte[] message = "pay 1 OCEAN".getBytes(StandardCharsets.US_ASCII);
    String signature = EthereumKey.ALICE.personalSign(message);

    EthAddress recovered =
        authenticator.recoverSigner("pay 9 OCEAN".getBytes(StandardCharsets.US_ASCII), signature);

    assertThat(recovered).isNotEqualTo(EthereumKey.ALICE.address());
  }

  @Test
  void recoversAnotherAddressForATamperedSignature() {
    String signature = EthereumKey.ALICE.personalSign(SOME_DATA);
    char last = signature.charAt(64);
    String tampered =
        signature.substring(0, 64) + (last == '0' ? '1' : '0') + signature.substring(65);

    try {
      assertThat(authenticator.recoverSigner(SOME_DATA, tampered))
          .isNotEqualTo(EthereumKey.ALICE.address());
    } catch (AuthenticationException e) {
      // a tampered r may also not be on the curve at all
      assertThat(e.code()).isEqualTo(ErrorCode.SIGNATURE_INVALID);
    }
  }

  @Test
  void rejectsSignaturesOfTheWrongLength() {
    assertInvalid(SOME_DATA_SIGNATURE.substring(0, 130)).hasMessageContaining("130 hex digits");
    assertInvalid(SOME_DATA_SIGNATURE + "00").hasMessageContaining("130 hex digits");
    assertInvalid("").hasMessageContaining("130 hex digits");
  }

  @Test
  void rejectsSignaturesWithoutPrefix() {
    assertInvalid("00" + SOME_DATA_SIGNATURE.substring(2)).hasMessageContaining("without 0x");
  }

  @Test
  void rejectsNonHexSignatures() {
    assertInvalid(SOME_DATA_SIGNATURE.substring(0, 10) + "zz" + SOME_DATA_SIGNATURE.substring(12))
        .hasMessageContaining("non-hex");
  }

  @Test
  void rejectsBadV() {
    for (String v : new String[] {"02", "1a", "1d", "25", "26", "ff"}) {
      assertInvalid(SOME_DATA_SIGNATURE.substring(0, 130) + v).hasMessageContaining("expected v");
    }
  }

  @Test
  void rejectsRAndSOfZeroOrAtLeastTheGroupOrder() {
    String zero = "00".repeat(32);
    String n = Secp256k1.N.toString(16);
    String r = SOME_DATA_SIGNATURE.substring(2, 66);
    String s = SOME_DATA_SIGNATURE.substring(66, 130);

    assertInvalid("0x" + zero + s + "1c").hasMessageContaining("expected r");
    assertInvalid("0x" + n + s + "1c").hasMessageContaining("expected r");
    assertInvalid("0x" + r + zero + "1c").hasMessageContaining("expected s");
    assertInvalid("0x" + r + "ff".repeat(32) + "1c").hasMessageContaining("expected s");
  }

  @Test
  void rejectsAnRThatIsNotOnTheCurve() {
    String r = "00".repeat(31) + "05";

    assertInvalid("0x" + r + SOME_DATA_SIGNATURE.substring(66))
        .hasMessageContaining("no public key can be recovered");
  }

  @Test
  void isFoundByServiceLoaderUnderTheNameEip191() {
    ConsumerAuthenticatorProvider provider =
        ServiceLoader.load(ConsumerAuthenticatorProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("eip191"))
            .findFirst()
            .orElseThrow();

    ConsumerAuthenticator created = provider.create(ProviderConfig.empty());

    assertThat(provider).isInstanceOf(Eip191AuthenticatorProvider.class);
    assertThat(created.recoverSigner(SOME_DATA, SOME_DATA_SIGNATURE))
        .isEqualTo(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"));
  }

  @Test
  void recoversTheSameSignerOnEveryRepetition() {
    byte[] message = new byte[200];
    String signature = EthereumKey.BOB.personalSign(message);
    for (int i = 0; i < 200; i++) {
      assertThat(authenticator.recoverSigner(message, signature))
          .isEqualTo(EthereumKey.BOB.address());
    }
    int rounds = 300;
    long start = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      authenticator.recoverSigner(message, signature);
    }
    long perRecover = (System.nanoTime() - start) / rounds;
    start = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      EthereumKey.BOB.personalSign(message);
    }
    long perSign = (System.nanoTime() - start) / rounds;
    // Reported, not asserted: timings depend on the machine.
    System.out.printf(
        "Eip191Authenticator: %.3f ms per recover, %.3f ms per personalSign%n",
        perRecover / 1e6, perSign / 1e6);
  }

  private AbstractThrowableAssert<?, ? extends Throwable> assertInvalid(String signature) {
    return assertThatThrownBy(() -> authenticator.recoverSigner(SOME_DATA, signature))
        .isInstanceOfSatisfying(
            AuthenticationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.SIGNATURE_INVALID));
  }
}
