package io.c2d.server.assets;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.testkit.ApiSurface;
import org.junit.jupiter.api.Test;

/**
 * The asset directory's public API speaks JDK and c2d types only: an application implementing
 * {@link AssetDirectory} over its own store handles no Jackson or web3j type.
 */
final class AssetApiSurfaceTest {

  @Test
  void theAssetDirectorysPublicSignaturesUseOnlyJdkAndC2dTypes() {
    ApiSurface surface = ApiSurface.of(AssetDirectory.class, "java.", "io.c2d.");

    assertThat(surface.publicTypes())
        .contains(
            AssetDirectory.class,
            AssetDirectory.Builder.class,
            AssetFolder.class,
            AssetService.class,
            PublishedAsset.class,
            SampleAssets.class);
    // this package only: other parts of c2d-server (the JDK HTTP server adapter) may name
    // com.sun.net.httpserver types on purpose
    assertThat(surface.leaks())
        .as("third-party types in io.c2d.server.assets' public signatures")
        .filteredOn(leak -> leak.startsWith("io.c2d.server.assets."))
        .isEmpty();
  }
}
