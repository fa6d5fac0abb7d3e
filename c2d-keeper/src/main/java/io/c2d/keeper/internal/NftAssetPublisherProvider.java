package io.c2d.keeper.internal;

import io.c2d.keeper.ChainSettings;
import io.c2d.keeper.NftAssetPublisher;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.publish.DerivedAssetPublisher;
import io.c2d.spi.publish.DerivedAssetPublisherProvider;

/**
 * This class is internal and is not for public use. Its API is unstable and can change at any time.
 *
 * <p>Provides {@link NftAssetPublisher} under the name {@code ocean-nft}: the chain from {@code
 * c2d.keeper.*} (see {@link ChainSettings}); required {@code c2d.keeper.erc721-factory} (the
 * ERC721Factory's address) and {@code c2d.keeper.publisher-key} (0x and 64 hex digits; keep it out
 * of files others can read); optional {@code c2d.keeper.nft-template-index} (default 1), {@code
 * c2d.keeper.publish-timeout} (default twelve times the RPC timeout) and {@code
 * c2d.keeper.publish-from-block} (default 0: where the search for a job's existing NFT starts).
 */
public final class NftAssetPublisherProvider implements DerivedAssetPublisherProvider {
  /** The name configuration selects this provider by. */
  public static final String NAME = "ocean-nft";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public DerivedAssetPublisher create(ProviderConfig config) {
    ChainSettings chain = ChainSettings.fromConfig(config);
    ProviderConfig keeper = config.scoped(ChainSettings.PREFIX);
    NftAssetPublisher.Builder builder =
        NftAssetPublisher.builder(chain, PublisherProperties.address(keeper, "erc721-factory"));
    PublisherProperties.key(keeper, builder::publisherKey);
    PublisherProperties.apply(
        keeper,
        "nft-template-index",
        "a positive integer",
        () -> builder.templateIndex(keeper.longValue("nft-template-index", 1)));
    PublisherProperties.apply(
        keeper,
        "publish-from-block",
        "a non-negative block number",
        () -> builder.searchFromBlock(keeper.longValue("publish-from-block", 0)));
    PublisherProperties.timeout(keeper, builder::publishTimeout);
    return builder.build();
  }
}
