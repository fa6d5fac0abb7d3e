package io.c2d.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.AuthenticationException;
import io.c2d.ErrorCode;
import io.c2d.model.EthAddress;
import io.c2d.model.OceanSignature;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class TestAuthenticatorTest {
  private static final byte[] SOME_DATA = "Some data".getBytes(StandardCharsets.US_ASCII);
  // web3.eth.accounts.sign("Some data", key) from the web3.js documentation
  private static final String SOME_DATA_SIGNATURE =
      "0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd"
          + "6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c";

  private final TestAuthenticator authenticator = TestAuthenticator.create();

  @Test
  void recoversTheSignerOfTheWeb3JsDocumentationExampleWithEitherRecoveryId() {
    assertThat(authenticator.recoverSigner(SOME_DATA, SOME_DATA_SIGNATURE))
        .isEqualTo(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"));
    assertThat(authenticator.recoverSigner(SOME_DATA, SOME_DATA_SIGNATURE.substring(0, 130) + "01"))
        .isEqualTo(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"));
  }

  @Test
  void recoversOceanJsSignaturesAndTheTestKeysOceanSignatures() {
    // ocean.js 8.6.2 signRequest(wallet #0, "0xf39F...2266" + "1" + "startCompute")
    OceanSignature oceanJs =
        OceanSignature.of(
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            "1",
            "0x532411ee5d24ce2b37d7c11035a4a104f61082bd3a78a0eb278655e8944f7fd5"
                + "5feccb3d8baf15732c3257ca62d5cd651bfc7319e830d3a9d69c6ddf272fc7cf1b");
    assertThat(
            authenticator.recoverDigestSigner(
                oceanJs.message(OceanSignature.START_COMPUTE), oceanJs.signature()))
        .isEqualTo(EthereumKey.ALICE.address());
    assertThat(EthereumKey.ALICE.oceanSign("1", OceanSignature.START_COMPUTE)).isEqualTo(oceanJs);

    OceanSignature byBob = EthereumKey.BOB.oceanSign("3", OceanSignature.STOP_COMPUTE);
    assertThat(byBob.consumerAddress()).isEqualTo("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    assertThat(
            authenticator.recoverDigestSigner(
                byBob.message(OceanSignature.STOP_COMPUTE), byBob.signature()))
        .isEqualTo(EthereumKey.BOB.address());
    assertThat(
            authenticator.recoverDigestSigner(
                byBob.message(OceanSignature.GET_COMPUTE_RESULT), byBob.signature()))
        .as("another command is another message")
        .isNotEqualTo(EthereumKey.BOB.address());
    assertThatThrownBy(
            () ->
                authenticator.recoverDigestSigner(
                    byBob.message(OceanSignature.STOP_COMPUTE), "0x" + "00".repeat(64) + "05"))
        .isInstanceOf(AuthenticationException.class);
  }

  @Test
  void recoversWhatTheTestKeysAndRandomKeysSigned() {
    Random random = new Random(7);
    for (EthereumKey key :
        new EthereumKey[] {
          EthereumKey.ALICE, EthereumKey.BOB, EthereumKey.CAROL, EthereumKey.random()
        }) {
      byte[] message = new byte[random.nextInt(300)];
      random.nextBytes(message);

      assertThat(authenticator.recoverSigner(message, key.personalSign(message)))
          .isEqualTo(key.address());
    }
  }

  @Test
  void recoversAnotherAddressForATamperedMessage() {
    String signature = EthereumKey.ALICE.personalSign("pay 1".getBytes(StandardCharsets.UTF_8));

    assertThat(authenticator.recoverSigner("pay 9".getBytes(StandardCharsets.UTF_8), signature))
        .isNotEqualTo(EthereumKey.ALICE.address());
  }

  @Test
  void refusesMalformedSignaturesAsInvalid() {
    String good = SOME_DATA_SIGNATURE;
    for (String bad :
        new String[] {
          "",
          good.substring(0, 130),
          good + "00",
          "00" + good.substring(2),
          good.substring(0, 10) + "zz" + good.substring(12),
          good.substring(0, 130) + "1d",
          "0x" + "00".repeat(31) + "05" + good.substring(66)
        }) {
      assertThatThrownBy(() -> authenticator.recoverSigner(SOME_DATA, bad))
          .as("signature %s", bad)
          .isInstanceOfSatisfying(
              AuthenticationException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.SIGNATURE_INVALID));
    }
  }
}
