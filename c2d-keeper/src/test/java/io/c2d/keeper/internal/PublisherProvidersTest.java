package io.c2d.keeper.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ConfigurationException;
import io.c2d.keeper.DidRegistryPublisher;
import io.c2d.keeper.NftAssetPublisher;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.publish.DerivedAssetPublisher;
import io.c2d.spi.publish.DerivedAssetPublisherProvider;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

final class PublisherProvidersTest {
  private static final String KEY =
      "0x" + "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
  private static final String FACTORY = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

  @Test
  void theServiceLoaderFindsBothPublishersByName() {
    Map<String, Class<?>> found =
        ServiceLoader.load(DerivedAssetPublisherProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .collect(Collectors.toMap(DerivedAssetPublisherProvider::name, Object::getClass));

    assertThat(found)
        .containsEntry("ocean-nft", NftAssetPublisherProvider.class)
        .containsEntry("keeper-did", DidRegistryPublisherProvider.class);
  }

  @Test
  void createsTheNftPublisherFromCompletePropertiesWithoutIo() {
    Map<String, String> properties = chain();
    properties.put("c2d.keeper.erc721-factory", FACTORY);
    properties.put("c2d.keeper.publisher-key", KEY);
    properties.put("c2d.keeper.publish-timeout", "30s");

    try (DerivedAssetPublisher publisher =
        new NftAssetPublisherProvider().create(ProviderConfig.of(properties))) {
      assertThat(publisher).isInstanceOf(NftAssetPublisher.class);
      assertThat(publisher.toString())
          .contains(FACTORY)
          .contains("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc")
          .doesNotContain(KEY.substring(2));
    }
  }

  @Test
  void createsTheDidPublisherFromCompleteProperties() {
    Map<String, String> properties = chain();
    properties.put("c2d.keeper.did-registry", FACTORY);
    properties.put("c2d.keeper.publisher-key", KEY);

    try (DerivedAssetPublisher publisher =
        new DidRegistryPublisherProvider().create(ProviderConfig.of(properties))) {
      assertThat(publisher).isInstanceOf(DidRegistryPublisher.class);
    }
  }

  @Test
  void aMissingFactoryIsAConfigurationErrorNamingIt() {
    Map<String, String> properties = chain();
    properties.put("c2d.keeper.publisher-key", KEY);

    assertThatThrownBy(() -> new NftAssetPublisherProvider().create(ProviderConfig.of(properties)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.keeper.erc721-factory");
  }

  @Test
  void aMalformedKeyIsAConfigurationErrorThatDoesNotRepeatIt() {
    String almost = KEY.substring(0, 60);
    Map<String, String> properties = chain();
    properties.put("c2d.keeper.erc721-factory", FACTORY);
    properties.put("c2d.keeper.publisher-key", almost);

    assertThatThrownBy(() -> new NftAssetPublisherProvider().create(ProviderConfig.of(properties)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.keeper.publisher-key")
        .satisfies(e -> assertThat(fullText(e)).doesNotContain(almost.substring(2)));
  }

  @Test
  void aMalformedTemplateIndexIsAConfigurationErrorNamingIt() {
    Map<String, String> properties = chain();
    properties.put("c2d.keeper.erc721-factory", FACTORY);
    properties.put("c2d.keeper.publisher-key", KEY);
    properties.put("c2d.keeper.nft-template-index", "0");

    assertThatThrownBy(() -> new NftAssetPublisherProvider().create(ProviderConfig.of(properties)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.keeper.nft-template-index");
  }

  private static Map<String, String> chain() {
    Map<String, String> properties = new HashMap<>();
    properties.put("c2d.keeper.rpc-url", "http://127.0.0.1:9");
    properties.put("c2d.keeper.chain-id", "8996");
    return properties;
  }

  private static String fullText(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      text.append(t).append('\n');
    }
    return text.toString();
  }
}
