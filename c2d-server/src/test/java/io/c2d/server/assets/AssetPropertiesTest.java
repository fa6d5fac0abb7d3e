package io.c2d.server.assets;

import static io.c2d.server.assets.AssetDirectoryTest.ALGORITHM;
import static io.c2d.server.assets.AssetDirectoryTest.DATASET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.model.ComputePolicy;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AssetDirectory#fromProperties(Map)}: a directory, or one dataset, named by property. */
final class AssetPropertiesTest {
  @TempDir Path dir;

  @Test
  void aDirectoryPropertyOpensTheDirectory() throws Exception {
    SampleAssets.install(dir);

    AssetDirectory directory =
        AssetDirectory.fromProperties(Map.of("c2d.assets.dir", dir.toString()));

    assertThat(directory).isInstanceOf(AssetFolder.class);
    assertThat(directory.find(SampleAssets.DATASET_DID)).isPresent();
  }

  @Test
  void singleAssetPropertiesDescribeOneDatasetAndItsComputeService() {
    Map<String, String> properties = new HashMap<>();
    properties.put("c2d.assets.did", DATASET.value());
    properties.put("c2d.assets.files", "/srv/data/a.csv, https://127.0.0.1:8443/b.csv");
    properties.put("c2d.assets.service-id", "c1");
    properties.put("c2d.assets.timeout", "1h");
    properties.put("c2d.assets.datatoken", "0x" + "d7".repeat(20));
    properties.put("c2d.assets.allow-raw-algorithm", "true");
    properties.put("c2d.assets.trusted-algorithms", ALGORITHM.value() + ",*");
    properties.put("c2d.assets.trusted-publishers", "0x" + "0e".repeat(20));
    properties.put("c2d.backend", "embedded");

    AssetService service = AssetDirectory.fromProperties(properties).computeService(DATASET, "c1");

    assertThat(service.files())
        .containsExactly(
            FileLocator.file(Path.of("/srv/data/a.csv")),
            FileLocator.url(URI.create("https://127.0.0.1:8443/b.csv")));
    assertThat(service.terms().timeout()).isEqualTo(Duration.ofHours(1));
    assertThat(service.terms().datatokenAddress()).contains(EthAddress.of("0x" + "d7".repeat(20)));
    ComputePolicy policy = service.terms().policy();
    assertThat(policy.allowRawAlgorithm()).isTrue();
    assertThat(policy.allowNetworkAccess()).isFalse();
    assertThat(policy.trustedAlgorithms())
        .extracting(ComputePolicy.TrustedAlgorithm::did)
        .containsExactly(ALGORITHM.value(), ComputePolicy.ANY);
    assertThat(policy.trustedPublishers()).containsExactly("0x" + "0e".repeat(20));
    // the engine reads the same policy from the DDO it is given
    assertThat(ComputePolicy.fromDdo(service.asset().ddo().json(), "c1", "ddo")).isEqualTo(policy);
  }

  @Test
  void badPropertiesAreRefusedNamingTheProperty() {
    assertConfiguration(Map.of(), "c2d.assets.dir", "c2d.assets.did");
    assertConfiguration(
        Map.of("c2d.assets.dir", dir.toString(), "c2d.assets.did", DATASET.value()),
        "exclude each other");
    assertConfiguration(Map.of("c2d.assets.did", "did:op:12"), "c2d.assets.did");
    assertConfiguration(Map.of("c2d.assets.did", DATASET.value()), "c2d.assets.files");
    for (String files : List.of("relative.csv", "ftp://127.0.0.1/a", "/a/../b", "%%%")) {
      assertConfiguration(
          Map.of("c2d.assets.did", DATASET.value(), "c2d.assets.files", files), "c2d.assets.files");
    }
    Map<String, String> base = Map.of("c2d.assets.did", DATASET.value(), "c2d.assets.files", "/a");
    assertConfiguration(with(base, "c2d.assets.timeout", "soon"), "c2d.assets.timeout");
    assertConfiguration(with(base, "c2d.assets.datatoken", "0x12"), "c2d.assets.datatoken");
    assertConfiguration(
        with(base, "c2d.assets.allow-raw-algorithm", "yes"), "c2d.assets.allow-raw-algorithm");
    assertConfiguration(
        with(base, "c2d.assets.trusted-algorithms", "sum"), "c2d.assets.trusted-algorithms");
    assertConfiguration(
        with(base, "c2d.assets.trusted-publishers", "me"), "c2d.assets.trusted-publishers");
    assertConfiguration(
        Map.of("c2d.assets.dir", dir.resolve("none").toString()), dir.resolve("none").toString());
  }

  private static Map<String, String> with(Map<String, String> base, String key, String value) {
    Map<String, String> properties = new HashMap<>(base);
    properties.put(key, value);
    return properties;
  }

  private static void assertConfiguration(Map<String, String> properties, String... named) {
    assertThatThrownBy(() -> AssetDirectory.fromProperties(properties))
        .isInstanceOfSatisfying(
            ConfigurationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION_INVALID))
        .hasMessageContainingAll(named);
  }
}
