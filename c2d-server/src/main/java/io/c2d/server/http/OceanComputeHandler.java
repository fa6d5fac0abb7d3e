package io.c2d.server.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.C2dException;
import io.c2d.ComputeEngine;
import io.c2d.ErrorCode;
import io.c2d.JobStateException;
import io.c2d.UnavailableException;
import io.c2d.keeper.ComputePayments;
import io.c2d.keeper.ProviderFeeSigner;
import io.c2d.model.ComputeJob;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.OceanSignature;
import io.c2d.server.assets.AssetDirectory;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ocean's compute-to-data endpoints in ocean-node's dialect, the one ocean.js 8.x speaks, over a
 * {@link ComputeEngine}; framework-neutral: an adapter hands it a {@link ProviderRequest} and a
 * {@link ProviderResponse} ({@link OceanHttpServer} does so for the JDK's HTTP server).
 *
 * <table>
 *   <caption>Endpoints (paths below the mount point; the root document lists them)</caption>
 *   <tr><th>name<th>method and path<th>signed command
 *   <tr><td>(root)<td>{@code GET /}<td>none
 *   <tr><td>{@code nonce}<td>{@code GET /api/services/nonce?userAddress=}<td>none
 *   <tr><td>{@code computeEnvironments}<td>{@code GET /api/services/computeEnvironments}<td>none
 *   <tr><td>{@code initializeCompute}<td>{@code POST /api/services/initializeCompute}<td>none
 *   <tr><td>{@code computeStart}<td>{@code POST /api/services/compute}<td>{@code startCompute}
 *   <tr><td>{@code freeCompute}<td>{@code POST /api/services/freeCompute}<td>{@code
 *       freeStartCompute}
 *   <tr><td>{@code computeStatus}<td>{@code GET /api/services/compute?consumerAddress=[&jobId=]
 *       [&agreementId=]}<td>none (ocean.js does not sign it)
 *   <tr><td>{@code computeStop}<td>{@code PUT /api/services/compute?consumerAddress&jobId&nonce
 *       &signature}<td>{@code stopCompute}
 *   <tr><td>{@code computeDelete}<td>{@code DELETE /api/services/compute?consumerAddress&jobId
 *       &nonce&signature}<td>{@value #DELETE_COMMAND}
 *   <tr><td>{@code computeResult}<td>{@code GET /api/services/computeResult?consumerAddress&jobId
 *       &index&nonce&signature}, optional {@code Range: bytes=N-}<td>{@code getComputeResult}
 *   <tr><td>{@code computeStreamableLogs}<td>{@code GET /api/services/computeStreamableLogs
 *       ?consumerAddress&jobId&nonce&signature}<td>{@code getComputeStreamableLogs}
 * </table>
 *
 * <p><b>The publisher's review</b> (c2d's own, not in the root document; authenticated by the
 * publisher's bearer token, {@link Builder#publisherToken}, never by a consumer's signature):
 * {@code GET /api/services/c2d/reviews} lists the jobs awaiting release with each filter's report;
 * {@code POST /api/services/c2d/reviews/release} ({@code {"jobId","reviewer"}}), {@code .../reject}
 * ({@code {"jobId","reviewer","reason"}}) and {@code .../redact} ({@code {"jobId","reviewer",
 * "result","reason","content"}}, content in base64) decide and answer the job; {@code GET
 * /api/services/c2d/audit[?jobId=]} lists the audit record. Jobs carry {@code resultNotices}: what
 * the publisher's result filters decided per result and why.
 *
 * <p>A signed call carries Ocean's signature: {@code consumerAddress} as sent, then {@code nonce},
 * then the command, keccak-256, EIP-191 over the 32-byte digest; the nonce must be greater than the
 * last one the address spent. Start, free start and stop answer a JSON array of jobs; errors are
 * JSON objects {@code {"error", "code", "field"?}} with the statuses {@link ErrorReplies} lists.
 *
 * <p><b>Who sees what.</b> Status is unsigned in ocean.js, so it cannot prove who asks: it answers
 * only jobs owned by the {@code consumerAddress} given (a job id of someone else's job is 403), and
 * only their metadata (ids, statuses, dates, environment, result names and sizes). Everything that
 * reveals or changes a job's content (results, live logs, stop, delete) is signed by the owner.
 * Results are read only through the engine's result streams: no parameter is ever a file path.
 *
 * <p>Thread-safe: one instance serves every request, concurrently.
 */
public final class OceanComputeHandler {
  /** The command a delete is signed for (ocean.js 8.6.2 has no delete call of its own). */
  public static final String DELETE_COMMAND = OceanSignature.DELETE_COMPUTE;

  static final String BASE = "/api/services";
  private static final Logger logger = LoggerFactory.getLogger(OceanComputeHandler.class);
  private static final Map<String, List<String>> ENDPOINTS = endpoints();

  private final ComputeEngine engine;
  private final EthAddress providerAddress;
  private final List<Long> chainIds;
  private final int maxBodyBytes;
  private final Duration engineTimeout;
  private final StartRoute starts;
  private final @Nullable PaidJobs paidJobs;
  private final ReviewRoute reviews;
  private final ResultRoute results;

  private OceanComputeHandler(Builder b) {
    this.engine = b.engine;
    this.providerAddress = requireNonNull(b.providerAddress, "providerAddress");
    this.chainIds = List.copyOf(b.chainIds);
    this.maxBodyBytes = b.maxBodyBytes;
    this.engineTimeout = b.engineTimeout;
    this.results = new ResultRoute(engine, engineTimeout, b.maxLiveLogStreams);
    PaidStarts paid = null;
    PaidJobs jobs = null;
    if (b.payments != null && b.feeSigner != null && b.paymentRecords != null) {
      jobs = new PaidJobs(engine, b.payments, b.paymentRecords, Clock.systemUTC());
      engine.addListener(jobs);
      // only once the engine has found its jobs again: a job not yet recovered is not gone
      PaidJobs recovering = jobs;
      var unused =
          engine
              .ready()
              .thenRun(recovering::recover)
              .exceptionally(
                  failure -> {
                    logger.error("settling the payment records left open failed", failure);
                    return null;
                  });
      paid =
          new PaidStarts(
              engine, b.payments, b.feeSigner, b.paymentChainId, jobs, Clock.systemUTC());
    }
    this.paidJobs = jobs;
    this.starts = new StartRoute(engine, b.assets, providerAddress, paid);
    this.reviews = new ReviewRoute(engine, b.publisherToken);
  }

  /** A builder of a handler over {@code engine}. */
  public static Builder builder(ComputeEngine engine) {
    return new Builder(engine);
  }

  /**
   * Answers one request. Never throws for what a client sends: every failure becomes an error
   * answer.
   *
   * @throws IOException only when the client has gone while the answer was written
   */
  public void handle(ProviderRequest request, ProviderResponse response) throws IOException {
    try {
      route(request, response);
    } catch (C2dException e) {
      send(response, ErrorReplies.of(e), Map.of());
    } catch (HttpFailure e) {
      send(
          response,
          ErrorReplies.plain(e.status, e.code, String.valueOf(e.getMessage())),
          e.headers);
    } catch (RuntimeException e) {
      C2dException known = C2dException.unwrap(e);
      if (known != null) {
        send(response, ErrorReplies.of(known), Map.of());
        return;
      }
      logger.warn("{} failed", request, e);
      send(
          response,
          ErrorReplies.plain(500, "internal_error", "the provider failed; see its log"),
          Map.of());
    }
  }

  private void route(ProviderRequest request, ProviderResponse response) throws IOException {
    String path = request.path();
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String method = request.method();
    switch (path) {
      case "", "/" -> {
        requireMethod(method, "GET");
        sendJson(response, 200, root());
      }
      case BASE + "/nonce" -> {
        requireMethod(method, "GET");
        EthAddress address = QueryParams.parse(request.rawQuery()).address("userAddress");
        ObjectNode body = Bodies.JSON.createObjectNode();
        body.put("nonce", EngineAuth.currentNonce(engine, address));
        sendJson(response, 200, body);
      }
      case BASE + "/computeEnvironments" -> {
        requireMethod(method, "GET");
        sendJson(response, 200, JobsJson.environments(engine, providerAddress));
      }
      case BASE + "/initializeCompute" -> {
        requireMethod(method, "POST");
        sendJson(
            response, 200, starts.initialize(Bodies.object(Bodies.read(request, maxBodyBytes))));
      }
      case BASE + "/freeCompute" -> {
        requireMethod(method, "POST");
        start(request, response, true);
      }
      case BASE + "/compute" -> {
        switch (method) {
          case "POST" -> start(request, response, false);
          case "GET" -> status(QueryParams.parse(request.rawQuery()), response);
          case "PUT" -> stop(QueryParams.parse(request.rawQuery()), response);
          case "DELETE" -> delete(QueryParams.parse(request.rawQuery()), response);
          default -> throw methodNotAllowed("GET, POST, PUT, DELETE");
        }
      }
      case BASE + "/computeResult" -> {
        requireMethod(method, "GET");
        results.result(request, response);
      }
      case BASE + "/computeStreamableLogs" -> {
        requireMethod(method, "GET");
        results.liveLogs(QueryParams.parse(request.rawQuery()), response);
      }
      case ReviewRoute.REVIEWS -> {
        requireMethod(method, "GET");
        reviews.authenticate(request);
        sendJson(response, 200, reviews.pending());
      }
      case ReviewRoute.AUDIT -> {
        requireMethod(method, "GET");
        reviews.authenticate(request);
        sendJson(response, 200, reviews.audit(QueryParams.parse(request.rawQuery())));
      }
      default -> {
        if (path.startsWith(ReviewRoute.REVIEWS + "/")) {
          requireMethod(method, "POST");
          reviews.authenticate(request);
          String action = path.substring(ReviewRoute.REVIEWS.length() + 1);
          ObjectNode body = Bodies.object(Bodies.read(request, maxBodyBytes));
          sendJson(response, 200, JobsJson.jobs(List.of(await(reviews.decide(action, body)))));
          return;
        }
        throw new HttpFailure(
            404, "not_found", "no endpoint " + QueryParams.abbreviate(path), Map.of());
      }
    }
  }

  private ObjectNode root() {
    ObjectNode root = Bodies.JSON.createObjectNode();
    root.put("providerAddress", providerAddress.value());
    ArrayNode chains = root.putArray("chainIds");
    chainIds.forEach(id -> chains.add(Long.toString(id)));
    ObjectNode endpoints = root.putObject("serviceEndpoints");
    ENDPOINTS.forEach(
        (name, methodAndPath) -> {
          ArrayNode entry = endpoints.putArray(name);
          methodAndPath.forEach(entry::add);
        });
    root.put("software", "c2d");
    root.put("version", version());
    return root;
  }

  private void start(ProviderRequest request, ProviderResponse response, boolean free)
      throws IOException {
    ObjectNode body = Bodies.object(Bodies.read(request, maxBodyBytes));
    ComputeJob job = await(starts.start(body, free));
    sendJson(response, 200, jobs(List.of(job)));
  }

  private void status(QueryParams query, ProviderResponse response) throws IOException {
    EthAddress consumer = query.address("consumerAddress");
    Optional<String> jobId = query.optional("jobId");
    Optional<String> agreementId = query.optional("agreementId");
    List<ComputeJob> jobs;
    if (jobId.isPresent()) {
      jobs = List.of(engine.status(query.jobId("jobId"), consumer));
    } else if (agreementId.isPresent()) {
      jobs = engine.jobsByAgreement(agreementId.get(), consumer);
    } else {
      jobs = engine.jobsOf(consumer);
    }
    sendJson(response, 200, jobs(jobs));
  }

  /** The jobs in ocean-node's shape, with a paid job's {@code payment} as it stands. */
  private ArrayNode jobs(List<ComputeJob> jobs) {
    ArrayNode list = JobsJson.jobs(jobs);
    if (paidJobs != null) {
      for (int i = 0; i < list.size(); i++) {
        ObjectNode node = (ObjectNode) list.get(i);
        paidJobs.describe(jobs.get(i).id()).ifPresent(payment -> node.set("payment", payment));
      }
    }
    return list;
  }

  private void stop(QueryParams query, ProviderResponse response) throws IOException {
    JobId id = query.jobId("jobId");
    EthAddress owner = EngineAuth.authenticate(engine, query, OceanSignature.STOP_COMPUTE);
    ComputeJob job;
    try {
      job = await(engine.stop(id, owner));
    } catch (JobStateException e) {
      if (e.code() != ErrorCode.JOB_FINISHED) {
        throw e;
      }
      // stopping an ended job is not an error for the client: it sees how the job ended
      job = engine.status(id, owner);
    }
    sendJson(response, 200, jobs(List.of(job)));
  }

  private void delete(QueryParams query, ProviderResponse response) throws IOException {
    JobId id = query.jobId("jobId");
    EthAddress owner = EngineAuth.authenticate(engine, query, DELETE_COMMAND);
    ComputeJob last = engine.status(id, owner);
    await(engine.delete(id, owner));
    sendJson(response, 200, JobsJson.jobs(List.of(last)));
  }

  private <T> T await(CompletionStage<T> stage) {
    return await(stage, engineTimeout);
  }

  /** What {@code stage} answers within {@code timeout}, its failure as the typed error. */
  static <T> T await(CompletionStage<T> stage, Duration timeout) {
    try {
      return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      C2dException known = C2dException.unwrap(cause);
      if (known != null) {
        throw known;
      }
      throw new IllegalStateException("the engine failed", cause);
    } catch (TimeoutException e) {
      throw new UnavailableException(
          ErrorCode.BACKEND_FAILURE,
          "the engine did not answer within " + timeout.toSeconds() + " s; retry later",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException(ErrorCode.ENGINE_CLOSED, "the provider is shutting down", e);
    }
  }

  private static HttpFailure methodNotAllowed(String allowed) {
    return new HttpFailure(
        405, "method_not_allowed", "this endpoint answers " + allowed, Map.of("Allow", allowed));
  }

  private static void requireMethod(String method, String allowed) {
    if (!method.equals(allowed)) {
      throw methodNotAllowed(allowed);
    }
  }

  static void sendJson(ProviderResponse response, int status, JsonNode body) throws IOException {
    byte[] bytes = Bodies.JSON.writeValueAsBytes(body);
    try (OutputStream out =
        response.start(
            status, Map.of("Content-Type", "application/json; charset=utf-8"), bytes.length)) {
      out.write(bytes);
    }
  }

  static void send(ProviderResponse response, ErrorReplies.Reply reply, Map<String, String> extra)
      throws IOException {
    byte[] bytes = Bodies.JSON.writeValueAsBytes(reply.body());
    Map<String, String> headers = new LinkedHashMap<>(extra);
    headers.put("Content-Type", "application/json; charset=utf-8");
    if (reply.retry()) {
      headers.put("Retry-After", Integer.toString(ErrorReplies.RETRY_AFTER_SECONDS));
    }
    try (OutputStream out = response.start(reply.status(), headers, bytes.length)) {
      out.write(bytes);
    }
  }

  private static Map<String, List<String>> endpoints() {
    Map<String, List<String>> endpoints = new LinkedHashMap<>();
    endpoints.put("nonce", List.of("GET", BASE + "/nonce"));
    endpoints.put("computeEnvironments", List.of("GET", BASE + "/computeEnvironments"));
    endpoints.put("initializeCompute", List.of("POST", BASE + "/initializeCompute"));
    endpoints.put("computeStart", List.of("POST", BASE + "/compute"));
    endpoints.put("freeCompute", List.of("POST", BASE + "/freeCompute"));
    endpoints.put("computeStatus", List.of("GET", BASE + "/compute"));
    endpoints.put("computeStop", List.of("PUT", BASE + "/compute"));
    endpoints.put("computeDelete", List.of("DELETE", BASE + "/compute"));
    endpoints.put("computeResult", List.of("GET", BASE + "/computeResult"));
    endpoints.put("computeStreamableLogs", List.of("GET", BASE + "/computeStreamableLogs"));
    return java.util.Collections.unmodifiableMap(endpoints);
  }

  private static String version() {
    String version = OceanComputeHandler.class.getPackage().getImplementationVersion();
    return version != null ? version : "0.1.0-SNAPSHOT";
  }

  /** A failure of the HTTP layer itself: an unknown path (404) or a wrong method (405). */
  static final class HttpFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String code;
    final Map<String, String> headers;

    HttpFailure(int status, String code, String message, Map<String, String> headers) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
      this.headers = Map.copyOf(headers);
    }
  }

  /**
   * Builds an {@link OceanComputeHandler}. Not thread-safe.
   *
   * <p>Defaults: no assets (an empty {@link AssetDirectory}), chain ids {@code [8996]}, a body
   * limit of {@value #DEFAULT_MAX_BODY_BYTES} bytes, {@value #DEFAULT_MAX_LIVE_LOG_STREAMS} live
   * log streams at once, 60 s for the engine to answer a start, stop or delete.
   */
  public static final class Builder {
    /** The default request body limit, in bytes. */
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

    /** The default number of live log streams open at once. */
    public static final int DEFAULT_MAX_LIVE_LOG_STREAMS = 32;

    private final ComputeEngine engine;
    private EthAddress providerAddress;
    private AssetDirectory assets = AssetDirectory.builder().build();
    private List<Long> chainIds = List.of(8996L);
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private int maxLiveLogStreams = DEFAULT_MAX_LIVE_LOG_STREAMS;
    private Duration engineTimeout = Duration.ofSeconds(60);
    private @Nullable ComputePayments payments;
    private @Nullable ProviderFeeSigner feeSigner;
    private long paymentChainId;
    private @Nullable Path paymentRecords;
    private @org.jspecify.annotations.Nullable String publisherToken;

    private Builder(ComputeEngine engine) {
      this.engine = requireNonNull(engine, "engine");
      this.providerAddress = EthAddress.of("0x" + "0".repeat(40));
    }

    /**
     * This provider's address, in the root document and as environments' {@code consumerAddress}.
     */
    public Builder providerAddress(EthAddress providerAddress) {
      this.providerAddress = requireNonNull(providerAddress, "providerAddress");
      return this;
    }

    /** The publisher's assets, which a start's {@code documentId}s name. */
    public Builder assets(AssetDirectory assets) {
      this.assets = requireNonNull(assets, "assets");
      return this;
    }

    /** The chains listed in the root document. */
    public Builder chainIds(List<Long> chainIds) {
      this.chainIds = List.copyOf(chainIds);
      return this;
    }

    /** The largest request body accepted, in bytes; a larger one is answered 413 unread. */
    public Builder maxBodyBytes(int maxBodyBytes) {
      if (maxBodyBytes < 1024) {
        throw new IllegalArgumentException("maxBodyBytes must be at least 1024");
      }
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /** How many live log streams may be open at once; one more is answered 503. */
    public Builder maxLiveLogStreams(int maxLiveLogStreams) {
      if (maxLiveLogStreams < 1) {
        throw new IllegalArgumentException("maxLiveLogStreams must be positive");
      }
      this.maxLiveLogStreams = maxLiveLogStreams;
      return this;
    }

    /** How long a start, stop or delete may take in the engine before the answer is 503. */
    public Builder engineTimeout(Duration engineTimeout) {
      if (engineTimeout.isNegative() || engineTimeout.isZero()) {
        throw new IllegalArgumentException("engineTimeout must be positive");
      }
      this.engineTimeout = engineTimeout;
      return this;
    }

    /**
     * Takes paid jobs in the environments priced on {@code chainId} ({@link
     * io.c2d.model.ComputeEnvironment#pricing()}), as ocean-node does with Ocean's Escrow contract:
     * {@code initializeCompute} answers each asset's {@code providerFee}, signed by {@code
     * feeSigner} (the provider's key, which must also be the payee of {@code payments} and this
     * handler's {@link #providerAddress}), and the escrow terms; a paid start locks the job's price
     * through {@code payments} before the job exists (a payer without the funds or the
     * authorisation gets 402); the lock is claimed for what ran when the job ends, or released when
     * the job never ran. Each paid job's payment record is kept in {@code records} (a directory,
     * created if missing, below the provider's state directory), so that a restarted provider still
     * settles the locks of the jobs it finds again. Without this, priced environments are answered
     * as unpriced.
     *
     * <p>The handler registers itself as a listener of the engine when it is built.
     */
    public Builder payments(
        ComputePayments payments, ProviderFeeSigner feeSigner, long chainId, Path records) {
      this.payments = requireNonNull(payments, "payments");
      this.feeSigner = requireNonNull(feeSigner, "feeSigner");
      if (chainId <= 0) {
        throw new IllegalArgumentException("chainId must be positive but is " + chainId);
      }
      this.paymentChainId = chainId;
      this.paymentRecords = requireNonNull(records, "records");
      return this;
    }

    /**
     * The publisher's secret bearer token (at least 32 characters), which the review and audit
     * endpoints ({@code /api/services/c2d/reviews}, {@code /api/services/c2d/audit}) require as
     * {@code Authorization: Bearer <token>}. Without one, the default, they refuse every call.
     */
    public Builder publisherToken(String publisherToken) {
      requireNonNull(publisherToken, "publisherToken");
      if (publisherToken.strip().length() < 32) {
        throw new IllegalArgumentException("publisherToken must have at least 32 characters");
      }
      this.publisherToken = publisherToken.strip();
      return this;
    }

    /** Builds the handler. */
    public OceanComputeHandler build() {
      return new OceanComputeHandler(this);
    }
  }
}
