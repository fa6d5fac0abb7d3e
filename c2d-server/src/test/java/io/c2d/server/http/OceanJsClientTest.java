package io.c2d.server.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.ComputeEngine;
import io.c2d.backend.docker.DockerComputeBackend;
import io.c2d.backend.local.EmbeddedComputeBackend;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import io.c2d.model.FreeLimits;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.server.DockerTestImage;
import io.c2d.server.assets.AssetDirectory;
import io.c2d.server.assets.AssetFolder;
import io.c2d.server.assets.SampleAssets;
import io.c2d.server.internal.DemoVerifierProvider;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.junit.Requires;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The unmodified ocean.js client ({@code @oceanprotocol/lib} {@value
 * OceanJsClient#OCEAN_JS_VERSION}, installed by the build from the committed lock file) against the
 * real provider: {@link OceanComputeHandler} on {@link OceanHttpServer}, an ephemeral loopback
 * port, the embedded backend and (second case) the Docker backend running the locally built image.
 * Every assertion reads what ocean.js itself returned, threw or logged ({@link OceanJsRun}); no
 * request is made by anything else. In CI a missing node, npm install or Docker engine fails the
 * test ({@link OceanJs}, {@link io.c2d.server.DockerTestImage}).
 */
@Requires(OceanJs.class)
class OceanJsClientTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration FLOW_TIMEOUT = Duration.ofSeconds(150);
  private static final long CHAIN_ID = 8996;
  private static final EthAddress PROVIDER =
      EthAddress.of("0x00000000000000000000000000000000000c2d01");
  private static final Did DATASET =
      Did.of("did:op:0c2d0c2d0c2d0c2d0c2d0c2d0c2d0c2d0c2d0c2d0c2d0c2d0c2d0c2d0c2d0c2d");
  private static final String SERVICE = "compute";

  /**
   * Ticks on stdout, half a second apart, so that the live log stream has something to carry while
   * the job runs; then the dataset copied to the outputs, so a result holds its bytes.
   */
  private static final String TICKING =
      """
      set -eu
      for i in 1 2 3 4 5 6 7 8; do echo "tick $i"; sleep 0.5; done
      cat "$INPUTS"/*/0 > "$OUTPUTS/copy.csv"
      echo "copied $(wc -l < "$OUTPUTS/copy.csv") lines"
      """;

  /** A job that runs until it is stopped. */
  private static final String LONG = "echo started\nsleep 300\n";

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Embedded extends Flows {
    Embedded() {
      super("busybox", "stable");
    }

    @Override
    ComputeBackend backend(Path dir, ComputeEnvironment environment) {
      return EmbeddedComputeBackend.builder()
          .workRoot(dir.resolve("jobs"))
          .environment(environment)
          .build();
    }

    /**
     * The runnable provider's sample: the published algorithm by its DID on the published dataset,
     * which trusts exactly that algorithm (embedded only: its DDO names busybox:stable, which a
     * machine without a registry has no image of).
     */
    @Test
    void runsTheSamplePublishedAlgorithmOnTheSampleDataset() throws Exception {
      Map<String, String> options = new LinkedHashMap<>();
      options.put("key", newKey());
      ArrayNode datasets = JSON.createArrayNode();
      datasets
          .addObject()
          .put("documentId", SampleAssets.DATASET_DID.value())
          .put("serviceId", SampleAssets.DATASET_SERVICE_ID);
      options.put("datasets", JSON.writeValueAsString(datasets));
      options.put(
          "algorithm",
          JSON.writeValueAsString(
              JSON.createObjectNode()
                  .put("documentId", SampleAssets.ALGORITHM_DID.value())
                  .put("serviceId", SampleAssets.ALGORITHM_SERVICE_ID)));
      OceanJsRun run = client().run("compute", options, FLOW_TIMEOUT).assertDone();
      String shown = run.describe();

      JsonNode last = run.step("final").path("job");
      assertThat(last.path("c2dStatus").asInt())
          .as("the sample job succeeded\n%s", shown)
          .isEqualTo(JobStatus.COMPLETED.code());
      String summary =
          run.all("result").stream()
              .filter(r -> r.path("filename").asText().equals("summary.csv"))
              .map(r -> new String(Base64.getDecoder().decode(r.path("base64").asText()), UTF_8))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no summary.csv among the results\n" + shown));
      assertThat(summary)
          .isEqualTo(
              """
              region,units,revenue
              east,150,97.50
              north,220,146.00
              south,310,184.50
              west,190,189.00
              """);
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  @Requires(DockerTestImage.class)
  class Docker extends Flows {
    Docker() {
      super("c2d-test/busybox", "1");
    }

    @Override
    ComputeBackend backend(Path dir, ComputeEnvironment environment) {
      return DockerComputeBackend.builder()
          .resultRoot(dir.resolve("results"))
          .environment(environment)
          .instance("oceanjs-test")
          .pullMissingImages(false)
          .build();
    }
  }

  /** The flows, on one backend: one engine and server for all of them. */
  abstract static class Flows {
    private final String image;
    private final String tag;
    private @Nullable Path work;
    private @Nullable ComputeEngine engine;
    private @Nullable OceanHttpServer server;
    private @Nullable OceanJsClient client;

    Flows(String image, String tag) {
      this.image = image;
      this.tag = tag;
    }

    /** The backend under test, offering {@code environment}, keeping its jobs below {@code dir}. */
    abstract ComputeBackend backend(Path dir, ComputeEnvironment environment);

    @BeforeAll
    void startProvider() throws IOException {
      Path dir = Files.createTempDirectory("c2d-oceanjs-");
      work = dir;
      Path sales = dir.resolve("publisher-data/sales.csv");
      Files.createDirectories(sales.getParent());
      try (InputStream in =
          OceanJsClientTest.class.getResourceAsStream("/io/c2d/server/sales.csv")) {
        assertThat(in).as("the sample dataset on the class path").isNotNull();
        Files.copy(in, sales);
      }
      Map<String, String> properties = new LinkedHashMap<>();
      properties.put("c2d.verifier", DemoVerifierProvider.NAME);
      properties.put("c2d.authenticator", "web3j");
      properties.put("c2d.chain-id", Long.toString(CHAIN_ID));
      properties.put("c2d.provider-address", PROVIDER.value());
      properties.put("c2d.state-dir", dir.resolve("state").toString());
      ComputeEngine started =
          ComputeEngine.builder()
              .properties(properties)
              .backend(backend(dir, freeEnvironment()))
              .build();
      engine = started;
      OceanComputeHandler handler =
          OceanComputeHandler.builder(started)
              .providerAddress(PROVIDER)
              .chainIds(List.of(CHAIN_ID))
              .assets(publisher(sales, dir.resolve("assets")))
              .build();
      OceanHttpServer listening =
          OceanHttpServer.start(
              handler, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      server = listening;
      client = new OceanJsClient(listening.url());
    }

    @AfterAll
    void stopProvider() throws IOException {
      if (server != null) {
        server.close();
      }
      if (engine != null) {
        engine.close();
      }
      if (work != null) {
        try (var paths = Files.walk(work)) {
          paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }

    @Test
    void listsEnvironmentsAndANewWalletsNonce() throws Exception {
      String key = newKey();
      OceanJsRun run = client().run("environments", Map.of("key", key), FLOW_TIMEOUT).assertDone();

      assertThat(run.step("isValidProvider").path("valid").asBoolean())
          .as("isValidProvider\n%s", run.describe())
          .isTrue();
      JsonNode environments = run.step("environments").path("environments");
      assertThat(environments.isArray() && environments.size() > 0)
          .as("getComputeEnvironments returned a non-empty array\n%s", run.describe())
          .isTrue();
      for (JsonNode environment : environments) {
        assertThat(environment.path("id").asText()).as("an environment's id").isNotBlank();
        assertThat(environment.path("consumerAddress").asText())
            .as("an environment's consumerAddress")
            .isNotBlank();
      }
      assertThat(environments.findParents("free"))
          .as("an environment that advertises free compute\n%s", run.describe())
          .isNotEmpty();
      JsonNode nonce = run.step("nonce");
      assertThat(nonce.path("address").asText())
          .isEqualToIgnoringCase(EthereumKey.fromPrivateKey(key).checksumAddress());
      assertThat(nonce.path("nonce").asLong()).as("a new wallet's nonce").isZero();
    }

    @Test
    void runsAFreeJobStreamsItsLogsAndDownloadsEveryResult() throws Exception {
      String key = newKey();
      String other = newKey();
      String consumer = EthereumKey.fromPrivateKey(key).checksumAddress();
      OceanJsRun run =
          client()
              .run("compute", options(key, TICKING, Map.of("other-key", other)), FLOW_TIMEOUT)
              .assertDone();
      String shown = run.describe();

      JsonNode started = run.step("start").path("answer");
      assertThat(started.isArray()).as("freeComputeStart returned an array\n%s", shown).isTrue();
      String jobId = started.path(0).path("jobId").asText();
      assertThat(jobId).as("the started job's id\n%s", shown).isNotBlank();
      assertThat(started.path(0).path("owner").asText()).isEqualToIgnoringCase(consumer);

      // status, polled by ocean.js to the end: running was seen, then finished
      List<Integer> statuses =
          run.all("status").stream().map(s -> s.path("job").path("status").asInt()).toList();
      assertThat(statuses).as("the statuses ocean.js saw\n%s", shown).contains(40);
      JsonNode last = run.step("final").path("job");
      assertThat(last.path("jobId").asText()).isEqualTo(jobId);
      assertThat(last.path("status").asInt()).as("final status\n%s", shown).isEqualTo(70);
      assertThat(last.path("c2dStatus").asInt())
          .as("the job succeeded\n%s", shown)
          .isEqualTo(JobStatus.COMPLETED.code());

      // live logs: streamed while the job ran, in more than one piece, before it was over
      JsonNode logs = run.step("logs");
      assertThat(logs.path("text").asText()).as("the live logs\n%s", shown).contains("tick 1");
      assertThat(logs.path("chunks").asInt())
          .as("the logs arrived as the algorithm wrote them\n%s", shown)
          .isGreaterThan(1);
      long firstChunk = logs.path("chunkTimes").path(0).asLong();
      long seenOver =
          run.all("status").stream()
              .filter(s -> s.path("job").path("status").asInt() == 70)
              .mapToLong(s -> s.path("at").asLong())
              .min()
              .orElseThrow();
      assertThat(firstChunk)
          .as("the first log chunk came before ocean.js saw the job over\n%s", shown)
          .isLessThan(seenOver);

      // every result, whole and from an offset
      ArrayNode listed = (ArrayNode) last.path("results");
      assertThat(listed.size()).as("the final job's results\n%s", shown).isPositive();
      List<JsonNode> results = run.all("result");
      assertThat(results).as("every listed result downloaded\n%s", shown).hasSize(listed.size());
      String sales = Files.readString(work().resolve("publisher-data/sales.csv"));
      boolean dataSeen = false;
      boolean logSeen = false;
      for (JsonNode result : results) {
        byte[] whole = Base64.getDecoder().decode(result.path("base64").asText());
        assertThat((long) whole.length)
            .as("%s: bytes served = listed filesize\n%s", result.path("filename"), shown)
            .isEqualTo(result.path("listed").path("filesize").asLong());
        String text = new String(whole, StandardCharsets.ISO_8859_1);
        dataSeen |= text.contains(sales.strip());
        logSeen |= text.contains("tick 8");
        int index = result.path("index").asInt();
        Optional<JsonNode> tail =
            run.all("result-offset").stream()
                .filter(r -> r.path("index").asInt() == index)
                .findFirst();
        if (whole.length > 1) {
          assertThat(tail).as("result %s downloaded from an offset\n%s", index, shown).isPresent();
          int offset = tail.get().path("offset").asInt();
          byte[] fromOffset = Base64.getDecoder().decode(tail.get().path("base64").asText());
          assertThat(fromOffset)
              .as("result %s from byte %s\n%s", index, offset, shown)
              .isEqualTo(java.util.Arrays.copyOfRange(whole, offset, whole.length));
        }
      }
      assertThat(dataSeen)
          .as("a result holds the dataset the algorithm copied\n%s", shown)
          .isTrue();
      assertThat(logSeen).as("a result holds the algorithm's log\n%s", shown).isTrue();

      // a second wallet: refused the logs (403, which ocean.js only logs) and the results
      JsonNode otherLogs = run.step("other-logs");
      assertThat(otherLogs.path("returned").isNull())
          .as("computeStreamableLogs returned null for another wallet\n%s", shown)
          .isTrue();
      assertThat(otherLogs.path("logged").toString()).as("what ocean.js logged").contains(" 403 ");
      JsonNode otherResult = run.step("other-result");
      assertThat(otherResult.path("threw").asBoolean())
          .as("other wallet's download\n%s", shown)
          .isTrue();
      assertThat(otherResult.path("error").asText())
          .isEqualTo("Failed to fetch compute result: 403");

      // a replayed nonce and signature: served once, then 401
      List<JsonNode> replay = run.all("replay");
      assertThat(replay).as("the replay steps\n%s", shown).hasSize(2);
      assertThat(replay.get(0).path("threw").asBoolean())
          .as("the signature's first use\n%s", shown)
          .isFalse();
      assertThat(replay.get(1).path("threw").asBoolean()).as("its replay\n%s", shown).isTrue();
      assertThat(replay.get(1).path("error").asText())
          .isEqualTo("Failed to fetch compute result: 401");
      long replayedNonce = run.step("replay-signature").path("nonce").asLong();
      assertThat(run.all("nonce").get(0).path("nonce").asLong())
          .as("the provider's nonce for the wallet after the flow")
          .isEqualTo(replayedNonce);
    }

    @Test
    void stopsALongJob() throws Exception {
      String key = newKey();
      long startedAt = System.nanoTime();
      OceanJsRun run =
          client().run("stop", options(key, LONG, Map.of()), FLOW_TIMEOUT).assertDone();
      String shown = run.describe();

      JsonNode stop = run.step("stop");
      assertThat(stop.path("statusBefore").asInt())
          .as("stopped while running\n%s", shown)
          .isEqualTo(40);
      assertThat(stop.path("answer").isArray()).as("computeStop's answer\n%s", shown).isTrue();
      assertThat(stop.path("answer").path(0).path("jobId").asText())
          .isEqualTo(run.step("start").path("answer").path(0).path("jobId").asText());
      JsonNode last = run.step("final").path("job");
      assertThat(last.path("status").asInt()).as("final status\n%s", shown).isEqualTo(70);
      assertThat(last.path("c2dStatus").asInt())
          .as("the job was stopped\n%s", shown)
          .isEqualTo(JobStatus.STOPPED.code());
      assertThat(Duration.ofNanos(System.nanoTime() - startedAt))
          .as("the job ended long before its 300 s sleep")
          .isLessThan(Duration.ofMinutes(2));
    }

    private Map<String, String> options(String key, String rawcode, Map<String, String> more)
        throws IOException {
      Map<String, String> options = new LinkedHashMap<>();
      options.put("key", key);
      ArrayNode datasets = JSON.createArrayNode();
      datasets.addObject().put("documentId", DATASET.value()).put("serviceId", SERVICE);
      options.put("datasets", JSON.writeValueAsString(datasets));
      ObjectNode algorithm = JSON.createObjectNode();
      ObjectNode meta = algorithm.putObject("meta");
      meta.put("rawcode", rawcode);
      meta.putObject("container")
          .put("entrypoint", "sh $ALGO")
          .put("image", image)
          .put("tag", tag)
          .put("checksum", "");
      options.put("algorithm", JSON.writeValueAsString(algorithm));
      options.putAll(more);
      return options;
    }

    OceanJsClient client() {
      assertThat(client).as("the provider started").isNotNull();
      return client;
    }

    private Path work() {
      assertThat(work).isNotNull();
      return work;
    }
  }

  /**
   * One environment of four one-CPU jobs that also takes free jobs (ocean.js's {@code
   * freeComputeStart} needs one that advertises {@code free}).
   */
  static ComputeEnvironment freeEnvironment() {
    Resources perJob = Resources.of(1, 1024, 10 * 1024, 0);
    return ComputeEnvironment.builder("oceanjs-free")
        .description("free jobs for the ocean.js client tests")
        .capacity(Resources.of(4, 4 * 1024, 40 * 1024, 0))
        .maxPerJob(perJob)
        .maxConcurrentJobs(4)
        .maxDuration(Duration.ofMinutes(10))
        .freeLimits(FreeLimits.of(Duration.ofMinutes(10), perJob, 4, 2))
        .build();
  }

  /** A fresh consumer key: 0x and 64 hex digits, never funded, known to no provider yet. */
  static String newKey() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    String key = "0x" + HexFormat.of().formatHex(bytes);
    EthereumKey.fromPrivateKey(key); // a valid secp256k1 key (all but certain)
    return key;
  }

  /**
   * What the test's provider publishes: one dataset, the sample sales CSV, whose compute service
   * allows raw algorithms (the flows send theirs as ocean.js's {@code algorithm.meta}), and the
   * runnable provider's sample dataset and published algorithm.
   */
  static AssetDirectory publisher(Path sales, Path sampleDir) throws IOException {
    ObjectNode ddo = JSON.createObjectNode();
    ddo.putArray("@context").add("https://w3id.org/did/v1");
    ddo.put("id", DATASET.value()).put("version", "4.1.0").put("chainId", CHAIN_ID);
    ddo.putObject("metadata").put("type", "dataset").put("name", "ocean.js test sales");
    ObjectNode compute = ddo.putArray("services").addObject();
    compute.put("id", SERVICE).put("type", "compute").put("timeout", 86400);
    compute.putObject("compute").put("allowRawAlgorithm", true);
    AssetFolder samples = SampleAssets.install(sampleDir);
    return AssetDirectory.builder()
        .add(ddo.toString(), Map.of(SERVICE, List.of(FileLocator.of(sales.toUri()))))
        .add(samples.asset(SampleAssets.DATASET_DID))
        .add(samples.asset(SampleAssets.ALGORITHM_DID))
        .build();
  }
}
