package io.c2d.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.keeper.Web3jAuthenticator;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.EthAddress;
import io.c2d.testkit.TestRequests;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The main job's consumer signs as a wallet does, and the production authenticator agrees. */
final class ConsumerKeyTest {
  private static final EthAddress PROVIDER =
      EthAddress.of("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");

  @Test
  void theDemoKeyIsAnvilsFirstDevelopmentAccount() {
    assertThat(ConsumerKey.of(ConsumerKey.DEMO_CONSUMER_PRIVATE_KEY).address())
        .isEqualTo(EthAddress.of("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"));
  }

  @Test
  void aPersonalSignatureRecoversToTheKeysAddress() {
    ConsumerKey key = ConsumerKey.of("0x" + "0".repeat(63) + "7");
    byte[] message = "c2d".getBytes(StandardCharsets.UTF_8);

    String signature = key.personalSign(message);

    assertThat(signature).hasSize(132).startsWith("0x");
    assertThat(Web3jAuthenticator.create().recoverSigner(message, signature))
        .isEqualTo(key.address());
  }

  @Test
  void aSignedRequestIsTheConsumersForThatProviderAndChain() {
    ConsumerKey key = ConsumerKey.of(ConsumerKey.DEMO_CONSUMER_PRIVATE_KEY);

    ComputeRequest request =
        key.sign(
            ComputeRequest.builder()
                .addDataset(TestRequests.dataset(1).build())
                .algorithm(
                    Algorithm.raw(ContainerSpec.of("busybox", "stable", "sh $ALGO"), "true")
                        .build())
                .environment("local")
                .nonce("42")
                .expiresAt(Instant.parse("2030-01-01T00:00:00Z")),
            8996,
            PROVIDER);

    assertThat(request.consumer()).isEqualTo(key.address());
    assertThat(
            Web3jAuthenticator.create()
                .recoverSigner(request.signingMessage(8996, PROVIDER), request.signature()))
        .isEqualTo(key.address());
    assertThat(
            Web3jAuthenticator.create()
                .recoverSigner(request.signingMessage(1, PROVIDER), request.signature()))
        .as("another chain's message")
        .isNotEqualTo(key.address());
  }

  @Test
  void onlyAValidPrivateKeyIsAccepted() {
    assertThatThrownBy(() -> ConsumerKey.of("not-hex")).hasMessageContaining("private key");
    assertThatThrownBy(() -> ConsumerKey.of("0x")).hasMessageContaining("private key");
    assertThatThrownBy(() -> ConsumerKey.of("1".repeat(65))).hasMessageContaining("private key");
    assertThatThrownBy(() -> ConsumerKey.of("0")).hasMessageContaining("[1, n - 1]");
    String groupOrder = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
    assertThatThrownBy(() -> ConsumerKey.of(groupOrder)).hasMessageContaining("[1, n - 1]");
    assertThat(ConsumerKey.of("7")).isNotNull();
  }

  @Test
  void itsTextShowsTheAddressNotTheKey() {
    ConsumerKey key = ConsumerKey.of(ConsumerKey.DEMO_CONSUMER_PRIVATE_KEY);

    assertThat(key.toString())
        .contains(key.address().value())
        .doesNotContain(ConsumerKey.DEMO_CONSUMER_PRIVATE_KEY.substring(2));
  }
}
