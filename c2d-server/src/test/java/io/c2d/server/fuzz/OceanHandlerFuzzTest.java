package io.c2d.server.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.AuthenticationException;
import io.c2d.ComputeEngine;
import io.c2d.ErrorCode;
import io.c2d.keeper.ChainSettings;
import io.c2d.keeper.ComputePayments;
import io.c2d.keeper.EscrowClient;
import io.c2d.keeper.EscrowLock;
import io.c2d.keeper.EscrowPayments;
import io.c2d.keeper.EscrowQuote;
import io.c2d.keeper.EscrowSettlement;
import io.c2d.keeper.PaymentTerms;
import io.c2d.keeper.ProviderFeeSigner;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputePricing;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import io.c2d.model.FreeLimits;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.model.ResultPolicy;
import io.c2d.server.assets.AssetDirectory;
import io.c2d.server.http.OceanComputeHandler;
import io.c2d.server.http.ProviderRequest;
import io.c2d.server.http.ProviderResponse;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.InMemoryComputeBackend;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Coverage-guided fuzzing (Jazzer) of the HTTP handler, {@link OceanComputeHandler}, in process:
 * every route (root, nonce, environments, {@code initializeCompute}, the free and the paid start,
 * status, stop, delete, result with {@code Range}, live logs, the publisher's review and audit with
 * its bearer token), with a fuzzed method, path, query, headers and body. The rule: the handler
 * always answers exactly once, with a well-formed answer (a status from 200 to 599, a {@code
 * Content-Type}, a body as long as announced, errors as {@code {"error","code"}} JSON), and never
 * 500: a request cannot make the provider fail. Nothing escapes {@link OceanComputeHandler#handle}.
 *
 * <p><b>The provider under fuzz</b> is built once per JVM the way c2d-server's HTTP tests build it,
 * without network: a real {@link ComputeEngine} with a durable state directory over the testkit's
 * {@link InMemoryComputeBackend} (every job completes at once with one output; no 500 by a backend
 * failure can happen), a free and a priced environment, one published dataset and one published
 * algorithm, the review of every job's results (the publisher's token configured), and paid compute
 * whose quotes are c2d-keeper's real {@link EscrowPayments} (a quote does no I/O; the client points
 * at a closed loopback port and is never called) while locks and settlements are answered locally.
 * Signatures are checked by a stand-in {@link ConsumerAuthenticator}: any well-formed signature
 * "recovers" the address of its first 20 bytes, so the fuzzer can get past authentication (the
 * engine's own nonce, owner and command checks stay real; the real secp256k1 recovery is fuzzed by
 * c2d-api's {@code ModelFuzzTest#oceanSignature} and tested by the HTTP flow tests).
 *
 * <p><b>Input format</b> (so that the seed corpus reads as HTTP): a request line {@code METHOD
 * target}, header lines {@code Name: value}, an empty line, the body. Placeholders in it are
 * replaced:
 *
 * <ul>
 *   <li>{@code @TOKEN@}: the publisher's token;
 *   <li>{@code @ALICE@}: a consumer's address;
 *   <li>{@code @NONCE@}: a fresh nonce (one per request);
 *   <li>{@code @SIG@}: a signature the stand-in accepts for that consumer;
 *   <li>{@code @DID@}, {@code @ALGO@}: the published dataset and algorithm;
 *   <li>{@code @JOB@}: a finished job of the consumer, its results released;
 *   <li>{@code @HELD@}: a job of the consumer awaiting the publisher's review.
 * </ul>
 *
 * Corpus: {@code src/test/resources/io/c2d/server/fuzz/OceanHandlerFuzzTestInputs/request/}.
 */
final class OceanHandlerFuzzTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "publisher-fuzz-token-0123456789abcdef";
  private static final EthAddress ALICE =
      EthAddress.of("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
  private static final EthAddress TOKEN_ADDRESS =
      EthAddress.of("0x00000000000000000000000000000000000000aa");

  /** Anvil's development account #2, a public test key: the provider's key and address. */
  private static final String PROVIDER_KEY =
      "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

  private static final EthAddress PROVIDER =
      EthAddress.of("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
  private static final Did DATASET = Did.of(String.format("did:op:%064x", 7));
  private static final Did ALGORITHM = Did.of(String.format("did:op:%064x", 8));
  private static final Pattern SIGNATURE = Pattern.compile("0x[0-9a-fA-F]{130}");
  private static final AtomicLong NONCES = new AtomicLong(1_000);

  private static @Nullable Provider provider;

  @FuzzTest
  void request(byte[] input) throws IOException {
    Provider p = provider();
    long nonce = NONCES.incrementAndGet();
    ProviderRequest request = p.request(input, nonce);
    Answer answer = new Answer();
    p.handler.handle(request, answer);
    answer.check(request);
  }

  private static synchronized Provider provider() {
    if (provider == null) {
      provider = Provider.start();
    }
    return provider;
  }

  /** The provider under fuzz, with its placeholders' values. */
  private static final class Provider {
    final OceanComputeHandler handler;
    final Map<String, String> values = new LinkedHashMap<>();

    private Provider(OceanComputeHandler handler) {
      this.handler = handler;
    }

    static Provider start() {
      try {
        Path dir = Files.createTempDirectory("c2d-handler-fuzz");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        return start(dir);
      } catch (Exception e) {
        throw new IllegalStateException("the provider under fuzz did not start", e);
      }
    }

    private static Provider start(Path dir) throws Exception {
      Path csv = Files.writeString(dir.resolve("numbers.csv"), "n\n1\n2\n3\n4\n");
      Path script = Files.writeString(dir.resolve("sum.sh"), "echo sum\n");
      InMemoryComputeBackend backend =
          InMemoryComputeBackend.create(free(), paid())
              .autoComplete(Map.of("sum.txt", "10\n".getBytes(StandardCharsets.UTF_8)));
      ComputeEngine engine =
          ComputeEngine.builder()
              .backend(backend)
              .verifier(FakeAgreementVerifier.allowAll())
              .authenticator(new PrefixAuthenticator())
              .chainId(8996)
              .providerAddress(PROVIDER)
              .stateDirectory(dir.resolve("state"))
              .resultPolicy(ResultPolicy.of(List.of(), true))
              .reviewTimeout(Duration.ofDays(1))
              .build();
      engine.ready().toCompletableFuture().get(30, TimeUnit.SECONDS);
      AssetDirectory assets =
          AssetDirectory.builder()
              .add(ddo(DATASET, "dataset"), Map.of("compute", List.of(FileLocator.file(csv))))
              .add(
                  ddo(ALGORITHM, "algorithm"), Map.of("compute", List.of(FileLocator.file(script))))
              .build();
      OceanComputeHandler handler =
          OceanComputeHandler.builder(engine)
              .providerAddress(PROVIDER)
              .assets(assets)
              .publisherToken(TOKEN)
              .engineTimeout(Duration.ofSeconds(10))
              .payments(
                  new LocalPayments(),
                  ProviderFeeSigner.create(PROVIDER_KEY),
                  8996,
                  dir.resolve("state/payments"))
              .build();
      Provider provider = new Provider(handler);
      provider.values.put("@TOKEN@", TOKEN);
      provider.values.put("@ALICE@", ALICE.value());
      provider.values.put("@SIG@", signatureOf(ALICE));
      provider.values.put("@DID@", DATASET.value());
      provider.values.put("@ALGO@", ALGORITHM.value());
      // two jobs of ALICE, held for review; one is released so that its results can be read
      JobId released = provider.startJob(1);
      JobId held = provider.startJob(2);
      awaitStatus(engine, released, JobStatus.AWAITING_RELEASE);
      awaitStatus(engine, held, JobStatus.AWAITING_RELEASE);
      engine.review().release(released, "fuzz").toCompletableFuture().get(30, TimeUnit.SECONDS);
      provider.values.put("@JOB@", released.value());
      provider.values.put("@HELD@", held.value());
      return provider;
    }

    /** Starts a free job of ALICE through the handler itself, as a consumer would. */
    private JobId startJob(long nonce) throws IOException {
      ObjectNode body = JSON.createObjectNode();
      body.put("consumerAddress", ALICE.value());
      body.put("nonce", Long.toString(nonce));
      body.put("signature", signatureOf(ALICE));
      body.put("environment", "free");
      body.putArray("datasets")
          .addObject()
          .put("documentId", DATASET.value())
          .put("serviceId", "compute");
      ObjectNode meta = body.putObject("algorithm").putObject("meta");
      meta.put("rawcode", "echo $INPUTS");
      meta.putObject("container")
          .put("entrypoint", "sh $ALGO")
          .put("image", "busybox")
          .put("tag", "stable");
      Answer answer = new Answer();
      handler.handle(
          ProviderRequest.of(
              "POST",
              "/api/services/freeCompute",
              "",
              Map.of(),
              new ByteArrayInputStream(JSON.writeValueAsBytes(body))),
          answer);
      if (answer.status != 200) {
        throw new IllegalStateException("the setup's start failed: " + answer.text());
      }
      return JobId.of(JSON.readTree(answer.body.toByteArray()).path(0).path("jobId").asText());
    }

    private static void awaitStatus(ComputeEngine engine, JobId id, JobStatus status)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (engine.status(id, ALICE).status() != status) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "job " + id + " is " + engine.status(id, ALICE).status() + ", not " + status);
        }
        Thread.sleep(10);
      }
    }

    /** The request {@code input} describes, placeholders replaced. */
    ProviderRequest request(byte[] input, long nonce) {
      int split = indexOf(input, new byte[] {'\n', '\n'});
      String head = new String(input, 0, split < 0 ? input.length : split, StandardCharsets.UTF_8);
      byte[] body =
          split < 0 ? new byte[0] : java.util.Arrays.copyOfRange(input, split + 2, input.length);
      head = expand(head, nonce);
      String bodyText = new String(body, StandardCharsets.UTF_8);
      if (bodyText.indexOf('@') >= 0) {
        body = expand(bodyText, nonce).getBytes(StandardCharsets.UTF_8);
      }
      String[] lines = head.split("\n", -1);
      String requestLine = lines[0];
      int space = requestLine.indexOf(' ');
      String method = space < 0 ? requestLine : requestLine.substring(0, space);
      String target = space < 0 ? "" : requestLine.substring(space + 1);
      int question = target.indexOf('?');
      String path = question < 0 ? target : target.substring(0, question);
      String query = question < 0 ? "" : target.substring(question + 1);
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers
              .computeIfAbsent(lines[i].substring(0, colon).strip(), n -> new ArrayList<>())
              .add(lines[i].substring(colon + 1).strip());
        }
      }
      return ProviderRequest.of(method, path, query, headers, new ByteArrayInputStream(body));
    }

    private String expand(String text, long nonce) {
      if (text.indexOf('@') < 0) {
        return text;
      }
      String expanded = text.replace("@NONCE@", Long.toString(nonce));
      for (Map.Entry<String, String> value : values.entrySet()) {
        expanded = expanded.replace(value.getKey(), value.getValue());
      }
      return expanded;
    }
  }

  /** What the handler answered; checks that it is a well-formed answer and not a failure. */
  private static final class Answer implements ProviderResponse {
    int status = -1;
    int starts;
    Map<String, String> headers = Map.of();
    long contentLength;
    final ByteArrayOutputStream body = new ByteArrayOutputStream();

    @Override
    public OutputStream start(int status, Map<String, String> headers, long contentLength) {
      starts++;
      this.status = status;
      this.headers = Map.copyOf(headers);
      this.contentLength = contentLength;
      return body;
    }

    String text() {
      return status + " " + body.toString(StandardCharsets.UTF_8);
    }

    void check(ProviderRequest request) {
      if (starts != 1) {
        throw new IllegalStateException(request + ": answered " + starts + " times");
      }
      if (status < 200 || status > 599) {
        throw new IllegalStateException(request + ": status " + status);
      }
      if (status == 500) {
        throw new IllegalStateException(request + ": internal error for a request: " + text());
      }
      if (!headers.containsKey("Content-Type")) {
        throw new IllegalStateException(request + ": no Content-Type in " + headers);
      }
      if (contentLength >= 0 && contentLength != body.size()) {
        throw new IllegalStateException(
            request + ": announced " + contentLength + " bytes, wrote " + body.size());
      }
      if (status >= 400) {
        JsonNode error;
        try {
          error = JSON.readTree(body.toByteArray());
        } catch (IOException e) {
          throw new IllegalStateException(request + ": an error that is not JSON: " + text(), e);
        }
        if (!error.path("code").isTextual() || !error.path("error").isTextual()) {
          throw new IllegalStateException(request + ": an error without code: " + text());
        }
      }
    }
  }

  /**
   * Stands in for secp256k1 recovery: a well-formed signature recovers the address of its first 20
   * bytes. Thread-safe.
   */
  private static final class PrefixAuthenticator implements ConsumerAuthenticator {
    @Override
    public EthAddress recoverSigner(byte[] message, String signature) {
      if (!SIGNATURE.matcher(signature).matches()) {
        throw new AuthenticationException(
            ErrorCode.SIGNATURE_INVALID, "expected 0x and 130 hex digits");
      }
      return EthAddress.of("0x" + signature.substring(2, 42));
    }

    @Override
    public EthAddress recoverDigestSigner(byte[] message, String signature) {
      return recoverSigner(message, signature);
    }
  }

  private static String signatureOf(EthAddress signer) {
    return signer.value() + "00".repeat(44) + "1b";
  }

  /**
   * Payments: quotes by c2d-keeper's {@link EscrowPayments} (which does no I/O for a quote), locks
   * and settlements answered locally (the real ones would send transactions). Thread-safe.
   */
  private static final class LocalPayments implements ComputePayments {
    private final EscrowPayments quotes =
        EscrowPayments.builder(
                EscrowClient.builder(
                        ChainSettings.builder()
                            .rpcUrl(URI.create("http://127.0.0.1:9"))
                            .chainId(8996)
                            .build(),
                        EthAddress.of("0x00000000000000000000000000000000000000e5"))
                    .providerKey(PROVIDER_KEY)
                    .build())
            .build();

    @Override
    public EscrowQuote quote(ComputePricing pricing, PaymentTerms terms) {
      return quotes.quote(pricing, terms);
    }

    @Override
    public CompletionStage<EscrowLock> lock(JobId job, ComputePricing pricing, PaymentTerms terms) {
      EscrowQuote quote = quotes.quote(pricing, terms);
      return CompletableFuture.completedFuture(
          new EscrowLock(
              job.value(),
              EscrowClient.lockIdOf(job.value()),
              terms.payer(),
              terms.token(),
              quote.amount(),
              Instant.now().plus(quote.minLock()),
              Optional.of("0x" + "11".repeat(32))));
    }

    @Override
    public CompletionStage<EscrowSettlement> settle(
        JobId job, ComputePricing pricing, PaymentTerms terms, Duration ranFor) {
      return CompletableFuture.completedFuture(
          new EscrowSettlement(
              job.value(),
              pricing.cost(terms.resources(), ranFor),
              BigInteger.ZERO,
              Optional.of("0x" + "22".repeat(32))));
    }

    @Override
    public CompletionStage<EscrowSettlement> release(JobId job, PaymentTerms terms) {
      return CompletableFuture.completedFuture(
          new EscrowSettlement(
              job.value(), BigInteger.ZERO, BigInteger.ZERO, Optional.of("0x" + "33".repeat(32))));
    }
  }

  private static ComputeEnvironment free() {
    return ComputeEnvironment.builder("free")
        .capacity(Resources.of(8, 8192, 8192, 0))
        .maxPerJob(Resources.of(1, 1024, 1024, 0))
        .maxConcurrentJobs(8)
        .maxJobsPerConsumer(8)
        .freeLimits(FreeLimits.of(Duration.ofMinutes(2), Resources.of(1, 512, 512, 0), 8, 8))
        .build();
  }

  private static ComputeEnvironment paid() {
    return ComputeEnvironment.builder("paid")
        .capacity(Resources.of(8, 8192, 8192, 0))
        .maxPerJob(Resources.of(2, 2048, 2048, 0))
        .maxConcurrentJobs(8)
        .maxJobsPerConsumer(8)
        .pricing(
            8996,
            ComputePricing.builder(TOKEN_ADDRESS)
                .price("cpu", BigInteger.TEN)
                .price("ram", BigInteger.ONE)
                .build())
        .build();
  }

  private static String ddo(Did did, String type) {
    ObjectNode ddo = JSON.createObjectNode();
    ddo.putArray("@context").add("https://w3id.org/did/v1");
    ddo.put("id", did.value()).put("version", "4.1.0");
    ObjectNode metadata = ddo.putObject("metadata").put("type", type).put("name", type);
    if (type.equals("algorithm")) {
      metadata
          .putObject("algorithm")
          .putObject("container")
          .put("entrypoint", "sh $ALGO")
          .put("image", "busybox")
          .put("tag", "stable");
    }
    ObjectNode service = ddo.putArray("services").addObject();
    service
        .put("id", "compute")
        .put("type", type.equals("algorithm") ? "access" : "compute")
        .put("datatokenAddress", String.format("0x%040x", type.length()));
    if (!type.equals("algorithm")) {
      service.putObject("compute").put("allowRawAlgorithm", true);
    }
    return ddo.toString();
  }

  private static int indexOf(byte[] data, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= data.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (data[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
