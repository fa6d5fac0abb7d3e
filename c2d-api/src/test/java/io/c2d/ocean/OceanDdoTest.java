package io.c2d.ocean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.InvalidRequestException;
import io.c2d.model.ComputePolicy;
import io.c2d.model.ContainerSpec;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

final class OceanDdoTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String DATASET_DID = "did:op:" + "1a".repeat(32);
  private static final String ALGORITHM_DID = "did:op:" + "2b".repeat(32);
  private static final String DATATOKEN = "0x" + "d7".repeat(20);
  private static final String OWNER = "0x" + "0e".repeat(20);

  /** A v4 dataset DDO in the shape ocean.js publishes, with an access and a compute service. */
  static final String DATASET =
      """
      {"@context": ["https://w3id.org/did/v1"], "id": "%s", "version": "4.1.0",
       "chainId": 8996, "nftAddress": "0x%s",
       "metadata": {"created": "2026-12-01T00:00:00Z", "type": "dataset", "name": "sales",
                    "author": "c2d", "license": "MIT"},
       "services": [
         {"id": "access", "type": "access", "files": "0x04abcd", "datatokenAddress": "%s",
          "serviceEndpoint": "http://127.0.0.1:8030", "timeout": 0},
         {"id": "compute", "type": "compute", "files": "0x04abcd", "datatokenAddress": "%s",
          "serviceEndpoint": "http://127.0.0.1:8030", "timeout": 3600,
          "compute": {"allowRawAlgorithm": false, "allowNetworkAccess": true,
            "publisherTrustedAlgorithms": [
              {"did": "%s", "filesChecksum": "ab12", "containerSectionChecksum": "cd34"}],
            "publisherTrustedAlgorithmPublishers": ["%s"]}}],
       "nft": {"owner": "%s"}}
      """
          .formatted(
              DATASET_DID,
              "aa".repeat(20),
              DATATOKEN,
              DATATOKEN,
              ALGORITHM_DID,
              OWNER.toUpperCase(java.util.Locale.ROOT).replace("0X", "0x"),
              OWNER);

  static final String ALGORITHM =
      """
      {"id": "%s", "version": "4.1.0",
       "metadata": {"type": "algorithm", "name": "aggregate",
         "algorithm": {"language": "sh", "version": "1",
           "container": {"entrypoint": "sh $ALGO", "image": "busybox", "tag": "stable",
                         "checksum": "sha256:%s"}}},
       "services": [{"id": "access", "type": "access", "files": "", "timeout": 0}]}
      """
          .formatted(ALGORITHM_DID, "ef".repeat(32));

  @Test
  void readsTheTermsOfEachServiceOfAV4Dataset() {
    OceanDdo ddo = OceanDdo.parse(DATASET);

    assertThat(ddo.did()).isEqualTo(Did.of(DATASET_DID));
    assertThat(ddo.type()).isEqualTo("dataset");
    assertThat(ddo.isAlgorithm()).isFalse();
    assertThat(ddo.algorithmContainer()).isEmpty();
    assertThat(ddo.chainId()).contains(8996L);
    assertThat(ddo.nftAddress()).contains(EthAddress.of("0x" + "aa".repeat(20)));
    assertThat(ddo.publisher()).contains(EthAddress.of(OWNER));
    assertThat(ddo.json()).isEqualTo(DATASET);
    assertThat(ddo.services())
        .extracting(OceanDdo.Service::id)
        .containsExactly("access", "compute");

    OceanDdo.Service access = ddo.service("access").orElseThrow();
    assertThat(access.isCompute()).isFalse();
    assertThat(access.policy()).isEqualTo(ComputePolicy.CLOSED);
    assertThat(access.timeout()).isEqualTo(Duration.ZERO);

    OceanDdo.Service compute = ddo.service("compute").orElseThrow();
    assertThat(compute.isCompute()).isTrue();
    assertThat(compute.type()).isEqualTo("compute");
    assertThat(compute.timeout()).isEqualTo(Duration.ofHours(1));
    assertThat(compute.datatokenAddress()).contains(EthAddress.of(DATATOKEN));
    assertThat(compute.serviceEndpoint()).contains("http://127.0.0.1:8030");
    assertThat(compute.policy())
        .isEqualTo(
            ComputePolicy.of(
                false,
                true,
                java.util.List.of(
                    new ComputePolicy.TrustedAlgorithm(ALGORITHM_DID, "ab12", "cd34")),
                java.util.List.of(OWNER)));
    assertThat(ddo.service("nope")).isEmpty();
  }

  @Test
  void theTermsAgreeWithThePolicyTheEngineReads() {
    assertThat(OceanDdo.parse(DATASET).service("compute").orElseThrow().policy())
        .isEqualTo(ComputePolicy.fromDdo(DATASET, "compute", "ddo"));
  }

  @Test
  void readsAPublishedAlgorithmsContainer() {
    OceanDdo ddo = OceanDdo.parse(ALGORITHM);

    assertThat(ddo.isAlgorithm()).isTrue();
    assertThat(ddo.algorithmContainer())
        .contains(new ContainerSpec("busybox", "stable", "sha256:" + "ef".repeat(32), "sh $ALGO"));
    assertThat(ddo.publisher()).isEmpty();
    assertThat(ddo.chainId()).isEmpty();
  }

  @Test
  void readsAV5DdoFromItsCredentialSubject() throws Exception {
    ObjectNode v4 = (ObjectNode) MAPPER.readTree(DATASET);
    ObjectNode v5 = MAPPER.createObjectNode();
    v5.put("id", DATASET_DID).put("version", "5.0.0");
    v5.putArray("type").add("VerifiableCredential");
    v4.remove("@context");
    v5.set("credentialSubject", v4);

    OceanDdo ddo = OceanDdo.parse(v5.toString());

    assertThat(ddo.did()).isEqualTo(Did.of(DATASET_DID));
    assertThat(ddo.service("compute").orElseThrow().policy())
        .isEqualTo(OceanDdo.parse(DATASET).service("compute").orElseThrow().policy())
        .isEqualTo(ComputePolicy.fromDdo(v5.toString(), "compute", "ddo"));

    v4.put("id", ALGORITHM_DID);
    assertRefused(v5.toString(), "credentialSubject.id");
    v4.remove("metadata");
    v4.put("id", DATASET_DID);
    assertRefused(v5.toString(), "credentialSubject.metadata");
  }

  @Test
  void refusesMalformedDdosNamingTheMember() {
    assertRefused("{", "body");
    assertRefused("[]", "body");
    assertRefused("{\"a\":1,\"a\":2}", "body");
    assertRefused(edit(DATASET, d -> d.remove("id")), "id");
    assertRefused(edit(DATASET, d -> d.put("id", "did:op:12")), "id");
    assertRefused(edit(DATASET, d -> d.put("chainId", "x")), "chainId");
    assertRefused(edit(DATASET, d -> d.put("nftAddress", "0x12")), "nftAddress");
    assertRefused(edit(DATASET, d -> d.remove("metadata")), "metadata");
    assertRefused(
        edit(DATASET, d -> d.withObjectProperty("metadata").put("type", "model")), "metadata.type");
    assertRefused(edit(DATASET, d -> d.remove("services")), "services");
    assertRefused(edit(DATASET, d -> d.put("services", "x")), "services");
    assertRefused(
        edit(DATASET, d -> ((ObjectNode) d.get("services").get(1)).remove("id")), "services[1].id");
    assertRefused(
        edit(DATASET, d -> ((ObjectNode) d.get("services").get(1)).put("id", "access")),
        "services[1].id");
    assertRefused(
        edit(DATASET, d -> ((ObjectNode) d.get("services").get(0)).remove("type")),
        "services[0].type");
    assertRefused(
        edit(DATASET, d -> ((ObjectNode) d.get("services").get(1)).put("timeout", -1)),
        "services[1].timeout");
    assertRefused(
        edit(DATASET, d -> ((ObjectNode) d.get("services").get(1)).put("datatokenAddress", "x")),
        "services[1].datatokenAddress");
    assertRefused(
        edit(DATASET, d -> compute(d).put("allowRawAlgorithm", "yes")),
        "services[1].compute.allowRawAlgorithm");
    assertRefused(
        edit(
            DATASET,
            d ->
                ((ObjectNode) compute(d).get("publisherTrustedAlgorithms").get(0)).put("did", "x")),
        "services[1].compute.publisherTrustedAlgorithms[0].did");
    assertRefused(
        edit(DATASET, d -> compute(d).putArray("publisherTrustedAlgorithmPublishers").add("me")),
        "services[1].compute.publisherTrustedAlgorithmPublishers[0]");
    assertRefused(
        edit(ALGORITHM, d -> d.withObjectProperty("metadata").remove("algorithm")),
        "metadata.algorithm");
    assertRefused(
        edit(
            ALGORITHM,
            d ->
                d.withObjectProperty("metadata")
                    .withObjectProperty("algorithm")
                    .withObjectProperty("container")
                    .put("image", "A B")),
        "metadata.algorithm.container.image");
    assertRefused(
        edit(
            ALGORITHM,
            d ->
                d.withObjectProperty("metadata")
                    .withObjectProperty("algorithm")
                    .withObjectProperty("container")
                    .put("checksum", "md5:1")),
        "metadata.algorithm.container.checksum");
  }

  @Test
  void refusesADdoOverTheSizeLimit() {
    String padded = DATASET.replace("\"sales\"", "\"" + "s".repeat(OceanDdo.MAX_CHARS) + "\"");
    assertRefused(padded, "body");
  }

  private static ObjectNode compute(ObjectNode ddo) {
    return (ObjectNode) ddo.get("services").get(1).get("compute");
  }

  private static String edit(String json, Consumer<ObjectNode> change) {
    try {
      ObjectNode node = (ObjectNode) MAPPER.readTree(json);
      change.accept(node);
      return node.toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void assertRefused(String json, String field) {
    assertThatThrownBy(() -> OceanDdo.parse(json))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(field));
  }
}
