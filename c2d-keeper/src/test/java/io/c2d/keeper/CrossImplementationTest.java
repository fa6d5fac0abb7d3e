package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.AuthenticationException;
import io.c2d.ErrorCode;
import io.c2d.model.ComputeRequest;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.TestAuthenticator;
import io.c2d.testkit.TestRequests;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The testkit's keys and its {@link TestAuthenticator} agree with the production {@link
 * Web3jAuthenticator}: what the testkit signs production recovers, and the authenticator the
 * testkit's conformance kits run engines with gives the same signer or the same refusal. Both use
 * web3j's secp256k1 since the testkit's own pure-Java curve code went away; what this checks is the
 * encoding around it ({@code 0x}, {@code r || s || v}, the recovery id), written twice because the
 * testkit cannot depend on c2d-keeper.
 */
final class CrossImplementationTest {

  @Test
  void web3jRecoversWhatTheTestkitSigned() {
    for (EthereumKey key :
        new EthereumKey[] {EthereumKey.ALICE, EthereumKey.BOB, EthereumKey.random()}) {
      byte[] message = ("message of " + key.address()).getBytes(StandardCharsets.UTF_8);

      assertThat(Web3jAuthenticator.create().recoverSigner(message, key.personalSign(message)))
          .isEqualTo(key.address());
    }
  }

  @Test
  void bothRecoverTheSignerOfASignedRequest() {
    ComputeRequest request =
        TestRequests.create(8996, EthereumKey.CAROL.address())
            .by(EthereumKey.BOB)
            .dataset(1)
            .sign();
    byte[] message = request.signingMessage(8996, EthereumKey.CAROL.address());

    assertThat(Web3jAuthenticator.create().recoverSigner(message, request.signature()))
        .isEqualTo(EthereumKey.BOB.address())
        .isEqualTo(TestAuthenticator.create().recoverSigner(message, request.signature()));
  }

  @Test
  void bothRecoverTheSameAddressFromLowRecoveryIdsAndTamperedMessages() {
    byte[] message = "pay 1 OCEAN".getBytes(StandardCharsets.US_ASCII);
    String signature = EthereumKey.ALICE.personalSign(message);
    int v = Integer.parseInt(signature.substring(130), 16);
    String lowV = signature.substring(0, 130) + String.format("%02x", v - 27);
    byte[] tampered = "pay 9 OCEAN".getBytes(StandardCharsets.US_ASCII);

    assertThat(TestAuthenticator.create().recoverSigner(message, lowV))
        .isEqualTo(Web3jAuthenticator.create().recoverSigner(message, lowV))
        .isEqualTo(EthereumKey.ALICE.address());
    assertThat(TestAuthenticator.create().recoverSigner(tampered, signature))
        .isEqualTo(Web3jAuthenticator.create().recoverSigner(tampered, signature))
        .isNotEqualTo(EthereumKey.ALICE.address());
  }

  @Test
  void bothRefuseTheSameMalformedSignaturesAsInvalid() {
    byte[] message = {1, 2, 3};
    String good = EthereumKey.ALICE.personalSign(message);
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
      for (ConsumerAuthenticator authenticator :
          new ConsumerAuthenticator[] {Web3jAuthenticator.create(), TestAuthenticator.create()}) {
        assertThatThrownBy(() -> authenticator.recoverSigner(message, bad))
            .as("%s on %s", authenticator, bad)
            .isInstanceOfSatisfying(
                AuthenticationException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.SIGNATURE_INVALID));
      }
    }
  }
}
