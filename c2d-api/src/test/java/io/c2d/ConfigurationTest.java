package io.c2d;

import static io.c2d.EngineAssertions.assertThat;
import static io.c2d.EngineAssertions.assertThatThrownBy;
import static io.c2d.EngineFixture.WAIT;

import io.c2d.model.ComputeJob;
import io.c2d.model.JobStatus;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Building an engine from c2d.* properties, with providers found by name. */
final class ConfigurationTest {

  private static Map<String, String> properties() {
    Map<String, String> properties = new HashMap<>();
    properties.put("c2d.backend", "scripted");
    properties.put("c2d.verifier", "allow-all");
    properties.put("c2d.authenticator", "test-signer");
    properties.put("c2d.chain-id", "8996");
    properties.put("c2d.provider-address", EngineFixture.PROVIDER.value());
    return properties;
  }

  @Test
  void anEngineBuiltFromPropertiesRunsAJob() {
    StatusLog waiter = new StatusLog();
    try (ComputeEngine engine =
        ComputeEngine.builder().properties(properties()).addListener(waiter).build()) {
      String environment = engine.environments().get(0).id();
      ComputeJob job =
          engine
              .start(
                  new SignedRequests(8996, EngineFixture.PROVIDER, java.time.Clock.systemUTC())
                      .by(TestKey.ALICE)
                      .dataset(1)
                      .environment(environment)
                      .sign())
              .toCompletableFuture()
              .join();

      assertThat(waiter.awaitTerminal(job.id(), WAIT)).hasStatus(JobStatus.COMPLETED);
    }
  }

  @Test
  void anUnknownBackendNameListsTheAvailableOnes() {
    Map<String, String> properties = properties();
    properties.put("c2d.backend", "kubernetes");

    assertThatThrownBy(() -> ComputeEngine.builder().properties(properties).build())
        .isInstanceOfSatisfying(
            ConfigurationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.PROVIDER_NOT_FOUND))
        .hasMessageContaining("'kubernetes'")
        .hasMessageContaining("scripted");
  }

  @Test
  void anUnknownVerifierOrAuthenticatorIsAnError() {
    Map<String, String> verifier = properties();
    verifier.put("c2d.verifier", "keeper-v9");
    Map<String, String> authenticator = properties();
    authenticator.put("c2d.authenticator", "none");

    assertThatThrownBy(() -> ComputeEngine.builder().properties(verifier).build())
        .isInstanceOfSatisfying(
            ConfigurationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.PROVIDER_NOT_FOUND))
        .hasMessageContaining("allow-all");
    assertThatThrownBy(() -> ComputeEngine.builder().properties(authenticator).build())
        .isInstanceOfSatisfying(
            ConfigurationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.PROVIDER_NOT_FOUND))
        .hasMessageContaining("test-signer");
  }

  @Test
  void anUnknownPublisherIsAnError() {
    Map<String, String> publisher = properties();
    publisher.put("c2d.publisher", "ipfs");

    assertThatThrownBy(() -> ComputeEngine.builder().properties(publisher).build())
        .isInstanceOfSatisfying(
            ConfigurationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.PROVIDER_NOT_FOUND))
        .hasMessageContaining("'ipfs'")
        .hasMessageContaining("c2d.publisher");
  }

  @Test
  void missingOrMalformedPropertiesAreNamed() {
    for (String property : new String[] {"c2d.chain-id", "c2d.provider-address", "c2d.backend"}) {
      Map<String, String> missing = properties();
      missing.remove(property);
      assertThatThrownBy(() -> ComputeEngine.builder().properties(missing).build())
          .as(property)
          .isInstanceOfSatisfying(
              ConfigurationException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION_INVALID))
          .hasMessageContaining(property);
    }
    Map<String, String> malformed = properties();
    malformed.put("c2d.chain-id", "mainnet");
    assertThatThrownBy(() -> ComputeEngine.builder().properties(malformed).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.chain-id");
  }
}
