package io.c2d.keeper.internal;

import io.c2d.keeper.ChainSettings;
import io.c2d.keeper.DidRegistryPublisher;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.publish.DerivedAssetPublisher;
import io.c2d.spi.publish.DerivedAssetPublisherProvider;

/**
 * This class is internal and is not for public use. Its API is unstable and can change at any time.
 *
 * <p>Provides {@link DidRegistryPublisher} under the name {@code keeper-did}: the chain from {@code
 * c2d.keeper.*} (see {@link ChainSettings}); required {@code c2d.keeper.did-registry} (the Keeper's
 * DIDRegistry address) and {@code c2d.keeper.publisher-key} (0x and 64 hex digits); optional {@code
 * c2d.keeper.publish-timeout} (default twelve times the RPC timeout).
 */
public final class DidRegistryPublisherProvider implements DerivedAssetPublisherProvider {
  /** The name configuration selects this provider by. */
  public static final String NAME = "keeper-did";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public DerivedAssetPublisher create(ProviderConfig config) {
    ChainSettings chain = ChainSettings.fromConfig(config);
    ProviderConfig keeper = config.scoped(ChainSettings.PREFIX);
    DidRegistryPublisher.Builder builder =
        DidRegistryPublisher.builder(chain, PublisherProperties.address(keeper, "did-registry"));
    PublisherProperties.key(keeper, builder::publisherKey);
    PublisherProperties.timeout(keeper, builder::publishTimeout);
    return builder.build();
  }
}
