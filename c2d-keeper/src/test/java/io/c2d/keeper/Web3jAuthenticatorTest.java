package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.AuthenticationException;
import io.c2d.ErrorCode;
import io.c2d.model.EthAddress;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
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

  private static String sign(byte[] message) {
    Sign.SignatureData data = Sign.signPrefixedMessage(message, KEY);
    byte[] bytes = new byte[65];
    System.arraycopy(data.getR(), 0, bytes, 0, 32);
    System.arraycopy(data.getS(), 0, bytes, 32, 32);
    bytes[64] = data.getV()[0];
    return Numeric.toHexString(bytes);
  }
}
