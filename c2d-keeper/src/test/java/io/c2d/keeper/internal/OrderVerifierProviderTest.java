package io.c2d.keeper.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.keeper.OrderVerifier;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.ServiceAgreementVerifierProvider;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

final class OrderVerifierProviderTest {
  private static final String DID = "did:op:" + "0123456789abcdef".repeat(4);

  @Test
  void theServiceLoaderFindsTheProviderByItsName() {
    List<ServiceAgreementVerifierProvider> found =
        ServiceLoader.load(ServiceAgreementVerifierProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(provider -> provider.name().equals("ocean-orders"))
            .toList();

    assertThat(found).singleElement().isInstanceOf(OrderVerifierProvider.class);
  }

  @Test
  void createsAVerifierFromCompleteProperties() {
    try (ServiceAgreementVerifier verifier =
        new OrderVerifierProvider().create(ProviderConfig.of(complete()))) {
      assertThat(verifier).isInstanceOf(OrderVerifier.class);
      assertThat(verifier.toString())
          .contains("http://127.0.0.1:9", "chainId=8996", "confirmations=2", DID + "/compute");
    }
  }

  @Test
  void aMissingRequiredPropertyIsAConfigurationError() {
    for (String key :
        List.of("c2d.keeper.rpc-url", "c2d.keeper.chain-id", "c2d.keeper.provider-address")) {
      Map<String, String> properties = complete();
      properties.remove(key);

      assertInvalid(properties, key);
    }
  }

  @Test
  void aMalformedPropertyIsAConfigurationErrorNamingIt() {
    assertInvalid(with("c2d.keeper.rpc-url", "ftp://127.0.0.1/"), "c2d.keeper.rpc-url");
    assertInvalid(with("c2d.keeper.rpc-url", "not a url"), "c2d.keeper.rpc-url");
    assertInvalid(with("c2d.keeper.chain-id", "mainnet"), "c2d.keeper.chain-id");
    assertInvalid(with("c2d.keeper.chain-id", "0"), "c2d.keeper.chain-id");
    assertInvalid(with("c2d.keeper.confirmations", "-1"), "c2d.keeper.confirmations");
    assertInvalid(with("c2d.keeper.confirmations", "many"), "c2d.keeper.confirmations");
    assertInvalid(with("c2d.keeper.rpc-timeout", "soon"), "c2d.keeper.rpc-timeout");
    assertInvalid(with("c2d.keeper.rpc-timeout", "0s"), "c2d.keeper.rpc-timeout");
    assertInvalid(with("c2d.keeper.provider-address", "0x1234"), "c2d.keeper.provider-address");
    assertInvalid(
        with("c2d.ocean-orders.services.ds.datatoken", "0xnothex"),
        "c2d.ocean-orders.services.ds.");
    assertInvalid(
        with("c2d.ocean-orders.services.ds.did", "did:op:short"), "c2d.ocean-orders.services.ds.");
    assertInvalid(
        with("c2d.ocean-orders.services.ds.index", "-1"), "c2d.ocean-orders.services.ds.");
  }

  private static void assertInvalid(Map<String, String> properties, String naming) {
    assertThatThrownBy(() -> new OrderVerifierProvider().create(ProviderConfig.of(properties)))
        .isInstanceOfSatisfying(
            ConfigurationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION_INVALID))
        .hasMessageContaining(naming);
  }

  private static Map<String, String> with(String key, String value) {
    Map<String, String> properties = complete();
    properties.put(key, value);
    return properties;
  }

  private static Map<String, String> complete() {
    Map<String, String> properties = new HashMap<>();
    // port 9 (discard) on loopback: creating the verifier does no I/O, nothing is sent
    properties.put("c2d.keeper.rpc-url", "http://127.0.0.1:9");
    properties.put("c2d.keeper.chain-id", "8996");
    properties.put("c2d.keeper.confirmations", "2");
    properties.put("c2d.keeper.rpc-timeout", "3s");
    properties.put("c2d.keeper.provider-address", "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
    properties.put("c2d.ocean-orders.services.ds.did", DID);
    properties.put("c2d.ocean-orders.services.ds.service-id", "compute");
    properties.put(
        "c2d.ocean-orders.services.ds.datatoken", "0x5fbdb2315678afecb367f032d93f642f64180aa3");
    properties.put("c2d.ocean-orders.services.ds.index", "1");
    properties.put("c2d.ocean-orders.services.ds.timeout", "1h");
    return properties;
  }
}
