package io.c2d.keeper.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.ComputeEngine;
import io.c2d.keeper.Web3jAuthenticator;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.EthAddress;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.spi.auth.ConsumerAuthenticatorProvider;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.InMemoryComputeBackend;
import io.c2d.testkit.TestRequests;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code web3j} and its alias {@code eip191} are found by name and create the same authenticator.
 */
final class AuthenticatorProvidersTest {
  private static final byte[] SOME_DATA = "Some data".getBytes(StandardCharsets.US_ASCII);
  // web3.eth.accounts.sign("Some data", key) from the web3.js documentation
  private static final String SOME_DATA_SIGNATURE =
      "0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd"
          + "6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c";

  @Test
  void theServiceLoaderFindsWeb3jAndItsAliasEip191() {
    Map<String, ConsumerAuthenticatorProvider> found =
        ServiceLoader.load(ConsumerAuthenticatorProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .collect(Collectors.toMap(ConsumerAuthenticatorProvider::name, p -> p));

    assertThat(found).containsOnlyKeys("web3j", "eip191");
    for (ConsumerAuthenticatorProvider provider : found.values()) {
      ConsumerAuthenticator created = provider.create(ProviderConfig.empty());

      assertThat(created).as(provider.name()).isInstanceOf(Web3jAuthenticator.class);
      assertThat(created.recoverSigner(SOME_DATA, SOME_DATA_SIGNATURE))
          .isEqualTo(EthAddress.of("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"));
    }
  }

  @Test
  void anEngineConfiguredWithEip191AuthenticatesSignedRequests() {
    try (ComputeEngine engine =
        ComputeEngine.builder()
            .backend(InMemoryComputeBackend.create(ComputeEnvironment.builder("local").build()))
            .verifier(FakeAgreementVerifier.allowAll())
            .properties(
                Map.of(
                    "c2d.authenticator", "eip191",
                    "c2d.chain-id", "8996",
                    "c2d.provider-address", EthereumKey.CAROL.address().value()))
            .build()) {
      ComputeJob job =
          engine
              .start(
                  TestRequests.create(8996, EthereumKey.CAROL.address())
                      .by(EthereumKey.ALICE)
                      .dataset(1)
                      .sign())
              .toCompletableFuture()
              .join();

      assertThat(job.owner()).isEqualTo(EthereumKey.ALICE.address());
    }
  }
}
