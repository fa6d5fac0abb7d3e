package io.c2d.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.C2dException;
import io.c2d.ComputeEngine;
import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.backend.local.EmbeddedComputeBackend;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import io.c2d.model.FreeLimits;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.server.assets.AssetDirectory;
import io.c2d.server.assets.AssetFolder;
import io.c2d.server.assets.SampleAssets;
import io.c2d.server.http.OceanComputeHandler;
import io.c2d.server.http.OceanHttpServer;
import io.c2d.server.internal.DemoVerifierProvider;
import io.c2d.spi.backend.ComputeBackend;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The runnable provider and a consumer of it, end to end through HTTP: it starts the provider on
 * 127.0.0.1 (a {@link ComputeEngine} on a backend chosen by name, the embedded default unless told
 * otherwise, whose environment offers free compute; a verifier that accepts the agreement; one
 * published dataset, a sample sales CSV; Ocean's compute endpoints on the JDK's HTTP server) and
 * prints the URL to give ocean.js. Then a Java client of the endpoints that calls and signs as
 * ocean.js does ({@link HttpConsumer}, web3j) reads the root document and the environments, starts
 * a job (free where the environment is free and no order or agreement is named, else a paid start
 * with the order), polls its status to the end, and downloads its results. It prints each status
 * change as the provider and as the consumer see it, then the results and the algorithm log, and
 * exits 0 when the job completed, 1 when it did not, 2 on bad arguments. With {@code --serve} it
 * keeps serving afterwards, until the process is stopped.
 *
 * <pre>
 * MainJob [--backend NAME] [--verifier NAME] [--image IMAGE:TAG] [--work-dir DIR]
 *         [--timeout SECONDS] [--consumer-key HEX]
 *         [--dataset-did DID (--order-tx TX | --agreement-id ID) [--service-id ID]]
 *         [--port PORT] [--serve] [c2d.KEY=VALUE ...]
 * </pre>
 *
 * <p>Extra {@code c2d.*} properties come from {@code c2d.KEY=VALUE} arguments and from system
 * properties, so any backend's options can be set ({@code c2d.k8s.namespace=jobs}; on a cluster
 * that does not enforce NetworkPolicy, such as the team's test node, the {@code k8s} backend runs
 * the job, which has no network, only with {@code c2d.k8s.accept-unenforced-network-policy=true},
 * and its configuration log says so). The algorithm is {@code aggregate.py} (pandas; a chart with
 * matplotlib) in the Python image {@code c2d-algo/python:1} where {@code .ci/algo-images/build.sh}
 * built it on this machine (and, on the embedded backend, where bubblewrap runs its root), else the
 * shell script {@code aggregate.sh}; it prints which. {@code --image} runs {@code aggregate.sh} in
 * the container named (default {@code busybox:stable}); a cluster without a registry runs a locally
 * imported one, such as {@code c2d-test/busybox:1}. {@code --port} is the provider's port on
 * 127.0.0.1 (default 0: a free one).
 *
 * <p>{@code c2d.review.publisher-token=SECRET} (at least 32 characters; a system property keeps it
 * out of the argument list) turns on the publisher's review and audit endpoints with that bearer
 * token; without it they refuse every call. It goes to the HTTP handler only, never to the engine
 * or a backend. A shorter one ends the run with {@code configuration_invalid} (exit code 1).
 *
 * <p>By default the dataset has a test DID, the consumer is anvil's public development account #0
 * and the verifier is {@code demo-allow-all}, which accepts any agreement and warns that it does
 * (the authenticator is always c2d-keeper's {@code web3j}). To run the job through a real verifier,
 * name the dataset's DID, its compute service and the consumer's v4 order transaction or Keeper
 * service agreement, and sign as the consumer who ordered ({@code --consumer-key}); {@code
 * c2d.provider-address} sets the provider's address. c2d-server's {@code OnChainMainJob} (in its
 * tests) does that on a chain of its own.
 */
public final class MainJob {
  private static final long CHAIN_ID = 8996;

  /**
   * The property of the publisher's secret bearer token (at least 32 characters) for the review and
   * audit endpoints: {@value}. Without it they refuse every call.
   */
  static final String PUBLISHER_TOKEN = "c2d.review.publisher-token";

  /** Anvil's and Hardhat's public development account #2: a test address, no one's provider. */
  private static final EthAddress DEFAULT_PROVIDER =
      EthAddress.of("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");

  /** The test dataset's DID when none is named: {@code did:op:} and 64 hex digits of 1. */
  private static final String DEFAULT_DATASET_DID = String.format("did:op:%064x", 1);

  /** The test dataset's order when none is named (the default verifier does not read it). */
  private static final String DEFAULT_ORDER_TX = String.format("0x%064x", 0xabc001L);

  private static final List<String> OPTIONS =
      List.of(
          "backend",
          "verifier",
          "image",
          "work-dir",
          "timeout",
          "consumer-key",
          "dataset-did",
          "order-tx",
          "agreement-id",
          "service-id",
          "port");
  private static final String USAGE =
      "usage: MainJob [--backend NAME] [--verifier NAME] [--image IMAGE:TAG] [--work-dir DIR]"
          + " [--timeout SECONDS] [--consumer-key HEX] [--dataset-did DID (--order-tx TX |"
          + " --agreement-id ID) [--service-id ID]] [--port PORT] [--serve] [c2d.KEY=VALUE ...]";

  /** The free compute the embedded backend's environment offers. */
  private static final FreeLimits FREE_LIMITS =
      FreeLimits.of(Duration.ofMinutes(5), Resources.of(1, 1024, 1024, 0), 4, 2);

  /** The Python image .ci/algo-images builds (Debian's python3, pandas, matplotlib). */
  private static final String PYTHON_IMAGE = "c2d-algo/python";

  private static final String PYTHON_TAG = "1";

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final Duration POLL = Duration.ofMillis(200);

  private static final ObjectMapper JSON = new ObjectMapper();

  private MainJob() {}

  /** Runs the job and exits with its outcome. */
  public static void main(String[] args) {
    // CHECKSTYLE.OFF: RegexpSinglelineJava - a command-line program prints to its console
    int exitCode = run(args, System.out, System.err);
    // CHECKSTYLE.ON: RegexpSinglelineJava
    System.exit(exitCode);
  }

  /** Runs the job, printing to {@code out} and {@code err}; returns the process exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    Map<String, String> options;
    ConsumerKey consumer;
    DatasetInput.Builder dataset;
    String agreementId;
    try {
      options = parse(args);
      consumer =
          ConsumerKey.of(
              options.getOrDefault("consumer-key", ConsumerKey.DEMO_CONSUMER_PRIVATE_KEY));
      dataset = dataset(options);
      agreementId = options.get("agreement-id");
      if (agreementId != null) {
        // checked here, so that a malformed id is a usage error
        ComputeRequest.builder().agreementId(agreementId);
      }
    } catch (IllegalArgumentException | C2dException e) {
      err.println("error: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    try {
      return runJob(options, consumer, dataset, agreementId, out);
    } catch (C2dException e) {
      err.println("error [" + e.code().id() + "]: " + e.getMessage());
      return 1;
    } catch (IOException | UncheckedIOException | TimeoutException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("error: interrupted while the job ran");
      return 1;
    }
  }

  /**
   * The input dataset without its file: a test dataset, or the DID and service the options name,
   * entitled by either an order or an agreement.
   */
  private static DatasetInput.Builder dataset(Map<String, String> options) {
    String did = options.get("dataset-did");
    String orderTx = options.get("order-tx");
    boolean agreement = options.containsKey("agreement-id");
    if (orderTx != null && agreement) {
      throw new IllegalArgumentException("--order-tx and --agreement-id exclude each other");
    }
    if ((did == null) == (orderTx != null || agreement)) {
      throw new IllegalArgumentException(
          "--dataset-did goes with one of --order-tx and --agreement-id");
    }
    if (did == null) {
      if (options.containsKey("service-id")) {
        throw new IllegalArgumentException("--service-id needs --dataset-did");
      }
      // no order: the flow starts a free job, or orders with DEFAULT_ORDER_TX where none is free
      Did asset = Did.of(DEFAULT_DATASET_DID);
      return DatasetInput.builder(asset, "compute").ddoJson(openDdo(asset, "compute"));
    }
    Did asset = Did.of(did);
    String service = options.getOrDefault("service-id", "compute");
    DatasetInput.Builder dataset =
        DatasetInput.builder(asset, service).ddoJson(openDdo(asset, service));
    return orderTx == null ? dataset : dataset.orderTx(orderTx);
  }

  /** A DDO whose compute service allows raw algorithms, as the sample algorithm is one. */
  private static String openDdo(Did did, String service) {
    ObjectNode ddo = JSON.createObjectNode();
    ddo.putArray("@context").add("https://w3id.org/did/v1");
    ddo.put("id", did.value()).put("version", "4.1.0");
    ddo.putObject("metadata").put("type", "dataset").put("name", "c2d main job sales");
    ObjectNode compute = ddo.putArray("services").addObject();
    compute.put("id", service).put("type", "compute");
    compute.putObject("compute").put("allowRawAlgorithm", true);
    return ddo.toString();
  }

  private static int runJob(
      Map<String, String> options,
      ConsumerKey consumer,
      DatasetInput.Builder datasetInput,
      @Nullable String agreementId,
      PrintStream out)
      throws IOException, InterruptedException, TimeoutException {
    Path workDir =
        options.containsKey("work-dir")
            ? Files.createDirectories(Path.of(options.get("work-dir")))
            : Files.createTempDirectory("c2d-main-job");
    Path dataset = copyResource("sales.csv", workDir.resolve("publisher-data/sales.csv"));
    Duration timeout = Duration.ofSeconds(Long.parseLong(options.getOrDefault("timeout", "120")));

    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("c2d.backend", options.getOrDefault("backend", "embedded"));
    properties.put("c2d.verifier", options.getOrDefault("verifier", DemoVerifierProvider.NAME));
    properties.put("c2d.authenticator", "web3j");
    properties.put("c2d.chain-id", Long.toString(CHAIN_ID));
    properties.put("c2d.provider-address", DEFAULT_PROVIDER.value());
    properties.put("c2d.embedded.work-root", workDir.resolve("jobs").toString());
    properties.put("c2d.state-dir", workDir.resolve("state").toString());
    System.getProperties()
        .forEach(
            (key, value) -> {
              if (key.toString().startsWith("c2d.")) {
                properties.put(key.toString(), value.toString());
              }
            });
    options.forEach(
        (key, value) -> {
          if (key.startsWith("c2d.")) {
            properties.put(key, value);
          }
        });
    // the publisher's secret is for the review endpoints alone: neither the engine nor a backend
    // gets it
    @Nullable String publisherToken = properties.remove(PUBLISHER_TOKEN);
    if (publisherToken != null && publisherToken.strip().length() < 32) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "property "
              + PUBLISHER_TOKEN
              + " must have at least 32 characters but has "
              + publisherToken.strip().length()
              + "; use a long random secret, such as: openssl rand -hex 32");
    }
    EthAddress provider = EthAddress.of(properties.get("c2d.provider-address"));
    @Nullable Path pythonRoot = options.containsKey("image") ? null : pythonImageRoot();
    String algorithm;
    ContainerSpec container;
    if (pythonRoot != null) {
      algorithm = readResource("aggregate.py");
      container = ContainerSpec.of(PYTHON_IMAGE, PYTHON_TAG, "python3 $ALGO");
    } else {
      algorithm = readResource("aggregate.sh");
      String image = options.getOrDefault("image", "busybox:stable");
      int colon = image.lastIndexOf(':');
      container =
          colon > 0 && !image.substring(colon).contains("/")
              ? ContainerSpec.of(image.substring(0, colon), image.substring(colon + 1), "sh $ALGO")
              : ContainerSpec.of(image, "latest", "sh $ALGO");
    }
    DatasetInput published = datasetInput.addFile(dataset.toUri()).build();
    int port = Integer.parseInt(options.getOrDefault("port", "0"));

    out.printf(
        "c2d main job: backend=%s verifier=%s work-dir=%s%n",
        properties.get("c2d.backend"), properties.get("c2d.verifier"), workDir);
    ComputeEngine.Builder engineBuilder = ComputeEngine.builder().properties(properties);
    @Nullable ComputeBackend embedded = null;
    if (properties.get("c2d.backend").equals("embedded")) {
      // built here rather than from properties, so that its environment offers free compute
      EmbeddedComputeBackend.Builder local =
          EmbeddedComputeBackend.builder()
              .workRoot(Path.of(properties.get("c2d.embedded.work-root")))
              .environment(
                  ComputeEnvironment.builder(EmbeddedComputeBackend.DEFAULT_ENVIRONMENT_ID)
                      .freeLimits(FREE_LIMITS)
                      .build());
      if (pythonRoot != null) {
        local.imageRoot(container.image() + ":" + container.tag(), pythonRoot);
      }
      EmbeddedComputeBackend built = local.build();
      if (pythonRoot != null && !built.sandboxed()) {
        // without bubblewrap the image's root cannot be used: the host may have no pandas
        out.printf(
            "algorithm: the embedded backend has no sandbox here, so it cannot run the Python"
                + " image; running the shell algorithm aggregate.sh in busybox:stable instead%n");
        algorithm = readResource("aggregate.sh");
        container = ContainerSpec.of("busybox", "stable", "sh $ALGO");
      }
      embedded = built;
      engineBuilder.backend(embedded);
    }
    if (pythonRoot != null && container.image().equals(PYTHON_IMAGE)) {
      out.printf(
          "algorithm: aggregate.py (pandas, matplotlib) in %s:%s, entrypoint '%s'%n",
          PYTHON_IMAGE, PYTHON_TAG, container.entrypoint());
    } else if (!options.containsKey("image")) {
      out.printf(
          "algorithm: aggregate.sh in %s (the Python image %s:%s is not built here; bash"
              + " .ci/algo-images/build.sh builds it)%n",
          container.reference(), PYTHON_IMAGE, PYTHON_TAG);
    }
    try (ComputeEngine engine = engineBuilder.build()) {
      // the provider's side of the story, as its log would tell it
      engine.addListener(
          (job, previous) ->
              out.printf(
                  "  provider: job %s %3d %s%n",
                  job.id(), job.statusCode(), job.statusText().trim()));
      OceanComputeHandler.Builder handlerBuilder =
          OceanComputeHandler.builder(engine)
              .providerAddress(provider)
              .chainIds(List.of(Long.parseLong(properties.get("c2d.chain-id"))))
              .assets(assets(published, workDir.resolve("assets")));
      if (publisherToken != null) {
        handlerBuilder.publisherToken(publisherToken);
      }
      out.printf(
          "publisher's review endpoints: %s%n",
          publisherToken != null
              ? "on (the bearer token of " + PUBLISHER_TOKEN + ")"
              : "off (no " + PUBLISHER_TOKEN + ")");
      OceanComputeHandler handler = handlerBuilder.build();
      try (OceanHttpServer server =
          OceanHttpServer.start(handler, new InetSocketAddress(LOOPBACK, port))) {
        out.printf("provider listening: give ocean.js %s%n", server.url());
        out.printf(
            "published: dataset %s (service %s), sample dataset %s (service %s), sample"
                + " algorithm %s (service %s)%n",
            published.did(),
            published.serviceId(),
            SampleAssets.DATASET_DID,
            SampleAssets.DATASET_SERVICE_ID,
            SampleAssets.ALGORITHM_DID,
            SampleAssets.ALGORITHM_SERVICE_ID);
        int exitCode =
            consumerFlow(
                new HttpConsumer(server.url(), consumer),
                published,
                container,
                algorithm,
                agreementId,
                timeout,
                out);
        if (options.containsKey("serve")) {
          out.printf("serving %s until this process is stopped (Ctrl-C)%n", server.url());
          new java.util.concurrent.CountDownLatch(1).await();
        }
        return exitCode;
      }
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  /**
   * The provider's published assets: the main job's dataset (whose DDO allows raw algorithms) and
   * the sample dataset and algorithm, for ocean.js to use when the provider keeps serving.
   */
  private static AssetDirectory assets(DatasetInput dataset, Path sampleDir) throws IOException {
    AssetFolder samples = SampleAssets.install(sampleDir);
    AssetDirectory.Builder assets =
        AssetDirectory.builder()
            .add(
                dataset.ddoJson().orElseThrow(),
                Map.of(
                    dataset.serviceId(), dataset.files().stream().map(FileLocator::of).toList()));
    for (Did sample : List.of(SampleAssets.DATASET_DID, SampleAssets.ALGORITHM_DID)) {
      if (!sample.equals(dataset.did())) {
        assets.add(samples.asset(sample));
      }
    }
    return assets.build();
  }

  /**
   * A whole consumer flow through HTTP, as ocean.js runs it: the root document, the environments, a
   * start (free when the environment is free and no order or agreement is named), status polled to
   * the end, the results downloaded.
   */
  private static int consumerFlow(
      HttpConsumer consumer,
      DatasetInput dataset,
      ContainerSpec container,
      String algorithm,
      @Nullable String agreementId,
      Duration timeout,
      PrintStream out)
      throws IOException, InterruptedException, TimeoutException {
    JsonNode root = consumer.root();
    out.printf("provider %s (%s)%n", root.path("providerAddress").asText(), root.path("software"));
    JsonNode environment = consumer.environments().path(0);
    boolean free = environment.has("free") && dataset.orderTx().isEmpty() && agreementId == null;
    ObjectNode body = JSON.createObjectNode();
    body.put("environment", environment.path("id").asText());
    // c2d's idempotency key: a fresh provider counts nonces from 1 again, and the job id is derived
    // from the consumer and the request id, so a run of its own keeps a cluster's earlier jobs
    // apart
    body.put("requestId", "main-job-" + UUID.randomUUID());
    ObjectNode input = body.putArray("datasets").addObject();
    input.put("documentId", dataset.did().value()).put("serviceId", dataset.serviceId());
    if (!free && agreementId == null) {
      input.put("transferTxId", dataset.orderTx().orElse(DEFAULT_ORDER_TX));
    }
    if (agreementId != null) {
      body.put("agreementId", agreementId);
    }
    ObjectNode meta = body.putObject("algorithm").putObject("meta");
    meta.put("rawcode", algorithm);
    meta.putObject("container")
        .put("entrypoint", container.entrypoint())
        .put("image", container.image())
        .put("tag", container.tag());
    out.printf(
        "consumer %s starts a %s job in environment %s%n",
        consumer.address().toLowerCase(java.util.Locale.ROOT),
        free ? "free" : "paid",
        environment.path("id").asText());
    String jobId = consumer.start(body, free).path(0).path("jobId").asText();

    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    JsonNode job;
    while (true) {
      job = consumer.status(jobId).path(0);
      String seen = job.path("c2dStatus").asText() + " " + job.path("statusText").asText().trim();
      if (!seen.equals(last)) {
        out.printf("  consumer: job %s %s%n", jobId, seen);
        last = seen;
      }
      if (!job.path("dateFinished").isNull() && job.hasNonNull("dateFinished")) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(
            "job " + jobId + " did not end within " + timeout.toSeconds() + " s");
      }
      Thread.sleep(POLL.toMillis());
    }

    out.printf("%nresults of job %s:%n", jobId);
    for (JsonNode result : job.path("results")) {
      out.printf(
          "  [%d] %-20s %-16s %6d bytes%n",
          result.path("index").asInt(),
          result.path("filename").asText(),
          result.path("type").asText(),
          result.path("filesize").asLong());
    }
    for (JsonNode result : job.path("results")) {
      String name = result.path("filename").asText();
      if (name.equals("summary.csv") || name.equals("algorithm.log")) {
        out.printf("%n--- %s ---%n", name);
        byte[] bytes = consumer.result(jobId, result.path("index").asInt(), 0);
        out.print(new String(bytes, StandardCharsets.UTF_8));
      }
    }
    int code = job.path("c2dStatus").asInt();
    out.printf("%njob %s ended: %d %s%n", jobId, code, job.path("statusText").asText());
    consumer.delete(jobId);
    out.printf("job %s deleted: its sandbox and results are gone%n", jobId);
    return code == JobStatus.COMPLETED.code() ? 0 : 1;
  }

  private static Map<String, String> parse(String[] args) {
    Deque<String> rest = new ArrayDeque<>();
    for (String arg : args) {
      // Maven's exec plugin passes all options as one argument; split it back.
      for (String part : arg.trim().split("\\s+", -1)) {
        if (!part.isEmpty()) {
          rest.add(part);
        }
      }
    }
    Map<String, String> options = new LinkedHashMap<>();
    while (!rest.isEmpty()) {
      String flag = rest.removeFirst();
      int equals = flag.indexOf('=');
      if (flag.startsWith("c2d.") && equals > "c2d.".length()) {
        options.put(flag.substring(0, equals), flag.substring(equals + 1));
        continue;
      }
      if (flag.equals("--serve")) {
        options.put("serve", "true");
        continue;
      }
      if (!flag.startsWith("--") || !OPTIONS.contains(flag.substring(2))) {
        throw new IllegalArgumentException("unknown option " + flag);
      }
      if (rest.isEmpty()) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      options.put(flag.substring(2), rest.removeFirst());
    }
    if (options.containsKey("port")) {
      try {
        int port = Integer.parseInt(options.get("port"));
        if (port < 0 || port > 65535) {
          throw new IllegalArgumentException("--port must be from 0 to 65535");
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--port must be a number from 0 to 65535", e);
      }
    }
    if (options.containsKey("timeout")) {
      try {
        if (Long.parseLong(options.get("timeout")) <= 0) {
          throw new IllegalArgumentException("--timeout must be positive");
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--timeout must be a number of seconds", e);
      }
    }
    return options;
  }

  /**
   * The unpacked root of the Python image where .ci/algo-images built it ({@code
   * $C2D_ALGO_IMAGES_HOME/rootfs/python}, default below {@code /opt/c2d-algo-images}), which says
   * the image was imported into Docker too; null where it was not built.
   */
  private static @Nullable Path pythonImageRoot() {
    String home = System.getenv("C2D_ALGO_IMAGES_HOME");
    Path root =
        Path.of(home == null || home.isBlank() ? "/opt/c2d-algo-images" : home, "rootfs", "python");
    return Files.isExecutable(root.resolve("usr/bin/python3")) ? root : null;
  }

  private static Path copyResource(String name, Path target) throws IOException {
    Files.createDirectories(Objects.requireNonNull(target.getParent()));
    try (InputStream in = open(name)) {
      Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }

  private static String readResource(String name) throws IOException {
    try (InputStream in = open(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static InputStream open(String name) throws IOException {
    InputStream in = MainJob.class.getResourceAsStream(name);
    if (in == null) {
      throw new IOException("missing resource " + name);
    }
    return in;
  }
}
