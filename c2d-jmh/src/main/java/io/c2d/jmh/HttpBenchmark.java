package io.c2d.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.ComputeEngine;
import io.c2d.keeper.Web3jAuthenticator;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.FileLocator;
import io.c2d.model.FreeLimits;
import io.c2d.model.JobId;
import io.c2d.model.OceanSignature;
import io.c2d.model.Resources;
import io.c2d.server.assets.AssetDirectory;
import io.c2d.server.http.OceanComputeHandler;
import io.c2d.server.http.OceanHttpServer;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.InMemoryComputeBackend;
import io.c2d.testkit.TestRequests;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The HTTP layer's cost, beside the engine's own, in one run: a free start signed the Ocean way
 * (ocean.js's {@code freeComputeStart}) through {@code POST /api/services/freeCompute} on the JDK
 * server on loopback, against the same start handed to {@link ComputeEngine#start} directly; and
 * status requests ({@code GET /api/services/compute?consumerAddress&jobId}) per second with 1, 8
 * and 64 concurrent clients, against {@link ComputeEngine#status} itself.
 *
 * <p>Both paths verify the Ocean signature for real (web3j recovery), on the in-memory backend that
 * completes each job as it is submitted; the signatures are made before the measurement, each with
 * the next nonce of its thread's consumer. Each client thread has its own {@link HttpClient}
 * (HTTP/1.1, keep-alive).
 *
 * <p>Run: {@code java -jar c2d-jmh/target/benchmarks.jar HttpBenchmark -rf json -rff
 * c2d-jmh/target/http.json}
 */
@State(Scope.Benchmark)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class HttpBenchmark {
  /** Pre-signed starts per thread; an iteration that needs more fails loudly. */
  static final int SIGNATURES = Integer.getInteger("c2d.jmh.http-signatures", 20_000);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ENVIRONMENT = "bench";
  private static final String FREE = OceanSignature.FREE_START_COMPUTE;
  private static final DatasetInput DATASET_INPUT =
      TestRequests.dataset(1).ddoJson(TestRequests.openDdo(1)).build();
  private static final Did DATASET = DATASET_INPUT.did();
  private static final Algorithm ALGORITHM =
      Algorithm.raw(ContainerSpec.of("busybox", "stable", "sh $ALGO"), "echo hi").build();

  private ComputeEngine engine;
  private OceanHttpServer server;
  private URI freeCompute;
  private URI status;
  private JobId statusJob;
  private EthereumKey statusOwner;

  /** The engine, the handler on loopback, and one ended job whose status is asked. */
  @Setup(Level.Trial)
  public void setUp() {
    ComputeEnvironment environment =
        ComputeEnvironment.builder(ENVIRONMENT)
            .capacity(Resources.of(1024, 1L << 29, 1L << 29, 0))
            .maxPerJob(Resources.of(0.001, 1, 1, 0))
            .defaultPerJob(Resources.of(0.001, 1, 1, 0))
            .maxConcurrentJobs(100_000_000)
            .maxJobsPerConsumer(100_000_000)
            .freeLimits(
                FreeLimits.of(
                    Duration.ofHours(1), Resources.of(0.001, 1, 1, 0), 1_000_000, 1_000_000))
            .build();
    engine =
        ComputeEngine.builder()
            .backend(InMemoryComputeBackend.create(environment).autoComplete())
            .verifier(Fixtures.allowOnce())
            .authenticator(Web3jAuthenticator.create())
            .executor(Runnable::run)
            .chainId(Fixtures.CHAIN_ID)
            .providerAddress(Fixtures.PROVIDER)
            .build();
    engine.ready().toCompletableFuture().join();
    AssetDirectory assets =
        AssetDirectory.builder()
            .add(
                TestRequests.openDdo(1),
                Map.of(DATASET_INPUT.serviceId(), List.of(FileLocator.file(Path.of("/dev/null")))))
            .build();
    OceanComputeHandler handler =
        OceanComputeHandler.builder(engine)
            .providerAddress(Fixtures.PROVIDER)
            .assets(assets)
            .build();
    server =
        OceanHttpServer.start(handler, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    freeCompute = URI.create(server.url() + "/api/services/freeCompute");
    statusOwner = EthereumKey.random();
    ComputeJob job =
        engine.start(engineRequest(statusOwner.oceanSign("1", FREE))).toCompletableFuture().join();
    statusJob = job.id();
    status =
        URI.create(
            server.url()
                + "/api/services/compute?consumerAddress="
                + statusOwner.checksumAddress()
                + "&jobId="
                + statusJob.value());
  }

  /** Stops the server and the engine. */
  @TearDown(Level.Trial)
  public void tearDown() {
    server.close();
    engine.close();
  }

  static ComputeRequest engineRequest(OceanSignature signature) {
    return ComputeRequest.builder()
        .addDataset(DATASET_INPUT)
        .algorithm(ALGORITHM)
        .environment(ENVIRONMENT)
        .oceanSignature(signature, FREE)
        .build();
  }

  /** One client thread's HTTP client. */
  @State(Scope.Thread)
  public static class Client {
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  /** One starting thread: its consumer and its pre-signed starts. */
  @State(Scope.Thread)
  public static class Signer {
    OceanSignature[] signatures;
    int next;

    /** A consumer of its own, with a batch of starts signed with nonces 1, 2, 3, ... */
    @Setup(Level.Trial)
    public void sign() {
      EthereumKey key = EthereumKey.random();
      signatures = new OceanSignature[SIGNATURES];
      for (int i = 0; i < SIGNATURES; i++) {
        signatures[i] = key.oceanSign(Integer.toString(i + 1), FREE);
      }
    }

    OceanSignature nextSignature() {
      if (next == signatures.length) {
        throw new IllegalStateException(
            "the " + SIGNATURES + " pre-signed starts ran out: raise c2d.jmh.http-signatures");
      }
      return signatures[next++];
    }

    String body(OceanSignature signature) {
      ObjectNode body = JSON.createObjectNode();
      body.put("consumerAddress", signature.consumerAddress());
      body.put("nonce", signature.nonce());
      body.put("signature", signature.signature());
      body.put("environment", ENVIRONMENT);
      body.putArray("datasets")
          .addObject()
          .put("documentId", DATASET.value())
          .put("serviceId", DATASET_INPUT.serviceId());
      ObjectNode meta = body.putObject("algorithm").putObject("meta");
      meta.put("rawcode", "echo hi");
      meta.putObject("container")
          .put("entrypoint", "sh $ALGO")
          .put("image", "busybox")
          .put("tag", "stable");
      return body.toString();
    }
  }

  /** A free start through HTTP, to its job id: latency distribution, one client. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Threads(1)
  public String httpStart(Client client, Signer signer) throws IOException, InterruptedException {
    HttpResponse<String> response =
        client.http.send(
            HttpRequest.newBuilder(freeCompute)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(signer.body(signer.nextSignature())))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return jobId(response);
  }

  /** The same free start handed to the engine directly: latency distribution, one thread. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Threads(1)
  public ComputeJob engineStart(Signer signer) {
    return engine.start(engineRequest(signer.nextSignature())).toCompletableFuture().join();
  }

  /** Status requests per second through HTTP, one client. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(1)
  public int httpStatus1(Client client) throws IOException, InterruptedException {
    return statusOnce(client);
  }

  /** Status requests per second through HTTP, 8 concurrent clients. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(8)
  public int httpStatus8(Client client) throws IOException, InterruptedException {
    return statusOnce(client);
  }

  /** Status requests per second through HTTP, 64 concurrent clients. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(64)
  public int httpStatus64(Client client) throws IOException, InterruptedException {
    return statusOnce(client);
  }

  /** {@link ComputeEngine#status} per second, one thread: the engine's share of a status. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(1)
  public ComputeJob engineStatus() {
    return engine.status(statusJob, statusOwner.address());
  }

  private int statusOnce(Client client) throws IOException, InterruptedException {
    HttpResponse<byte[]> response =
        client.http.send(
            HttpRequest.newBuilder(status).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("status answered " + response.statusCode());
    }
    return response.body().length;
  }

  private static String jobId(HttpResponse<String> response) throws IOException {
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "freeCompute answered " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body()).path(0).path("jobId").asText();
  }
}
