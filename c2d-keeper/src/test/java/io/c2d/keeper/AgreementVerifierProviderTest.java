package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ConfigurationException;
import io.c2d.keeper.internal.AgreementVerifierProvider;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.ServiceAgreementVerifierProvider;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The {@code keeper} provider: found by ServiceLoader, strict about its properties; no I/O. */
final class AgreementVerifierProviderTest {
  private static final String ADDRESS = "0x" + "12".repeat(20);

  @Test
  void serviceLoaderFindsTheKeeperProvider() {
    List<ServiceAgreementVerifierProvider> providers =
        ServiceLoader.load(ServiceAgreementVerifierProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("keeper"))
            .toList();

    assertThat(providers).singleElement().isInstanceOf(AgreementVerifierProvider.class);
  }

  @Test
  void createsAVerifierFromCompleteProperties() {
    ServiceAgreementVerifier verifier = new AgreementVerifierProvider().create(config(complete()));

    assertThat(verifier).isInstanceOf(AgreementVerifier.class);
    verifier.close();
  }

  @Test
  void createsAFulfillingVerifierFromTheProviderKeyAlone() {
    Map<String, String> properties = complete();
    properties.remove("c2d.keeper.provider-address");
    properties.put("c2d.keeper.fulfil-compute-execution", "true");
    properties.put("c2d.keeper.provider-key", KeeperChain.PROVIDER_KEY);

    new AgreementVerifierProvider().create(config(properties)).close();
  }

  @Test
  void aMissingContractAddressIsNamed() {
    for (String key :
        List.of(
            "agreement-store",
            "condition-store",
            "template-store",
            "did-registry",
            "lock-reward-condition",
            "compute-execution-condition")) {
      Map<String, String> properties = complete();
      properties.remove("c2d.keeper." + key);

      assertThatThrownBy(() -> new AgreementVerifierProvider().create(config(properties)))
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("c2d.keeper." + key);
    }
  }

  @Test
  void aMalformedAddressIsNamed() {
    Map<String, String> properties = complete();
    properties.put("c2d.keeper.did-registry", "0xnot-an-address");

    assertThatThrownBy(() -> new AgreementVerifierProvider().create(config(properties)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.keeper.did-registry")
        .hasMessageContaining("0xnot-an-address");
  }

  @Test
  void theCommonChainPropertiesAreChecked() {
    Map<String, String> noUrl = complete();
    noUrl.remove("c2d.keeper.rpc-url");
    Map<String, String> badChain = complete();
    badChain.put("c2d.keeper.chain-id", "mainnet");
    Map<String, String> noProvider = complete();
    noProvider.remove("c2d.keeper.provider-address");

    assertThatThrownBy(() -> new AgreementVerifierProvider().create(config(noUrl)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.keeper.rpc-url");
    assertThatThrownBy(() -> new AgreementVerifierProvider().create(config(badChain)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.keeper.chain-id");
    assertThatThrownBy(() -> new AgreementVerifierProvider().create(config(noProvider)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.keeper.provider-address");
  }

  @Test
  void theFulfillingModeNeedsAWellFormedKeyOfTheProvider() {
    Map<String, String> noKey = complete();
    noKey.put("c2d.keeper.fulfil-compute-execution", "true");
    Map<String, String> badKey = new HashMap<>(noKey);
    badKey.put("c2d.keeper.provider-key", "0xsecret-but-malformed");
    Map<String, String> otherKey = new HashMap<>(noKey);
    otherKey.put("c2d.keeper.provider-key", KeeperChain.PROVIDER_KEY);
    Map<String, String> badFlag = complete();
    badFlag.put("c2d.keeper.fulfil-compute-execution", "yes");

    assertThatThrownBy(() -> new AgreementVerifierProvider().create(config(noKey)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.keeper.provider-key");
    assertThatThrownBy(() -> new AgreementVerifierProvider().create(config(badKey)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.keeper.provider-key")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> new AgreementVerifierProvider().create(config(otherKey)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("not of the provider address " + ADDRESS);
    assertThatThrownBy(() -> new AgreementVerifierProvider().create(config(badFlag)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.keeper.fulfil-compute-execution");
  }

  private static Map<String, String> complete() {
    Map<String, String> properties = new HashMap<>();
    properties.put("c2d.keeper.rpc-url", "http://127.0.0.1:1");
    properties.put("c2d.keeper.chain-id", "8996");
    properties.put("c2d.keeper.provider-address", ADDRESS);
    for (String key :
        List.of(
            "agreement-store",
            "condition-store",
            "template-store",
            "did-registry",
            "lock-reward-condition",
            "compute-execution-condition")) {
      properties.put("c2d.keeper." + key, ADDRESS);
    }
    return properties;
  }

  private static ProviderConfig config(Map<String, String> properties) {
    return ProviderConfig.of(properties);
  }
}
