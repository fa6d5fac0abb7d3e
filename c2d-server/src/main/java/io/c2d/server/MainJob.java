package io.c2d.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.C2dException;
import io.c2d.ComputeEngine;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.server.internal.DemoVerifierProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Runs one real compute-to-data job end to end: a sample sales CSV shipped with c2d, a shell
 * algorithm that aggregates it per region, a request signed by a test consumer key (with web3j), a
 * verifier that accepts the agreement, and a backend chosen by name (the embedded default unless
 * told otherwise). It needs nothing from c2d-testkit: its class path is a provider application's.
 * It prints each status change as it happens, then the results and the algorithm log, and exits 0
 * when the job completed, 1 when it did not, 2 on bad arguments.
 *
 * <pre>
 * MainJob [--backend NAME] [--verifier NAME] [--image IMAGE:TAG] [--work-dir DIR]
 *         [--timeout SECONDS] [--consumer-key HEX]
 *         [--dataset-did DID (--order-tx TX | --agreement-id ID) [--service-id ID]]
 *         [c2d.KEY=VALUE ...]
 * </pre>
 *
 * <p>Extra {@code c2d.*} properties come from {@code c2d.KEY=VALUE} arguments and from system
 * properties, so any backend's options can be set ({@code c2d.k8s.namespace=jobs}). {@code --image}
 * is the container the algorithm runs in (default {@code busybox:stable}); a cluster without a
 * registry runs a locally imported one, such as {@code c2d-test/busybox:1}.
 *
 * <p>By default the dataset has a test DID, the consumer is anvil's public development account #0
 * and the verifier is {@code demo-allow-all}, which accepts any agreement and warns that it does
 * (the authenticator is always c2d-keeper's {@code web3j}). To run the job through a real verifier,
 * name the dataset's DID, its compute service and the consumer's v4 order transaction or Keeper
 * service agreement, and sign as the consumer who ordered ({@code --consumer-key}); {@code
 * c2d.provider-address} sets the provider the request is signed for. c2d-server's {@code
 * OnChainMainJob} (in its tests) does that on a chain of its own.
 */
public final class MainJob {
  private static final long CHAIN_ID = 8996;

  /** Anvil's and Hardhat's public development account #2: a test address, no one's provider. */
  private static final EthAddress DEFAULT_PROVIDER =
      EthAddress.of("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");

  /** The test dataset's DID when none is named: {@code did:op:} and 64 hex digits of 1. */
  private static final String DEFAULT_DATASET_DID = String.format("did:op:%064x", 1);

  /** The test dataset's order when none is named (the default verifier does not read it). */
  private static final String DEFAULT_ORDER_TX = String.format("0x%064x", 0xabc001L);

  private static final Duration SIGNATURE_VALIDITY = Duration.ofMinutes(10);
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
          "service-id");
  private static final String USAGE =
      "usage: MainJob [--backend NAME] [--verifier NAME] [--image IMAGE:TAG] [--work-dir DIR]"
          + " [--timeout SECONDS] [--consumer-key HEX] [--dataset-did DID (--order-tx TX |"
          + " --agreement-id ID) [--service-id ID]] [c2d.KEY=VALUE ...]";

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
      Did asset = Did.of(DEFAULT_DATASET_DID);
      return DatasetInput.builder(asset, "compute")
          .orderTx(DEFAULT_ORDER_TX)
          .ddoJson(openDdo(asset, "compute"));
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
    String algorithm = readResource("aggregate.sh");
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
    EthAddress provider = EthAddress.of(properties.get("c2d.provider-address"));
    String image = options.getOrDefault("image", "busybox:stable");
    int colon = image.lastIndexOf(':');
    ContainerSpec container =
        colon > 0 && !image.substring(colon).contains("/")
            ? ContainerSpec.of(image.substring(0, colon), image.substring(colon + 1), "sh $ALGO")
            : ContainerSpec.of(image, "latest", "sh $ALGO");

    out.printf(
        "c2d main job: backend=%s verifier=%s work-dir=%s%n",
        properties.get("c2d.backend"), properties.get("c2d.verifier"), workDir);
    // every job's end, by id: a reused work directory may recover earlier jobs that end too
    Map<JobId, CompletableFuture<ComputeJob>> ends = new ConcurrentHashMap<>();
    try (ComputeEngine engine = ComputeEngine.builder().properties(properties).build()) {
      engine.addListener(
          (job, previous) -> {
            out.printf("  job %s: %3d %s%n", job.id(), job.statusCode(), job.statusText().trim());
            if (job.isTerminal()) {
              ends.computeIfAbsent(job.id(), id -> new CompletableFuture<>()).complete(job);
            }
          });
      String environment = engine.environments().get(0).id();
      Clock clock = Clock.systemUTC();
      ComputeRequest.Builder unsigned =
          ComputeRequest.builder()
              .addDataset(datasetInput.addFile(dataset.toUri()).build())
              .algorithm(Algorithm.raw(container, algorithm).build())
              .environment(environment)
              .nonce(Long.toString(clock.millis()))
              .expiresAt(clock.instant().plus(SIGNATURE_VALIDITY));
      if (agreementId != null) {
        unsigned.agreementId(agreementId);
      }
      ComputeRequest request =
          consumer.sign(unsigned, Long.parseLong(properties.get("c2d.chain-id")), provider);
      out.printf("consumer %s starts a job in environment %s%n", consumer.address(), environment);
      ComputeJob started = engine.start(request).toCompletableFuture().join();
      ComputeJob done;
      try {
        done =
            ends.computeIfAbsent(started.id(), id -> new CompletableFuture<>())
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new TimeoutException(
            "job " + started.id() + " did not end within " + timeout.toSeconds() + " s");
      } catch (ExecutionException e) {
        throw new IllegalStateException("a job's end is never exceptional", e);
      }

      out.printf("%nresults of job %s:%n", done.id());
      for (JobResult result : done.results()) {
        out.printf(
            "  [%d] %-20s %-16s %6d bytes%n",
            result.index(), result.name(), result.kind().oceanType(), result.size());
      }
      for (JobResult result : done.results()) {
        if (result.name().equals("summary.csv") || result.name().equals("algorithm.log")) {
          out.printf("%n--- %s ---%n", result.name());
          try (InputStream in =
              engine
                  .openResult(done.id(), consumer.address(), result.index())
                  .toCompletableFuture()
                  .join()) {
            out.print(new String(in.readAllBytes(), StandardCharsets.UTF_8));
          }
        }
      }
      out.printf("%njob %s ended: %d %s%n", done.id(), done.statusCode(), done.statusText());
      return done.status() == JobStatus.COMPLETED ? 0 : 1;
    } catch (java.util.concurrent.CompletionException e) {
      C2dException failure = C2dException.unwrap(e);
      if (failure != null) {
        throw failure;
      }
      throw e;
    }
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
      if (!flag.startsWith("--") || !OPTIONS.contains(flag.substring(2))) {
        throw new IllegalArgumentException("unknown option " + flag);
      }
      if (rest.isEmpty()) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      options.put(flag.substring(2), rest.removeFirst());
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
