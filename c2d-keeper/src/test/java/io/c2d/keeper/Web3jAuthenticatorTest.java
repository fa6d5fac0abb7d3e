package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.AuthenticationException;
import io.c2d.ErrorCode;
import io.c2d.model.EthAddress;
import io.c2d.testkit.EthereumKey;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

final class Web3jAuthenticatorTest {
  private static final ECKeyPair KEY =
      ECKeyPair.create(
          new BigInteger("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", 16));
  private static final EthAddress ADDRESS =
      EthAddress.of("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

  // web3.eth.accounts.sign("Some data", key) from the web3.js documentation, and its signer
  private static final byte[] SOME_DATA = "Some data".getBytes(StandardCharsets.US_ASCII);
  private static final String SOME_DATA_SIGNATURE =
      "0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd"
          + "6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c";
  private static final EthAddress SOME_DATA_SIGNER =
      EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
  private static final BigInteger N =
      new BigInteger("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16);

  private final Web3jAuthenticator authenticator = Web3jAuthenticator.create();

  @Test
  void recoversTheAddressThatSignedWithPersonalSign() {
    byte[] message = "c2d signed request".getBytes(StandardCharsets.UTF_8);

    EthAddress signer = authenticator.recoverSigner(message, sign(message));

    assertThat(signer).isEqualTo(ADDRESS);
    assertThat("0x" + Keys.getAddress(KEY)).isEqualTo(ADDRESS.value());
  }

  @Test
  void acceptsRecoveryIdsZeroAndOne() {
    byte[] message = "nonce 7".getBytes(StandardCharsets.UTF_8);
    String signature = sign(message);
    int v = Integer.parseInt(signature.substring(130), 16);
    String lowV = signature.substring(0, 130) + String.format("%02x", v - 27);

    assertThat(authenticator.recoverSigner(message, lowV)).isEqualTo(ADDRESS);
  }

  @Test
  void anotherMessageRecoversAnotherAddress() {
    String signature = sign("pay 1".getBytes(StandardCharsets.UTF_8));

    EthAddress signer =
        authenticator.recoverSigner("pay 2".getBytes(StandardCharsets.UTF_8), signature);

    assertThat(signer).isNotEqualTo(ADDRESS);
  }

  @Test
  void refusesMalformedSignatures() {
    byte[] message = {1, 2, 3};
    String good = sign(message);
    for (String bad :
        new String[] {
          "",
          "0x",
          good.substring(0, 130),
          good + "00",
          "0x" + "zz".repeat(65),
          good.substring(0, 130) + "1d"
        }) {
      assertThatThrownBy(() -> authenticator.recoverSigner(message, bad))
          .as("signature %s", bad)
          .isInstanceOfSatisfying(
              AuthenticationException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.SIGNATURE_INVALID));
    }
  }

  @Test
  void refusesASignatureWithANonHexCharacterInsteadOfRecoveringSomeAddress() {
    // web3j's Numeric.hexStringToByteArray maps a non-hex digit to a byte without complaint, so
    // a signature corrupted in r or s used to recover some random address
    byte[] message = "c2d signed request".getBytes(StandardCharsets.UTF_8);
    String good = sign(message);
    for (String bad :
        new String[] {
          good.substring(0, 10) + "zz" + good.substring(12),
          good.substring(0, 100) + "g" + good.substring(101),
          good.substring(0, 131) + "x"
        }) {
      assertThatThrownBy(() -> authenticator.recoverSigner(message, bad))
          .as("signature %s", bad)
          .isInstanceOfSatisfying(
              AuthenticationException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.SIGNATURE_INVALID))
          .hasMessageContaining("hex");
    }
  }

  // The cases below are those the testkit's pure-Java EIP-191 authenticator was held to: the name
  // eip191 now selects this authenticator, so it keeps every promise that one made.

  @Test
  void recoversTheSignerOfTheWeb3JsDocumentationExample() {
    assertThat(authenticator.recoverSigner(SOME_DATA, SOME_DATA_SIGNATURE))
        .isEqualTo(SOME_DATA_SIGNER);
  }

