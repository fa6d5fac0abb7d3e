package io.c2d.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.ComputeEngine;
import io.c2d.backend.local.EmbeddedComputeBackend;
import io.c2d.keeper.Web3jAuthenticator;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import io.c2d.model.FreeLimits;
import io.c2d.model.Resources;
import io.c2d.server.assets.AssetDirectory;
import io.c2d.server.http.OceanComputeHandler;
import io.c2d.server.http.OceanHttpServer;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.testkit.FakeAgreementVerifier;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A real provider on loopback for the HTTP tests: the embedded backend with a free environment, a
 * durable state directory, one published dataset (a small CSV whose DDO allows raw algorithms), the
 * handler on the JDK's HTTP server. Closes everything it made.
 */
final class HttpProvider implements AutoCloseable {
  static final EthAddress PROVIDER = EthAddress.of("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
  static final Did DATASET = Did.of(String.format("did:op:%064x", 7));

  /** Anvil's development accounts #0 and #1: public test keys. */
  static final ConsumerKey ALICE = ConsumerKey.of(ConsumerKey.DEMO_CONSUMER_PRIVATE_KEY);

  static final ConsumerKey BOB =
      ConsumerKey.of("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

  private static final ObjectMapper JSON = new ObjectMapper();

  final ComputeEngine engine;
  final OceanComputeHandler handler;
  final OceanHttpServer server;
  private final ComputeBackend backend;

  private HttpProvider(
      ComputeBackend backend,
      ComputeEngine engine,
      OceanComputeHandler handler,
      OceanHttpServer server) {
    this.backend = backend;
    this.engine = engine;
    this.handler = handler;
    this.server = server;
  }

  static HttpProvider start(Path dir) throws IOException {
    return start(dir, UnaryOperator.identity());
  }

  static HttpProvider start(Path dir, UnaryOperator<OceanComputeHandler.Builder> options)
      throws IOException {
    return start(
        dir,
        EmbeddedComputeBackend.builder()
            .workRoot(dir.resolve("jobs"))
            .environment(environment())
            .build(),
        options);
  }

  /** The tests' environment, {@code local}: free compute for 8 jobs of one consumer at once. */
  static ComputeEnvironment environment() {
    return ComputeEnvironment.builder("local")
        .capacity(Resources.of(8, 8192, 8192, 0))
        .maxPerJob(Resources.of(1, 1024, 1024, 0))
        .maxConcurrentJobs(8)
        .maxJobsPerConsumer(8)
        .freeLimits(FreeLimits.of(Duration.ofMinutes(2), Resources.of(1, 512, 512, 0), 8, 8))
        .build();
  }

  static HttpProvider start(
      Path dir, ComputeBackend backend, UnaryOperator<OceanComputeHandler.Builder> options)
      throws IOException {
    return start(dir, backend, UnaryOperator.identity(), options);
  }

  /** A provider whose engine {@code engineOptions} configures further (result filters, review). */
  static HttpProvider start(
      Path dir,
      UnaryOperator<ComputeEngine.Builder> engineOptions,
      UnaryOperator<OceanComputeHandler.Builder> options)
      throws IOException {
    return start(
        dir,
        EmbeddedComputeBackend.builder()
            .workRoot(dir.resolve("jobs"))
            .environment(environment())
            .build(),
        engineOptions,
        options);
  }

  private static HttpProvider start(
      Path dir,
      ComputeBackend backend,
      UnaryOperator<ComputeEngine.Builder> engineOptions,
      UnaryOperator<OceanComputeHandler.Builder> options)
      throws IOException {
    Path csv = Files.writeString(dir.resolve("numbers.csv"), "n\n1\n2\n3\n4\n");
    ComputeEngine engine =
        engineOptions
            .apply(
                ComputeEngine.builder()
                    .backend(backend)
                    .verifier(FakeAgreementVerifier.allowAll())
                    .authenticator(Web3jAuthenticator.create())
                    .chainId(8996)
                    .providerAddress(PROVIDER)
                    .stateDirectory(dir.resolve("state")))
            .build();
    AssetDirectory assets =
        AssetDirectory.builder()
            .add(openDdo(), Map.of("compute", List.of(FileLocator.file(csv))))
            .build();
    OceanComputeHandler handler =
        options
            .apply(OceanComputeHandler.builder(engine).providerAddress(PROVIDER).assets(assets))
            .build();
    OceanHttpServer server =
        OceanHttpServer.start(handler, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return new HttpProvider(backend, engine, handler, server);
  }

  URI url() {
    return server.url();
  }

  HttpConsumer consumer(ConsumerKey key) throws IOException, InterruptedException {
    HttpConsumer consumer = new HttpConsumer(url(), key);
    consumer.root();
    return consumer;
  }

  /** A start body for the dataset with a raw shell algorithm. */
  static ObjectNode body(String script) {
    return body(script, "busybox", "stable");
  }

  /** A start body for the dataset with a raw shell algorithm run in {@code image:tag}. */
  static ObjectNode body(String script, String image, String tag) {
    ObjectNode body = JSON.createObjectNode();
    body.put("environment", "local");
    ObjectNode dataset = body.putArray("datasets").addObject();
    dataset.put("documentId", DATASET.value()).put("serviceId", "compute");
    body.set("dataset", dataset.deepCopy());
    ObjectNode meta = body.putObject("algorithm").putObject("meta");
    meta.put("rawcode", script);
    meta.putObject("container").put("entrypoint", "sh $ALGO").put("image", image).put("tag", tag);
    return body;
  }

  /** Polls status until the job has ended. */
  static JsonNode awaitEnd(HttpConsumer consumer, String jobId, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode job = consumer.status(jobId).path(0);
      if (job.hasNonNull("dateFinished")) {
        return job;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("job " + jobId + " did not end; last seen " + job);
      }
      Thread.sleep(50);
    }
  }

  /** Polls status until the job's algorithm runs (status 40). */
  static void awaitRunning(HttpConsumer consumer, String jobId)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      JsonNode job = consumer.status(jobId).path(0);
      if (job.path("status").asInt() == 40) {
        return;
      }
      if (job.hasNonNull("dateFinished") || System.nanoTime() > deadline) {
        throw new AssertionError("job " + jobId + " never ran; last seen " + job);
      }
      Thread.sleep(20);
    }
  }

  private static String openDdo() {
    ObjectNode ddo = JSON.createObjectNode();
    ddo.putArray("@context").add("https://w3id.org/did/v1");
    ddo.put("id", DATASET.value()).put("version", "4.1.0");
    ddo.putObject("metadata").put("type", "dataset").put("name", "numbers");
    ObjectNode compute = ddo.putArray("services").addObject();
    compute.put("id", "compute").put("type", "compute");
    compute.putObject("compute").put("allowRawAlgorithm", true);
    return ddo.toString();
  }

  @Override
  public void close() {
    server.close();
    engine.close();
    backend.close();
  }
}
