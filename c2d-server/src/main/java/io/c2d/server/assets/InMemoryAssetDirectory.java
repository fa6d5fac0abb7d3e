package io.c2d.server.assets;

import io.c2d.model.Did;
import java.util.Map;
import java.util.Optional;

/** The directory {@link AssetDirectory#builder()} builds. Immutable and thread-safe. */
final class InMemoryAssetDirectory implements AssetDirectory {
  private final Map<Did, PublishedAsset> assets;

  InMemoryAssetDirectory(Map<Did, PublishedAsset> assets) {
    this.assets = Map.copyOf(assets);
  }

  @Override
  public Optional<PublishedAsset> find(Did did) {
    return Optional.ofNullable(assets.get(did));
  }

  @Override
  public String toString() {
    return "AssetDirectory{assets=" + assets.size() + '}';
  }
}