  @Test
  void acceptsUpperCaseHexAndAnUpperCasePrefix() {
    String upper = "0x" + SOME_DATA_SIGNATURE.substring(2).toUpperCase(Locale.ROOT);

    assertThat(authenticator.recoverSigner(SOME_DATA, upper)).isEqualTo(SOME_DATA_SIGNER);
    assertThat(authenticator.recoverSigner(SOME_DATA, "0X" + SOME_DATA_SIGNATURE.substring(2)))
        .isEqualTo(SOME_DATA_SIGNER);
  }

  @Test
  void acceptsTheHighSTwinOfASignature() {
    byte[] bytes = HexFormat.of().parseHex(SOME_DATA_SIGNATURE.substring(2));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(bytes, 32, 64));
    byte[] highS = Numeric.toBytesPadded(N.subtract(s), 32);
    System.arraycopy(highS, 0, bytes, 32, 32);
    bytes[64] = (byte) (bytes[64] == 27 ? 28 : 27);

    assertThat(authenticator.recoverSigner(SOME_DATA, "0x" + HexFormat.of().formatHex(bytes)))
        .isEqualTo(SOME_DATA_SIGNER);
  }

  @Test
  void recoversTheTestKeysAndRandomKeysOverRandomMessages() {
    Random random = new Random(7);
    for (EthereumKey key :
        new EthereumKey[] {
          EthereumKey.ALICE,
          EthereumKey.BOB,
          EthereumKey.CAROL,
          EthereumKey.random(),
          EthereumKey.random(),
          EthereumKey.random()
        }) {
      byte[] message = new byte[random.nextInt(300)];
      random.nextBytes(message);

      assertThat(authenticator.recoverSigner(message, key.personalSign(message)))
          .isEqualTo(key.address());
    }
  }

  @Test
  void recoversAnotherAddressOrRefusesATamperedSignature() {
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
  void refusesSignaturesWithoutPrefix() {
    assertInvalid("00" + SOME_DATA_SIGNATURE.substring(2)).hasMessageContaining("0x");
  }

  @Test
  void refusesEveryOtherV() {
    for (String v : new String[] {"02", "1a", "1d", "25", "26", "ff"}) {
      assertInvalid(SOME_DATA_SIGNATURE.substring(0, 130) + v).hasMessageContaining("v must be");
    }
  }

  @Test
  void refusesRAndSOfZeroOrAtLeastTheGroupOrder() {
    String zero = "00".repeat(32);
    String n = N.toString(16);
    String r = SOME_DATA_SIGNATURE.substring(2, 66);
    String s = SOME_DATA_SIGNATURE.substring(66, 130);

    assertInvalid("0x" + zero + s + "1c").hasMessageContaining("r must be");
    assertInvalid("0x" + n + s + "1c").hasMessageContaining("r must be");
    assertInvalid("0x" + r + zero + "1c").hasMessageContaining("s must be");
    assertInvalid("0x" + r + "ff".repeat(32) + "1c").hasMessageContaining("s must be");
  }

  @Test
  void refusesAnRThatIsNotOnTheCurve() {
    String r = "00".repeat(31) + "05";

    assertInvalid("0x" + r + SOME_DATA_SIGNATURE.substring(66))
        .hasMessageContaining("no key can be recovered");
  }

  private AbstractThrowableAssert<?, ? extends Throwable> assertInvalid(String signature) {
    return assertThatThrownBy(() -> authenticator.recoverSigner(SOME_DATA, signature))
        .isInstanceOfSatisfying(
            AuthenticationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.SIGNATURE_INVALID));
  }

  private static String sign(byte[] message) {
    Sign.SignatureData data = Sign.signPrefixedMessage(message, KEY);
    byte[] bytes = new byte[65];
    System.arraycopy(data.getR(), 0, bytes, 0, 32);
    System.arraycopy(data.getS(), 0, bytes, 32, 32);
    bytes[64] = data.getV()[0];
    return Numeric.toHexString(bytes);
  }
}
