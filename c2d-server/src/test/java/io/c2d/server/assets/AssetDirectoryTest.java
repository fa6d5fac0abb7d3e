package io.c2d.server.assets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.NotFoundException;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputePolicy;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The directory built in code, and the checks every asset passes ({@link PublishedAsset#of}). */
final class AssetDirectoryTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Did DATASET = Did.of("did:op:" + "1a".repeat(32));
  static final Did ALGORITHM = Did.of("did:op:" + "2b".repeat(32));
  static final Did UNKNOWN = Did.of("did:op:" + "3c".repeat(32));
  static final String DATATOKEN = "0x" + "d7".repeat(20);
  static final ContainerSpec CONTAINER = ContainerSpec.of("busybox", "stable", "sh $ALGO");

  static final FileLocator CSV = FileLocator.file(Path.of("/srv/data/sales.csv"));
  static final FileLocator REMOTE =
      FileLocator.urlBuilder(URI.create("https://127.0.0.1:8443/b.csv"))
          .header("X-Key", "secret")
          .build();
  static final FileLocator SCRIPT = FileLocator.file(Path.of("/srv/algorithms/aggregate.sh"));

  /** A v4 dataset DDO with a compute service that trusts {@link #ALGORITHM}, and an access one. */
  static String datasetDdo(Did did) {
    ObjectNode ddo = JSON.createObjectNode();
    ddo.putArray("@context").add("https://w3id.org/did/v1");
    ddo.put("id", did.value()).put("version", "4.1.0");
    ddo.putObject("metadata").put("type", "dataset").put("name", "sales");
    ObjectNode compute = ddo.putArray("services").addObject();
    compute.put("id", "compute").put("type", "compute").put("files", "0x04");
    compute.put("datatokenAddress", DATATOKEN).put("timeout", 3600);
    ObjectNode policy = compute.putObject("compute");
    policy.put("allowRawAlgorithm", false).put("allowNetworkAccess", true);
    policy.putArray("publisherTrustedAlgorithms").addObject().put("did", ALGORITHM.value());
    ObjectNode access =
        ((com.fasterxml.jackson.databind.node.ArrayNode) ddo.get("services")).addObject();
    access.put("id", "download").put("type", "access").put("files", "0x04");
    return ddo.toString();
  }

  static String algorithmDdo(Did did) {
    ObjectNode ddo = JSON.createObjectNode();
    ddo.put("id", did.value()).put("version", "4.1.0");
    ObjectNode metadata = ddo.putObject("metadata").put("type", "algorithm").put("name", "sum");
    metadata
        .putObject("algorithm")
        .putObject("container")
        .put("entrypoint", "sh $ALGO")
        .put("image", "busybox")
        .put("tag", "stable");
    ddo.putArray("services").addObject().put("id", "access").put("type", "access");
    ddo.putObject("nft").put("owner", "0x" + "0e".repeat(20));
    return ddo.toString();
  }

  static AssetDirectory directory() {
    return AssetDirectory.builder()
        .add(datasetDdo(DATASET), Map.of("compute", List.of(CSV, REMOTE)))
        .add(algorithmDdo(ALGORITHM), Map.of("access", List.of(SCRIPT)))
        .build();
  }

  @Test
  void findsAnAssetByDidAndItsComputeServiceWithItsTerms() {
    AssetDirectory directory = directory();

    assertThat(directory.find(DATASET)).isPresent();
    assertThat(directory.find(UNKNOWN)).isEmpty();
    PublishedAsset asset = directory.asset(DATASET);
    assertThat(asset.did()).isEqualTo(DATASET);
    assertThat(asset.ddo().json()).isEqualTo(datasetDdo(DATASET));
    assertThat(asset.services())
        .extracting(AssetService::id)
        .containsExactly("compute", "download");

    AssetService compute = directory.computeService(DATASET, "compute");
    assertThat(compute.did()).isEqualTo(DATASET);
    assertThat(compute.id()).isEqualTo("compute");
    assertThat(compute.asset()).isEqualTo(asset);
    assertThat(compute.files()).containsExactly(CSV, REMOTE);
    assertThat(compute.terms().isCompute()).isTrue();
    assertThat(compute.terms().timeout()).isEqualTo(Duration.ofHours(1));
    assertThat(compute.terms().datatokenAddress()).contains(EthAddress.of(DATATOKEN));
    ComputePolicy policy = compute.terms().policy();
    assertThat(policy.allowRawAlgorithm()).isFalse();
    assertThat(policy.allowNetworkAccess()).isTrue();
    assertThat(policy.trustedAlgorithms())
        .containsExactly(
            new ComputePolicy.TrustedAlgorithm(
                ALGORITHM.value(), ComputePolicy.ANY, ComputePolicy.ANY));
    assertThat(directory.service(DATASET, "download").files()).isEmpty();
  }

  @Test
  void completesADatasetWithItsDdoAndLocatorsAndDropsWhatTheClientSent() {
    String order = "0x" + "ab".repeat(32);
    DatasetInput asked =
        DatasetInput.builder(DATASET, "compute")
            .orderTx(order)
            .userData("{\"k\":1}")
            .addFile(URI.create("file:///etc/passwd"))
            .build();

    DatasetInput resolved = directory().resolve(asked);

    assertThat(resolved.did()).isEqualTo(DATASET);
    assertThat(resolved.serviceId()).isEqualTo("compute");
    assertThat(resolved.orderTx()).contains(order);
    assertThat(resolved.userData()).contains("{\"k\":1}");
    assertThat(resolved.ddoJson()).contains(datasetDdo(DATASET));
    assertThat(resolved.locators()).containsExactly(CSV, REMOTE);
  }

  @Test
  void completesAPublishedAlgorithmAndLeavesARawOneAlone() {
    AssetDirectory directory = directory();
    String order = "0x" + "cd".repeat(32);
    Algorithm asked =
        Algorithm.published(ALGORITHM, "access", CONTAINER)
            .orderTx(order)
            .customData("{\"p\":2}")
            .putEnvironment("MODE", "fast")
            .addFile(URI.create("file:///etc/shadow"))
            .build();

    Algorithm resolved = directory.resolve(asked);

    assertThat(resolved.did()).contains(ALGORITHM);
    assertThat(resolved.serviceId()).contains("access");
    assertThat(resolved.container()).isEqualTo(CONTAINER);
    assertThat(resolved.files()).containsExactly(SCRIPT.uri());
    assertThat(resolved.ddoJson()).contains(algorithmDdo(ALGORITHM));
    assertThat(resolved.orderTx()).contains(order);
    assertThat(resolved.customData()).isEqualTo("{\"p\":2}");
    assertThat(resolved.environment()).containsExactly(Map.entry("MODE", "fast"));
    assertThat(directory.containerOf(ALGORITHM)).contains(CONTAINER);
    assertThat(directory.containerOf(DATASET)).isEmpty();
    assertThat(directory.containerOf(UNKNOWN)).isEmpty();

    Algorithm raw = Algorithm.raw(CONTAINER, "echo hi").build();
    assertThat(directory.resolve(raw)).isSameAs(raw);
  }

  @Test
  void anAlgorithmMustRunThePublishedContainerAndBeAnAlgorithm() {
    AssetDirectory directory = directory();
    Algorithm otherImage =
        Algorithm.published(ALGORITHM, "access", ContainerSpec.of("python", "3", "python $ALGO"))
            .build();
    assertRefused(() -> directory.resolve(otherImage), "algorithm.meta.container");

    Algorithm aDataset = Algorithm.published(DATASET, "compute", CONTAINER).build();
    assertRefused(() -> directory.resolve(aDataset), "algorithm.documentId");
  }

  @Test
  void anUnknownDidOrServiceIsNotFoundNamingThem() {
    AssetDirectory directory = directory();

    assertNotFound(() -> directory.asset(UNKNOWN), UNKNOWN.value());
    assertNotFound(() -> directory.computeService(UNKNOWN, "compute"), UNKNOWN.value());
    assertNotFound(() -> directory.computeService(DATASET, "nope"), DATASET.value(), "'nope'");
    assertNotFound(
        () -> directory.computeService(DATASET, "download"),
        DATASET.value(),
        "'download'",
        "not a compute service");
    assertNotFound(
        () -> directory.resolve(DatasetInput.builder(UNKNOWN, "compute").build()), UNKNOWN.value());
    assertNotFound(
        () -> directory.resolve(Algorithm.published(UNKNOWN, "access", CONTAINER).build()),
        UNKNOWN.value());
    assertNotFound(
        () -> directory.resolve(Algorithm.published(ALGORITHM, "compute", CONTAINER).build()),
        ALGORITHM.value(),
        "'compute'");
  }

  @Test
  void theBuilderRefusesADidTwice() {
    AssetDirectory.Builder builder =
        AssetDirectory.builder().add(datasetDdo(DATASET), Map.of("compute", List.of(CSV)));
    assertRefused(() -> builder.add(datasetDdo(DATASET), Map.of("compute", List.of(REMOTE))), "id");
  }

  @Test
  void anAssetIsCheckedNamingTheField() {
    assertRefused(() -> PublishedAsset.of("{", Map.of()), "body");
    assertRefused(
        () -> PublishedAsset.of(edit(datasetDdo(DATASET), d -> d.remove("id")), Map.of()), "id");
    assertRefused(() -> PublishedAsset.of(datasetDdo(DATASET), Map.of()), "files.compute");
    assertRefused(
        () -> PublishedAsset.of(datasetDdo(DATASET), Map.of("compute", List.of())),
        "files.compute");
    assertRefused(
        () ->
            PublishedAsset.of(
                datasetDdo(DATASET), Map.of("compute", List.of(CSV), "other", List.of(CSV))),
        "files.other");
    assertRefused(() -> PublishedAsset.of(algorithmDdo(ALGORITHM), Map.of()), "files.access");
    assertRefused(
        () -> PublishedAsset.of(algorithmDdo(ALGORITHM), Map.of("access", List.of(REMOTE))),
        "files.access[0]");
    assertThat(
            PublishedAsset.of(
                    algorithmDdo(ALGORITHM),
                    Map.of("access", List.of(FileLocator.url(URI.create("https://127.0.0.1/a")))))
                .service("access")
                .orElseThrow()
                .files())
        .hasSize(1);
  }

  @Test
  void theDidMustBeTheOneOceanDerivesFromTheNftAndChain() {
    // ddo.js's DDOExampleV4: this NFT on chain 137 is did:op:fa0e...79d5
    Did ocean = Did.of("did:op:fa0e8fa9550e8eb13392d6eeb9ba9f8111801b332c8d2345b350b3bc66b379d5");
    String nft = "0xBB1081DbF3227bbB233Db68f7117114baBb43656";
    assertThat(Assets.didOf(EthAddress.of(nft), 137)).isEqualTo(ocean);

    String matching = edit(datasetDdo(ocean), d -> d.put("nftAddress", nft).put("chainId", 137));
    assertThat(PublishedAsset.of(matching, Map.of("compute", List.of(CSV))).did()).isEqualTo(ocean);

    String other = edit(matching, d -> d.put("chainId", 8996));
    assertThatThrownBy(() -> PublishedAsset.of(other, Map.of("compute", List.of(CSV))))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("id"))
        .hasMessageContaining(ocean.value())
        .hasMessageContaining("8996");
  }

  static String edit(String json, Consumer<ObjectNode> change) {
    try {
      ObjectNode node = (ObjectNode) JSON.readTree(json);
      change.accept(node);
      return node.toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void assertRefused(Runnable call, String field) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  private static void assertNotFound(Runnable call, String... named) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            NotFoundException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ASSET_NOT_FOUND))
        .hasMessageContainingAll(named);
  }
}
