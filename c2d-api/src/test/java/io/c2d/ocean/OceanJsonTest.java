package io.c2d.ocean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.InvalidRequestException;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FreeLimits;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.OutputOptions;
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

final class OceanJsonTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final Did DS1 =
      Did.of("did:op:da3ecf58095a5b24753e6c8b0ee0451dae58f72288889846239669c7f7d28e75");
  private static final Did DS2 =
      Did.of("did:op:75e7a56a890f3b1a085c89ff77a4b51874d9142343c8c2e1d297cfc85b0f30cc");
  private static final Did ALGO =
      Did.of("did:op:2f63f1edd8b2c3926f52154eb4672e43a0563f0fcc36c98166f829f1c77bac6e");
  private static final Did DERIVED =
      Did.of("did:op:08f0be883564cbf2d0031e32d0b433425a4ca7b3bc87dbcd9b1b12571be9d663");
  private static final EthAddress ALICE =
      EthAddress.of("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
  private static final EthAddress BOB = EthAddress.of("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
  private static final String TX1 =
      "0x709b55bd3da0f5a838125bd0ee20c5bfdd7caba173912d4281cae816b79a201b";
  private static final String TX2 =
      "0x27ca64c092a959c7edc525ed45e845b1de6a7590d173fd2fad9133c8a779a1e3";
  private static final String TX3 =
      "0x1f3cb18e896256d7d6bb8c11a6ec71f005c75de05e39beae5d93bbd1e2c8b7a9";
  private static final String AGREEMENT =
      "0x46a81739c6ee7c1d5ed084e7de843a7ed79435cd445513e4dd5c4e5ac395fb4b";
  private static final String SIGNATURE =
      "0x0073ec266d4fb4adbf3d104aa714f9f11032fd8ab6d8829fc40b52c86f6485d7928cc2ebd4646f3f"
          + "e3f374be11d905bf4be275fa86f3889d82a9f7dc5e41dd321b";
  private static final ContainerSpec BRANIN =
      new ContainerSpec(
          "oceanprotocol/algo_dockers",
          "python-branin",
          "sha256:b29814cf5792e684cd75d6a7fce7a67a11887e312f87ca2ac2496d81f365ff72",
          "python $ALGO");

  // ---------------------------------------------------------------------------------------------
  // Start bodies

  @Test
  void parsesEveryFieldOfAProviderV4StartBody() {
    ComputeRequest request = OceanJson.parseStartRequest(sample("start-provider-v4.json")).build();

    assertThat(request.consumer()).isEqualTo(ALICE);
    assertThat(request.signature()).isEqualTo(SIGNATURE);
    assertThat(request.nonce()).isEqualTo("1700000000123");
    assertThat(request.environmentId()).isEqualTo("ocean-compute");

    assertThat(request.datasets()).hasSize(2);
    DatasetInput first = request.datasets().get(0);
    assertThat(first.did()).isEqualTo(DS1);
    assertThat(first.serviceId()).isEqualTo("svc1");
    assertThat(first.orderTx()).contains(TX1);
    assertThat(first.userData()).contains("{\"a\":1}");
    assertThat(first.files()).isEmpty();
    assertThat(first.ddoJson()).isEmpty();
    DatasetInput second = request.datasets().get(1);
    assertThat(second.did()).isEqualTo(DS2);
    assertThat(second.serviceId()).isEqualTo("svc3");
    assertThat(second.orderTx()).contains(TX3);
    assertThat(second.userData()).isEmpty();

    Algorithm algorithm = request.algorithm();
    assertThat(algorithm.isRaw()).isFalse();
    assertThat(algorithm.did()).contains(ALGO);
    assertThat(algorithm.serviceId()).contains("svc2");
    assertThat(algorithm.orderTx()).contains(TX2);
    assertThat(algorithm.container()).isEqualTo(BRANIN);
    assertThat(algorithm.rawCode()).isEmpty();
    assertThat(algorithm.customData()).isEqualTo("{\"iterations\":10}");
    assertThat(algorithm.environment())
        .containsExactly(Map.entry("SEED", "1"), Map.entry("VERBOSE", "true"));
    assertThat(algorithm.files()).isEmpty();

    assertThat(request.output()).isEqualTo(new OutputOptions(true, "Branin results"));
    assertThat(request.requestId()).isEqualTo("order-42");
    assertThat(request.agreementId()).contains(AGREEMENT);
    assertThat(request.maxDuration()).contains(Duration.ofMinutes(10));
    assertThat(request.resources()).contains(new Resources(2000, 4L << 30, 10L << 30, 1));
    assertThat(request.expiresAt()).contains(Instant.ofEpochSecond(1700003600));
    assertThat(request.networkAccess()).isTrue();
  }

  @Test
  void theProviderAppFillsInFilesAndDdosBeforeBuilding() {
    ComputeRequest.Builder builder = OceanJson.parseStartRequest(sample("start-provider-v4.json"));
    DatasetInput parsed = builder.datasets().get(0);
    DatasetInput resolved =
        DatasetInput.builder(parsed.did(), parsed.serviceId())
            .orderTx(parsed.orderTx().orElseThrow())
            .userData(parsed.userData().orElseThrow())
            .addFile(URI.create("file:///srv/data/branin.csv"))
            .ddoJson("{\"id\":\"" + parsed.did() + "\"}")
            .build();

    ComputeRequest request = builder.setDataset(0, resolved).build();

    assertThat(request.datasets().get(0).files())
        .containsExactly(URI.create("file:///srv/data/branin.csv"));
    assertThat(request.datasets().get(0).ddoJson()).isPresent();
  }

  @Test
  void parsesARawAlgorithmFromAnOceanClientThatSendsNoExpiry() {
    ComputeRequest.Builder builder = OceanJson.parseStartRequest(sample("start-raw.json"));

    InvalidRequestException noExpiry =
        catchThrowableOfType(InvalidRequestException.class, builder::build);
    assertThat(noExpiry.field()).isEqualTo("expiresAt");

    ComputeRequest request = builder.expiresAt(Instant.ofEpochSecond(1718000600)).build();
    assertThat(request.consumer()).isEqualTo(BOB);
    assertThat(request.nonce()).isEqualTo("1718000000000");
    assertThat(request.requestId()).isEqualTo("nonce:1718000000000");
    assertThat(request.datasets()).extracting(DatasetInput::did).containsExactly(DS1);
    assertThat(request.algorithm().isRaw()).isTrue();
    assertThat(request.algorithm().rawCode()).contains("print(sum(range(10)))");
    assertThat(request.algorithm().container())
        .isEqualTo(ContainerSpec.of("python", "3.12-slim", "python $ALGO"));
    assertThat(request.algorithm().customData()).isEqualTo("{}");
    assertThat(request.algorithm().environment()).isEmpty();
    assertThat(request.output()).isEqualTo(OutputOptions.KEEP);
    assertThat(request.agreementId()).isEmpty();
    assertThat(request.resources()).isEmpty();
    assertThat(request.maxDuration()).isEmpty();
    assertThat(request.networkAccess()).isFalse();
  }

  @Test
  void aPublishedAlgorithmWithoutAContainerNeedsOneFromItsDdo() {
    String body = sample("start-ocean-node.json");

    InvalidRequestException refused =
        catchThrowableOfType(
            InvalidRequestException.class, () -> OceanJson.parseStartRequest(body));
    assertThat(refused.field()).isEqualTo("algorithm.meta.container");

    InvalidRequestException unknown =
        catchThrowableOfType(
            InvalidRequestException.class,
            () -> OceanJson.parseStartRequest(body, did -> Optional.empty()));
    assertThat(unknown.field()).isEqualTo("algorithm.meta.container");

    AtomicInteger calls = new AtomicInteger();
    ComputeRequest request =
        OceanJson.parseStartRequest(
                body,
                did -> {
                  calls.incrementAndGet();
                  return did.equals(ALGO) ? Optional.of(BRANIN) : Optional.empty();
                })
            .expiresAt(Instant.ofEpochSecond(1718000600))
            .build();
    assertThat(calls).hasValue(1);
    assertThat(request.algorithm().container()).isEqualTo(BRANIN);
    assertThat(request.algorithm().did()).contains(ALGO);
    assertThat(request.algorithm().customData()).isEqualTo("{\"k\":\"v\"}");
    assertThat(request.algorithm().environment()).containsExactly(Map.entry("SEED", "1"));
    // ocean-node's datasets[] form, with userdata sent as a string
    assertThat(request.datasets()).hasSize(1);
    assertThat(request.datasets().get(0).did()).isEqualTo(DS1);
    assertThat(request.datasets().get(0).orderTx()).contains(TX1);
    assertThat(request.datasets().get(0).userData()).contains("{\"a\":1}");
    assertThat(request.maxDuration()).contains(Duration.ofMinutes(10));
    assertThat(request.resources()).contains(new Resources(500, 3L << 29, 10L << 30, 0));
  }

  @Test
  void theDdoContainerWinsButMustAgreeWithTheBody() {
    String body = sample("start-provider-v4.json");

    ComputeRequest same = OceanJson.parseStartRequest(body, did -> Optional.of(BRANIN)).build();
    assertThat(same.algorithm().container()).isEqualTo(BRANIN);

    ComputeRequest bodyOnly = OceanJson.parseStartRequest(body, did -> Optional.empty()).build();
    assertThat(bodyOnly.algorithm().container()).isEqualTo(BRANIN);

    ContainerSpec other =
        ContainerSpec.of("oceanprotocol/algo_dockers", "python-sql", "python $ALGO");
    InvalidRequestException differs =
        catchThrowableOfType(
            InvalidRequestException.class,
            () -> OceanJson.parseStartRequest(body, did -> Optional.of(other)));
    assertThat(differs.field()).isEqualTo("algorithm.meta.container");
  }

  @Test
  void aRawAlgorithmDoesNotAskForAPublishedContainer() {
    ComputeRequest.Builder builder =
        OceanJson.parseStartRequest(
            sample("start-raw.json"),
            did -> {
              throw new AssertionError("not called for a raw algorithm");
            });
    assertThat(builder.algorithm()).hasValueSatisfying(a -> assertThat(a.isRaw()).isTrue());
  }

  @Test
  void acceptsExpiresAtEqualToValidUntilAndAnEmptyResourceList() {
    ObjectNode body = v4();
    body.put("expiresAt", 1700003600);
    body.putArray("resources");
    ComputeRequest request = OceanJson.parseStartRequest(body.toString()).build();
    assertThat(request.expiresAt()).contains(Instant.ofEpochSecond(1700003600));
    assertThat(request.resources()).isEmpty();
  }

  @Test
  void crossFieldChecksAreLeftToBuildAndNameTheirField() {
    ObjectNode duplicate = v4();
    ((ObjectNode) duplicate.withArray("additionalDatasets").get(0)).put("documentId", DS1.value());
    InvalidRequestException twice =
        catchThrowableOfType(
            InvalidRequestException.class,
            () -> OceanJson.parseStartRequest(duplicate.toString()).build());
    assertThat(twice.field()).isEqualTo("datasets[1].did");

    ObjectNode noOrder = v4();
    noOrder.remove("agreementId");
    ((ObjectNode) noOrder.get("dataset")).remove("transferTxId");
    InvalidRequestException unpaid =
        catchThrowableOfType(
            InvalidRequestException.class,
            () -> OceanJson.parseStartRequest(noOrder.toString()).build());
    assertThat(unpaid.field()).isEqualTo("agreementId");
  }

  static Stream<Arguments> malformedStartBodies() {
    String did = "\"" + DS2.value() + "\"";
    return Stream.of(
        raw("not json", "body"),
        raw("", "body"),
        raw("[1, 2]", "body"),
        raw("{\"nonce\": 1, \"nonce\": 2}", "body"),
        raw("{} {}", "body"),
        without("consumerAddress", "consumerAddress"),
        with("consumerAddress", "\"0x1234\"", "consumerAddress"),
        with("consumerAddress", "42", "consumerAddress"),
        without("signature", "signature"),
        with("signature", "\"0xabc\"", "signature"),
        without("nonce", "nonce"),
        with("nonce", "1.5", "nonce"),
        with("nonce", "\"1700000000123.456\"", "nonce"),
        with("nonce", "true", "nonce"),
        with("nonce", "-5", "nonce"),
        without("environment", "environment"),
        with("environment", "\"\"", "environment"),
        with("environment", "\"" + "e".repeat(256) + "\"", "environment"),
        without("dataset", "dataset"),
        with("dataset", did, "dataset"),
        without("dataset.documentId", "dataset.documentId"),
        with("dataset.documentId", "\"did:op:xyz\"", "dataset.documentId"),
        without("dataset.serviceId", "dataset.serviceId"),
        with("dataset.serviceId", "7", "dataset.serviceId"),
        with("dataset.serviceId", "\"  \"", "dataset.serviceId"),
        with("dataset.transferTxId", "\"0x12\"", "dataset.transferTxId"),
        with("dataset.userdata", "5", "dataset.userdata"),
        with("dataset.userdata", "\"not json\"", "dataset.userdata"),
        with("dataset.userdata", "\"[1]\"", "dataset.userdata"),
        with("additionalDatasets", "{}", "additionalDatasets"),
        with("additionalDatasets[0]", "3", "additionalDatasets[0]"),
        with(
            "additionalDatasets[0].documentId",
            "\"did:op:12\"",
            "additionalDatasets[0].documentId"),
        without("additionalDatasets[0].serviceId", "additionalDatasets[0].serviceId"),
        with(
            "additionalDatasets[0].transferTxId", "\"0x12\"", "additionalDatasets[0].transferTxId"),
        with("additionalDatasets[0].userdata", "[]", "additionalDatasets[0].userdata"),
        with("datasets", "[]", "datasets"),
        without("algorithm", "algorithm"),
        with("algorithm", "[]", "algorithm"),
        with("algorithm.documentId", "\"did:op:12\"", "algorithm.documentId"),
        without("algorithm.serviceId", "algorithm.serviceId"),
        with("algorithm.meta", "\"x\"", "algorithm.meta"),
        without("algorithm.meta.container", "algorithm.meta.container"),
        with("algorithm.meta.container", "[]", "algorithm.meta.container"),
        with("algorithm.meta.rawcode", "\"print(1)\"", "algorithm.meta.rawcode"),
        without("algorithm.meta.container.image", "algorithm.meta.container.image"),
        with(
            "algorithm.meta.container.image", "\"Not An Image\"", "algorithm.meta.container.image"),
        without("algorithm.meta.container.tag", "algorithm.meta.container.tag"),
        with("algorithm.meta.container.tag", "\"bad tag!\"", "algorithm.meta.container.tag"),
        without("algorithm.meta.container.entrypoint", "algorithm.meta.container.entrypoint"),
        with("algorithm.meta.container.entrypoint", "1", "algorithm.meta.container.entrypoint"),
        with(
            "algorithm.meta.container.checksum",
            "\"md5:abc\"",
            "algorithm.meta.container.checksum"),
        with("algorithm.transferTxId", "\"0x1\"", "algorithm.transferTxId"),
        with("algorithm.algocustomdata", "[1]", "algorithm.algocustomdata"),
        with("algorithm.algocustomdata", "\"{\"", "algorithm.algocustomdata"),
        with("algorithm.envs", "[]", "algorithm.envs"),
        with("algorithm.envs", "{\"1BAD\": \"x\"}", "algorithm.envs"),
        with("algorithm.envs", "{\"OK\": {\"a\": 1}}", "algorithm.envs.OK"),
        Arguments.of(
            "raw algorithm without meta",
            mutate(b -> remove(remove(b, "algorithm.documentId"), "algorithm.meta")),
            "algorithm.meta"),
        Arguments.of(
            "raw algorithm with empty rawcode",
            mutate(b -> remove(b, "algorithm.documentId")),
            "algorithm.meta.rawcode"),
        with("requestId", "\"has space\"", "requestId"),
        with("requestId", "12", "requestId"),
        with("agreementId", "\"0x1\"", "agreementId"),
        with("maxJobDuration", "\"ten\"", "maxJobDuration"),
        with("maxJobDuration", "0", "maxJobDuration"),
        with("maxJobDuration", "-1", "maxJobDuration"),
        with("maxJobDuration", "1.5", "maxJobDuration"),
        with("maxJobDuration", "3000000000", "maxJobDuration"),
        with("resources", "{}", "resources"),
        with("resources", "[{\"id\": \"cpu\", \"amount\": 1}]", "resources"),
        with("resources[0]", "1", "resources[0]"),
        without("resources[0].id", "resources[0].id"),
        with("resources[0].id", "\"tpu\"", "resources[0].id"),
        without("resources[0].amount", "resources[0].amount"),
        with("resources[0].amount", "-1", "resources[0].amount"),
        with("resources[0].amount", "\"2\"", "resources[0].amount"),
        with("resources[0].amount", "5000", "resources[0].amount"),
        with("resources[1].amount", "2000000", "resources[1].amount"),
        with("resources[3].amount", "0.5", "resources[3].amount"),
        with("resources[1].id", "\"cpu\"", "resources[1].id"),
        with("validUntil", "\"soon\"", "validUntil"),
        with("validUntil", "-1", "validUntil"),
        with("expiresAt", "1", "expiresAt"),
        with("networkAccess", "\"yes\"", "networkAccess"),
        with("output", "\"0x04deadbeef\"", "output"),
        with("output", "3", "output"),
        with("output.publishAsAsset", "1", "output.publishAsAsset"),
        with("output.assetName", "5", "output.assetName"),
        with("output.assetName", "\"   \"", "output.assetName"));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("malformedStartBodies")
  void refusesAMalformedStartBodyNamingTheField(String change, String body, String field) {
    assertThatThrownBy(() -> OceanJson.parseStartRequest(body))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  @Test
  void aDatasetsListCannotBeMixedWithAdditionalDatasets() {
    String body =
        sample("start-ocean-node.json")
            .replace("\"maxJobDuration\"", "\"additionalDatasets\": [], \"maxJobDuration\"");
    InvalidRequestException mixed =
        catchThrowableOfType(
            InvalidRequestException.class,
            () -> OceanJson.parseStartRequest(body, did -> Optional.of(BRANIN)));
    assertThat(mixed.field()).isEqualTo("additionalDatasets");
  }

  // ---------------------------------------------------------------------------------------------
  // Status lists

  @Test
  void writesTheStatusListFieldForField() throws IOException {
    String written = OceanJson.writeStatusList(jobs());

    assertThat(MAPPER.readTree(written)).isEqualTo(MAPPER.readTree(sample("status-list.json")));
  }

  @Test
  void readsTheStatusListBackIntoEqualJobs() {
    assertThat(OceanJson.readStatusList(sample("status-list.json")))
        .containsExactlyElementsOf(jobs());
    assertThat(OceanJson.readStatusList(OceanJson.writeStatusList(jobs())))
        .containsExactlyElementsOf(jobs());
    assertThat(OceanJson.writeStatusList(List.of())).isEqualTo("[]");
    assertThat(OceanJson.readStatusList("[]")).isEmpty();
  }

  @Test
  void readsOperatorServiceStatusLists() {
    List<ComputeJob> jobs = OceanJson.readStatusList(sample("status-list-operator.json"));

    assertThat(jobs).hasSize(3);
    ComputeJob warming = jobs.get(0);
    assertThat(warming.id()).isEqualTo(JobId.of("9f91e2b0c4d84e5fa1b2c3d4e5f60718"));
    assertThat(warming.owner()).isEqualTo(ALICE);
    assertThat(warming.status()).isEqualTo(JobStatus.WARMING_UP);
    assertThat(warming.agreementId()).contains(TX1);
    assertThat(warming.createdAt()).isEqualTo(Instant.ofEpochSecond(1705855599, 640_123_000));
    assertThat(warming.updatedAt()).isEqualTo(warming.createdAt());
    assertThat(warming.finishedAt()).isEmpty();
    assertThat(warming.results()).isEmpty();
    assertThat(warming.algorithmDid()).contains(ALGO);
    assertThat(warming.inputDids()).containsExactly(DS1);
    assertThat(warming.requestId()).isEmpty();
    assertThat(warming.environmentId()).isEmpty();
    assertThat(warming.detail()).isEmpty();
    assertThat(warming.exitCode()).isEmpty();
    assertThat(warming.derivedAssetDid()).isEmpty();

    ComputeJob stopped = jobs.get(1);
    assertThat(stopped.status()).isEqualTo(JobStatus.STOPPED);
    assertThat(stopped.finishedAt()).contains(Instant.ofEpochMilli(1705855700750L));
    assertThat(stopped.updatedAt()).isEqualTo(Instant.ofEpochMilli(1705855700750L));
    assertThat(stopped.algorithmDid()).isEmpty();
    assertThat(stopped.results())
        .containsExactly(
            new JobResult("algorithm.log", ResultKind.ALGORITHM_LOG, 85, 0),
            new JobResult("configure.log", ResultKind.CONFIGURATION_LOG, 900, 1),
            new JobResult("publish.log", ResultKind.PUBLISH_LOG, 300, 2));

    ComputeJob timedOut = jobs.get(2);
    assertThat(timedOut.status()).isEqualTo(JobStatus.TIMED_OUT);
    assertThat(timedOut.createdAt()).isEqualTo(Instant.ofEpochSecond(1705856000));
    assertThat(timedOut.finishedAt()).contains(Instant.ofEpochSecond(1705859600));
  }

  static Stream<Arguments> malformedStatusLists() {
    return Stream.of(
        Arguments.of("{}", "body"),
        Arguments.of("[1]", "[0]"),
        Arguments.of(statusWith("jobId", "\"0x12-0x34\""), "[0].jobId"),
        Arguments.of(statusWith("owner", "\"bob\""), "[0].owner"),
        Arguments.of(statusWith("status", "999"), "[0].status"),
        Arguments.of(statusWith("status", "\"forty\""), "[0].status"),
        Arguments.of(statusWith("dateCreated", "\"yesterday\""), "[0].dateCreated"),
        Arguments.of(statusWith("dateFinished", "[]"), "[0].dateFinished"),
        Arguments.of(statusWith("results", "{}"), "[0].results"),
        Arguments.of(statusWith("inputDID", "[\"did:op:1\"]"), "[0].inputDID[0]"),
        Arguments.of(statusWith("algoDID", "\"did:op:1\""), "[0].algoDID"),
        Arguments.of(
            statusWith("terminationDetails", "{\"exitCode\": \"x\"}"),
            "[0].terminationDetails.exitCode"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("malformedStatusLists")
  void refusesAMalformedStatusListNamingTheField(String json, String field) {
    assertThatThrownBy(() -> OceanJson.readStatusList(json))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  // ---------------------------------------------------------------------------------------------
  // Results lists

  @Test
  void readsResultsListsIncludingOceansMisspeltConfigurationLog() throws IOException {
    List<JobResult> results = OceanJson.readResultsList(sample("results-list.json"));

    assertThat(results)
        .containsExactly(
            new JobResult("result.csv", ResultKind.OUTPUT, 120, 0),
            new JobResult("algorithm.log", ResultKind.ALGORITHM_LOG, 85, 1),
            new JobResult("configure.log", ResultKind.CONFIGURATION_LOG, 900, 2),
            new JobResult("publish.log", ResultKind.PUBLISH_LOG, 300, 3),
            new JobResult("plots/branin.png", ResultKind.OUTPUT, 0, 4));

    JsonNode expected = MAPPER.readTree(sample("results-list.json"));
    ((ObjectNode) expected.get(2)).put("type", "configurationLog");
    assertThat(MAPPER.readTree(OceanJson.writeResultsList(results))).isEqualTo(expected);
    assertThat(OceanJson.readResultsList(OceanJson.writeResultsList(results))).isEqualTo(results);
  }

  static Stream<Arguments> malformedResultsLists() {
    String ok = "\"filesize\": 1, \"type\": \"output\", \"index\": 0";
    return Stream.of(
        Arguments.of("nope", "body"),
        Arguments.of("{\"filename\": \"a\"}", "body"),
        Arguments.of("[[]]", "[0]"),
        Arguments.of("[{" + ok + "}]", "[0].filename"),
        Arguments.of("[{\"filename\": \"../etc/passwd\", " + ok + "}]", "[0].filename"),
        Arguments.of("[{\"filename\": \"/abs\", " + ok + "}]", "[0].filename"),
        Arguments.of(
            "[{\"filename\": \"a\", "
                + ok
                + "}, {\"filename\": \"image.log\", \"filesize\": 1,"
                + " \"type\": \"imageLog\", \"index\": 1}]",
            "[1].type"),
        Arguments.of(
            "[{\"filename\": \"a\", \"filesize\": -1, \"type\": \"output\", \"index\": 0}]",
            "[0].filesize"),
        Arguments.of("[{\"filename\": \"a\", \"type\": \"output\", \"index\": 0}]", "[0].filesize"),
        Arguments.of(
            "[{\"filename\": \"a\", \"filesize\": 1, \"type\": \"output\", \"index\": 1.5}]",
            "[0].index"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("malformedResultsLists")
  void refusesAMalformedResultsListNamingTheField(String json, String field) {
    assertThatThrownBy(() -> OceanJson.readResultsList(json))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  // ---------------------------------------------------------------------------------------------
  // Environments

  @Test
  void writesTheEnvironmentsListing() throws IOException {
    ComputeEnvironment big =
        ComputeEnvironment.builder("ocean-compute")
            .description("CPU and GPU jobs")
            .capacity(Resources.of(8, 32 * 1024, 100 * 1024, 2))
            .maxPerJob(Resources.of(4, 16 * 1024, 50 * 1024, 1))
            .defaultPerJob(Resources.of(1, 1024, 1024, 0))
            .maxConcurrentJobs(4)
            .maxJobsPerConsumer(2)
            .queueCapacity(100)
            .maxDuration(Duration.ofHours(1))
            .free(true)
            .freeLimits(
                FreeLimits.of(Duration.ofHours(1), Resources.of(4, 16 * 1024, 50 * 1024, 1), 4, 2))
            .build();
    ComputeEnvironment small =
        ComputeEnvironment.builder("small")
            .capacity(Resources.of(1.5, 3 * 1024, 10 * 1024, 0))
            .maxPerJob(Resources.of(0.5, 512, 2 * 1024, 0))
            .maxConcurrentJobs(1)
            .maxJobsPerConsumer(1)
            .queueCapacity(0)
            .maxDuration(Duration.ofMinutes(10))
            .free(false)
            .build();

    String written = OceanJson.writeEnvironments(List.of(big, small));

    assertThat(MAPPER.readTree(written)).isEqualTo(MAPPER.readTree(sample("environments.json")));
  }

  @Test
  void listsOceansFreeMemberOnlyForAnEnvironmentWithFreeLimits() throws IOException {
    ComputeEnvironment feeFreeOnly = ComputeEnvironment.builder("no-fee").free(true).build();

    var written = MAPPER.readTree(OceanJson.writeEnvironments(List.of(feeFreeOnly)));

    assertThat(written.get(0).has("free"))
        .as("no free member without free limits: ocean.js would take it for free compute")
        .isFalse();
  }

  // ---------------------------------------------------------------------------------------------
  // Fixtures

  private static List<ComputeJob> jobs() {
    ComputeJob running =
        ComputeJob.builder(JobId.of("9f91e2b0c4d84e5fa1b2c3d4e5f60718"), ALICE)
            .requestId("nonce:1718000000000")
            .inputDids(List.of(DS1))
            .environmentId("ocean-compute")
            .status(JobStatus.RUNNING_ALGORITHM)
            .createdAt(Instant.ofEpochMilli(1705855599640L))
            .updatedAt(Instant.ofEpochMilli(1705855612500L))
            .build();
    ComputeJob completed =
        ComputeJob.builder(JobId.of("0a1b2c3d4e5f60718293a4b5c6d7e8f9"), ALICE)
            .requestId("order-42")
            .agreementId(AGREEMENT)
            .inputDids(List.of(DS1, DS2))
            .algorithmDid(ALGO)
            .environmentId("ocean-compute")
            .status(JobStatus.COMPLETED)
            .exitCode(0)
            .createdAt(Instant.ofEpochSecond(1705855600))
            .updatedAt(Instant.ofEpochMilli(1705855700123L))
            .finishedAt(Instant.ofEpochMilli(1705855700123L))
            .results(
                List.of(
                    new JobResult("result.csv", ResultKind.OUTPUT, 120, 0),
                    new JobResult("algorithm.log", ResultKind.ALGORITHM_LOG, 85, 1),
                    new JobResult("configuration.log", ResultKind.CONFIGURATION_LOG, 900, 2),
                    new JobResult("publish.log", ResultKind.PUBLISH_LOG, 300, 3)))
            .derivedAssetDid(DERIVED)
            .build();
    ComputeJob stopped =
        ComputeJob.builder(JobId.of("11111111222222223333333344444444"), BOB)
            .requestId("r-3")
            .inputDids(List.of(DS2))
            .environmentId("ocean-compute")
            .status(JobStatus.STOPPED)
            .detail("stopped by its owner")
            .exitCode(137)
            .createdAt(Instant.ofEpochMilli(1705855000001L))
            .updatedAt(Instant.ofEpochMilli(1705855100100L))
            .finishedAt(Instant.ofEpochMilli(1705855100100L))
            .results(List.of(new JobResult("algorithm.log", ResultKind.ALGORITHM_LOG, 12, 0)))
            .build();
    ComputeJob timedOut =
        ComputeJob.builder(JobId.of("aaaaaaaabbbbbbbbccccccccdddddddd"), BOB)
            .requestId("r-4")
            .inputDids(List.of(DS2))
            .environmentId("small")
            .status(JobStatus.TIMED_OUT)
            .detail("ran past its maximum duration of 3600 s")
            .createdAt(Instant.ofEpochSecond(1705856000))
            .updatedAt(Instant.ofEpochSecond(1705859600))
            .finishedAt(Instant.ofEpochSecond(1705859600))
            .build();
    ComputeJob outOfMemory =
        ComputeJob.builder(JobId.of("eeeeeeeeffffffff0000000011111111"), BOB)
            .requestId("r-5")
            .inputDids(List.of(DS2))
            .environmentId("small")
            .status(JobStatus.OUT_OF_MEMORY)
            .exitCode(137)
            .createdAt(Instant.ofEpochMilli(1705856000500L))
            .updatedAt(Instant.ofEpochMilli(1705856030250L))
            .finishedAt(Instant.ofEpochMilli(1705856030250L))
            .results(List.of(new JobResult("algorithm.log", ResultKind.ALGORITHM_LOG, 4096, 0)))
            .build();
    return List.of(running, completed, stopped, timedOut, outOfMemory);
  }

  private static String statusWith(String member, String json) {
    ArrayNode list = (ArrayNode) tree(sample("status-list.json"));
    ((ObjectNode) list.get(0)).set(member, tree(json));
    return list.toString();
  }

  private static ObjectNode v4() {
    return (ObjectNode) tree(sample("start-provider-v4.json"));
  }

  private static Arguments raw(String body, String field) {
    return Arguments.of("body " + body, body, field);
  }

  private static Arguments with(String path, String json, String field) {
    return Arguments.of(path + " = " + json, mutate(b -> set(b, path, tree(json))), field);
  }

  private static Arguments without(String path, String field) {
    return Arguments.of("no " + path, mutate(b -> remove(b, path)), field);
  }

  private static String mutate(java.util.function.UnaryOperator<ObjectNode> change) {
    return change.apply(v4()).toString();
  }

  /** Sets the member at a dotted path such as {@code a.b[0].c}, creating nothing on the way. */
  private static ObjectNode set(ObjectNode root, String path, JsonNode value) {
    int dot = Math.max(path.lastIndexOf('.'), -1);
    String last = path.substring(dot + 1);
    JsonNode parent = dot < 0 ? root : navigate(root, path.substring(0, dot));
    if (last.endsWith("]")) {
      int open = last.indexOf('[');
      ArrayNode array = (ArrayNode) (open == 0 ? parent : parent.get(last.substring(0, open)));
      array.set(Integer.parseInt(last.substring(open + 1, last.length() - 1)), value);
    } else {
      ((ObjectNode) parent).set(last, value);
    }
    return root;
  }

  private static ObjectNode remove(ObjectNode root, String path) {
    int dot = path.lastIndexOf('.');
    JsonNode parent = dot < 0 ? root : navigate(root, path.substring(0, dot));
    ((ObjectNode) parent).remove(path.substring(dot + 1));
    return root;
  }

  private static JsonNode navigate(JsonNode root, String path) {
    JsonNode node = root;
    for (String part : List.of(path.split("\\.", -1))) {
      int open = part.indexOf('[');
      if (open < 0) {
        node = node.get(part);
      } else {
        node = node.get(part.substring(0, open));
        node = node.get(Integer.parseInt(part.substring(open + 1, part.length() - 1)));
      }
    }
    return node;
  }

  private static JsonNode tree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sample(String name) {
    try (InputStream in = OceanJsonTest.class.getResourceAsStream("/ocean/" + name)) {
      assertThat(in).as("test resource /ocean/%s", name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
