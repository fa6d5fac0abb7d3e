package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.ComputeRequest;
import io.c2d.testkit.TestRequests;
import io.c2d.testkit.crypto.Eip191Authenticator;
import io.c2d.testkit.crypto.EthereumKey;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The testkit's pure-Java keys and web3j agree: what one signs the other recovers, so tests signed
 * with the testkit hold against the production authenticator.
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
        .isEqualTo(Eip191Authenticator.create().recoverSigner(message, request.signature()));
  }
}
