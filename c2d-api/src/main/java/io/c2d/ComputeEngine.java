package io.c2d;

import static java.util.Objects.requireNonNull;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputePolicy;
import io.c2d.model.ComputeRequest;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.OceanSignature;
import io.c2d.model.ResultPolicy;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.spi.auth.NonceStore;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.filter.ResultFilter;
import io.c2d.spi.publish.DerivedAssetPublisher;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * The compute-to-data engine: the facade a provider application holds. It takes a consumer's {@link
 * ComputeRequest} along the scheduling path (validate, authenticate, verify the agreement, check
 * the assets' compute policies, admit, dispatch to a backend), then tracks the job and hands its
 * results and logs to its owner only.
 *
 * <pre>{@code
 * ComputeEngine engine = ComputeEngine.builder()
 *     .backend(backend)
 *     .verifier(verifier)
 *     .authenticator(authenticator)
 *     .chainId(8996)
 *     .providerAddress(EthAddress.of("0x..."))
 *     .build();
 * ComputeJob job = engine.start(request).toCompletableFuture().join();
 * }</pre>
 *
 * <h2>Promises</h2>
 *
 * <ul>
 *   <li>No call blocks on network I/O: {@link #start}, {@link #stop}, {@link #delete} and {@link
 *       #openResult} return stages; queries ({@link #status}, {@link #jobsOf}) answer from memory.
 *   <li>Starting the same request again (same owner and {@link ComputeRequest#requestId()}) returns
 *       the same job and never starts a second one, also after a restart. A request in Ocean's
 *       signed format ({@link ComputeRequest.Builder#oceanSignature}) spends its counter nonce
 *       first, so resending it is refused as a replay.
 *   <li>Ocean's signed calls ({@link #authenticate}) are accepted once each: per consumer, the
 *       nonce must exceed the last one accepted, durably with a {@link Builder#stateDirectory(Path)
 *       state directory}. What Ocean's format does not bind is in {@link OceanSignature}.
 *   <li>Only a job's owner sees its status, results and logs, or stops or deletes it. The {@code
 *       requester} argument is the address the application authenticated for the call.
 *   <li>On {@link Builder#build()} the engine rebuilds its view from every backend, so a restarted
 *       application finds every job again, and, with a {@link Builder#stateDirectory(Path) state
 *       directory}, queues again the jobs that waited for capacity; {@link #start} waits for that.
 *   <li>Every phase of a job has a time limit; a job never stays in one status forever.
 *   <li>Failures are {@link C2dException}s with a stable {@link ErrorCode}; a refused request
 *       leaves nothing behind but its spent nonce.
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class ComputeEngine implements AutoCloseable {
  // The parts, one concern each; this class only hands each call to the right one.
  private final RequestValidation validation;
  private final SchedulingPath schedulingPath;
  private final Authentication authentication;
  private final JobRegistry registry = new JobRegistry();
  private final JobLifecycle lifecycle;
  private final Recovery recovery;
  private final OceanEntryPoints ocean;
  private final ResultRelease release;
  private final ResultReview review;
  private final Executor executor;
  private final List<AutoCloseable> owned;

  private ComputeEngine(Builder b, EngineSettings s) {
    // Checked before the watchdogs start their thread, so a refused build leaves nothing running.
    this.validation = new RequestValidation(s.backends);
    this.executor = b.executor;
    this.owned = s.owned;
    Publication publication = s.publisher != null ? new Publication(s.publisher, b.executor) : null;
    this.lifecycle =
        new JobLifecycle(
            registry,
            b.clock,
            publication,
            b.listeners,
            expiry -> new Watchdogs(b.ticker, b.executor, b.scheduler, b.runningGrace, expiry),
            s.queuedJobs);
    this.authentication =
        new Authentication(
            s.authenticator,
            s.nonceStore,
            b.clock,
            s.chainId,
            s.providerAddress,
            s.maxSignatureLifetime);
    Admission admission = new Admission(registry, lifecycle, b.clock, s.queuedJobs);
    this.schedulingPath =
        new SchedulingPath(
            validation,
            authentication,
            s.nonceStore,
            new PolicyCheck(b.policyWithoutDdo),
            new AgreementCheck(s.verifier, b.clock, s.verifierTimeout, s.verdictCacheTtl),
            registry,
            admission,
            publication != null);
    ResultGate gate = new ResultGate(s.filters, s.resultPolicy, s.auditJournal, s.replacements);
    this.release =
        new ResultRelease(gate, lifecycle, registry, b.clock, s.reviewTimeout, b.scheduler);
    lifecycle.resultRelease(release);
    this.review = new ResultReview(release);
    if (publication != null) {
      publication.gate(gate);
    }
    this.ocean = new OceanEntryPoints(authentication, s.nonceStore, registry, lifecycle, gate);
    this.recovery = new Recovery(s.backends, validation, registry, lifecycle, admission, release);
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts a job for {@code request}, or returns the job already started for it.
   *
   * <p>The stage completes once the job is admitted, with its snapshot ({@link
   * JobStatus#WARMING_UP} if it was dispatched at once, {@link JobStatus#QUEUED} if it waits for
   * capacity, kept on disk first with a state directory), or exceptionally with a {@link
   * C2dException}: {@link InvalidRequestException} (unknown environment, resources or duration over
   * the environment's limits, a request id reused for another request), {@link
   * AuthenticationException}, {@link PolicyViolationException}, {@link AgreementException}, {@link
   * CapacityExceededException} or {@link UnavailableException}.
   */
  public CompletionStage<ComputeJob> start(ComputeRequest request) {
    requireNonNull(request, "request");
    if (lifecycle.isClosed()) {
      return CompletableFuture.failedFuture(closedException());
    }
    CompletableFuture<Void> ready = recovery.ready();
    if (ready.isDone()) {
      return schedulingPath.start(request);
    }
    return ready.thenComposeAsync(ignored -> schedulingPath.start(request), executor);
  }

  /**
   * Authenticates an Ocean-format signed call other than a start (which goes through {@link #start}
   * with {@link ComputeRequest.Builder#oceanSignature}): checks that {@code signature} was made by
   * its consumer over {@code consumerAddress + nonce + command} (Keccak-256, then EIP-191 over the
   * 32-byte digest), then spends the nonce under Ocean's counter rule: it must be strictly greater
   * than the last one accepted for that consumer, and becomes the last one, atomically and durably
   * (see {@link Builder#stateDirectory(Path)}). The returned address is the {@code requester} to
   * pass to {@link #stop}, {@link #openResult}, {@link #delete} and the like.
   *
   * <p>Ocean's format binds neither chain, provider, job nor expiry; see {@link OceanSignature}.
   * Blocks only on the nonce store's disk write.
   *
   * @param command the command signed, such as {@value OceanSignature#STOP_COMPUTE}, {@value
   *     OceanSignature#GET_COMPUTE_RESULT}, {@value OceanSignature#GET_COMPUTE_STREAMABLE_LOGS} or
   *     {@value OceanSignature#DELETE_COMPUTE}
   * @return the consumer, now authenticated
   * @throws AuthenticationException {@link ErrorCode#SIGNATURE_INVALID} (malformed, no key
   *     recoverable), {@link ErrorCode#WRONG_SIGNER} (signed by someone else, or over another
   *     command or nonce) or {@link ErrorCode#NONCE_REPLAYED} (nonce not greater than the last one)
   * @throws IllegalArgumentException if {@code command} is a start command or not a command name
   * @throws ConfigurationException if the authenticator or nonce store cannot handle Ocean's format
   * @throws UnavailableException if the nonce cannot be recorded, or the engine is closed
   */
  public EthAddress authenticate(OceanSignature signature, String command) {
    requireNonNull(signature, "signature");
    requireNonNull(command, "command");
    return ocean.authenticate(signature, command);
  }

  /**
   * Checks that a start signed in Ocean's format is signed by its consumer and that its nonce is
   * not spent yet, spending nothing: for a caller that must do costly or visible work before the
   * start, such as locking the job's price in the payer's escrow, only for a start its consumer
   * really signed. {@link #start} checks the signature again and spends the nonce.
   *
   * @throws AuthenticationException {@link ErrorCode#SIGNATURE_INVALID}, {@link
   *     ErrorCode#WRONG_SIGNER} or {@link ErrorCode#NONCE_REPLAYED}, as {@link #authenticate}
   * @throws IllegalArgumentException if {@code request} is not signed in Ocean's format
   * @throws ConfigurationException if the authenticator or nonce store cannot handle Ocean's format
   * @throws UnavailableException if the nonce store is unavailable, or the engine is closed
   */
  public void verifyOceanStart(ComputeRequest request) {
    requireNonNull(request, "request");
    ocean.verifyOceanStart(request);
  }

  /**
   * The last Ocean nonce accepted for {@code consumer}, zero if none: what Ocean's {@code GET
   * nonce?userAddress=} answers (ocean.js signs its next call with this plus one). Unlike
   * ocean-node, it records nothing for an unknown address.
   *
   * @throws ConfigurationException if the nonce store keeps no Ocean counters
   * @throws UnavailableException if the nonce store is unavailable
   */
  public BigInteger currentNonce(EthAddress consumer) {
    requireNonNull(consumer, "consumer");
    return ocean.currentNonce(consumer);
  }

  /**
   * The job {@code id}, as its owner sees it.
   *
   * @throws NotFoundException if there is no such job
   * @throws AccessDeniedException if {@code requester} is not its owner
   */
  public ComputeJob status(JobId id, EthAddress requester) {
    return registry.owned(id, requester).snapshot();
  }

  /** Every job of {@code owner}, oldest first. */
  public List<ComputeJob> jobsOf(EthAddress owner) {
    requireNonNull(owner, "owner");
    return registry.ofOwner(owner);
  }

  /** The jobs of {@code requester} started under the Keeper agreement {@code agreementId}. */
  public List<ComputeJob> jobsByAgreement(String agreementId, EthAddress requester) {
    requireNonNull(agreementId, "agreementId");
    requireNonNull(requester, "requester");
    return registry.ofAgreement(agreementId, requester);
  }

  /**
   * Stops the job. The stage completes with its {@link JobStatus#STOPPED} snapshot.
   *
   * @throws NotFoundException if there is no such job
   * @throws AccessDeniedException if {@code requester} is not its owner
   * @throws JobStateException ({@link ErrorCode#JOB_FINISHED}) if it has already ended
   */
  public CompletionStage<ComputeJob> stop(JobId id, EthAddress requester) {
    return lifecycle.stop(registry.owned(id, requester));
  }

  /**
   * Deletes an ended job: its sandbox, inputs and results in the backend, and its record here.
   *
   * @throws NotFoundException if there is no such job
   * @throws AccessDeniedException if {@code requester} is not its owner
   * @throws JobStateException ({@link ErrorCode#JOB_RUNNING}) if it has not ended; stop it first
   */
  public CompletionStage<Void> delete(JobId id, EthAddress requester) {
    return lifecycle.delete(registry.owned(id, requester));
  }

  /**
   * The results of the job, empty until it has ended.
   *
   * @throws NotFoundException if there is no such job
   * @throws AccessDeniedException if {@code requester} is not its owner
   */
  public List<JobResult> results(JobId id, EthAddress requester) {
    return registry.owned(id, requester).snapshot().results();
  }

  /**
   * Opens the result with {@code index} (Ocean's result index) for reading; the caller closes the
   * stream.
   *
   * @throws NotFoundException ({@link ErrorCode#RESULT_NOT_FOUND}) if there is no such result
   * @throws AccessDeniedException if {@code requester} is not the job's owner
   * @throws ResultWithheldException if the publisher's result filters or review withheld it, or it
   *     awaits the review ({@link ComputeJob#notices()} says why)
   */
  public CompletionStage<InputStream> openResult(JobId id, EthAddress requester, int index) {
    JobRecord record = registry.owned(id, requester);
    for (JobResult result : record.snapshot().results()) {
      if (result.index() == index) {
        return release.gate().open(record, result);
      }
    }
    throw new NotFoundException(
        ErrorCode.RESULT_NOT_FOUND, "job " + id + " has no result with index " + index);
  }

  /**
   * Opens the result called {@code name}, such as {@code "algorithm.log"}.
   *
   * @throws NotFoundException ({@link ErrorCode#RESULT_NOT_FOUND}) if there is no such result
   * @throws AccessDeniedException if {@code requester} is not the job's owner
   * @throws InvalidRequestException if {@code name} tries to leave the result area
   * @throws ResultWithheldException if the publisher's result filters or review withheld it
   */
  public CompletionStage<InputStream> openResult(JobId id, EthAddress requester, String name) {
    JobResult.checkName(name);
    JobRecord record = registry.owned(id, requester);
    for (JobResult result : record.snapshot().results()) {
      if (result.name().equals(name)) {
        return release.gate().open(record, result);
      }
    }
    throw new NotFoundException(
        ErrorCode.RESULT_NOT_FOUND, "job " + id + " has no result named " + name);
  }

  /**
   * Opens the algorithm's output of a running job as it is written, for its owner; the stream ends
   * once the job has ended. The caller closes the stream.
   *
   * @throws NotFoundException if there is no such job, or it is not running (its log is then among
   *     its results), or its backend shows no live log ({@link ErrorCode#RESULT_NOT_FOUND})
   * @throws AccessDeniedException if {@code requester} is not the job's owner
   */
  public CompletionStage<InputStream> openLiveLog(JobId id, EthAddress requester) {
    return ocean.openLiveLog(id, requester);
  }

  /**
   * The publisher's review of results held by the result filters, and the audit record of every
   * decision about results. For the publisher only, never a consumer.
   */
  public ResultReview review() {
    return review;
  }

  /** The environments of every backend, with their limits. */
  public List<ComputeEnvironment> environments() {
    return validation.environments();
  }

  /** Jobs running now in environment {@code environmentId}. */
  public int runningJobs(String environmentId) {
    return validation.slotFor(environmentId).running();
  }

  /**
   * Free jobs not yet ended (waiting or running) now in environment {@code environmentId}: Ocean's
   * {@code runningfreeJobs}.
   */
  public int freeJobs(String environmentId) {
    return validation.slotFor(environmentId).freeJobs();
  }

  /** Jobs waiting now in environment {@code environmentId}. */
  public int queuedJobs(String environmentId) {
    return validation.slotFor(environmentId).queued();
  }

  /** Adds a listener of every job's status changes. */
  public void addListener(JobListener listener) {
    lifecycle.addListener(requireNonNull(listener, "listener"));
  }

  /** Removes a listener. */
  public void removeListener(JobListener listener) {
    lifecycle.removeListener(listener);
  }

  /**
   * Completes once the engine has rebuilt its view of the jobs from every backend. {@link #start}
   * waits for it on its own; a provider application may wait before it serves queries.
   */
  public CompletionStage<Void> ready() {
    return recovery.ready().minimalCompletionStage();
  }

  /**
   * Closes the engine: it refuses new starts and releases the backends, verifier and threads it
   * created from providers. Running jobs keep running in their backends, and a new engine finds
   * them again (and queues again the jobs that waited, with a state directory).
   */
  @Override
  public void close() {
    lifecycle.close();
    release.close();
    EngineSettings.closeLogging(owned);
  }

  /** Phase deadlines armed now (for tests: an ended job holds none). */
  int armedWatchdogs() {
    return lifecycle.watchdogs().armed();
  }

  static UnavailableException closedException() {
    return new UnavailableException(ErrorCode.ENGINE_CLOSED, "the engine is closed");
  }

  static Throwable unwrapCompletion(Throwable failure) {
    C2dException known = C2dException.unwrap(failure);
    return known != null ? known : failure;
  }

  /**
   * Builds a {@link ComputeEngine} from code, from {@code c2d.*} properties, or both (code wins).
   *
   * <table>
   *   <caption>Properties</caption>
   *   <tr><th>property</th><th>meaning</th><th>default</th></tr>
   *   <tr><td>{@code c2d.backend}</td><td>backend provider names, comma-separated</td><td>none</td></tr>
   *   <tr><td>{@code c2d.verifier}</td><td>verifier provider name</td><td>none</td></tr>
   *   <tr><td>{@code c2d.authenticator}</td><td>authenticator provider name</td><td>none</td></tr>
   *   <tr><td>{@code c2d.publisher}</td><td>derived-asset publisher provider name</td><td>none: publishing refused</td></tr>
   *   <tr><td>{@code c2d.chain-id}</td><td>chain id bound into signed requests</td><td>required</td></tr>
   *   <tr><td>{@code c2d.provider-address}</td><td>this provider's address, bound into signed requests</td><td>required</td></tr>
   *   <tr><td>{@code c2d.signature.max-lifetime}</td><td>farthest expiry a signed request may have</td><td>1h</td></tr>
   *   <tr><td>{@code c2d.verifier.timeout}</td><td>time a verifier gets before its answer counts as unknown</td><td>30s</td></tr>
   *   <tr><td>{@code c2d.verifier.cache-ttl}</td><td>longest an allow verdict is cached</td><td>5m</td></tr>
   *   <tr><td>{@code c2d.filters}</td><td>result filters for every asset, comma-separated, in order; parameters below {@code c2d.filter.<name>.}</td><td>none</td></tr>
   *   <tr><td>{@code c2d.filters.review}</td><td>hold every job's results for the publisher's review</td><td>false</td></tr>
   *   <tr><td>{@code c2d.review.timeout}</td><td>how long results wait for review before they are rejected</td><td>24h</td></tr>
   *   <tr><td>{@code c2d.state-dir}</td><td>directory of the provider's durable state (used nonces and Ocean's nonce counters in {@code nonces/}, jobs waiting for capacity in {@code queue/})</td><td>none: nonces and waiting jobs in memory; a restart reopens the replay window (for Ocean's format, of every signature) and loses the jobs that waited</td></tr>
   * </table>
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    // Package-private: EngineSettings and the engine's constructor read what was set.
    final List<ComputeBackend> backends = new ArrayList<>();
    @Nullable ServiceAgreementVerifier verifier;
    @Nullable DerivedAssetPublisher publisher;
    @Nullable ConsumerAuthenticator authenticator;
    @Nullable NonceStore nonceStore;
    @Nullable Path stateDirectory;
    Executor executor = ForkJoinPool.commonPool();
    @Nullable ScheduledExecutorService scheduler;
    Clock clock = Clock.systemUTC();
    Ticker ticker = Ticker.system();
    @Nullable Long chainId;
    @Nullable EthAddress providerAddress;
    @Nullable Duration maxSignatureLifetime;
    @Nullable Duration verifierTimeout;
    @Nullable Duration verdictCacheTtl;
    Duration runningGrace = Duration.ofSeconds(30);
    ComputePolicy policyWithoutDdo = ComputePolicy.CLOSED;
    ClassLoader classLoader = ComputeEngine.class.getClassLoader();
    Map<String, String> properties = Map.of();
    final List<JobListener> listeners = new ArrayList<>();
    final Map<String, ResultFilter> resultFilters = new java.util.HashMap<>();
    @Nullable ResultPolicy resultPolicy;
    @Nullable Duration reviewTimeout;

    private Builder() {}

    /**
     * Makes {@code filter} available under {@code name} to result policies, before the providers
     * found with {@link java.util.ServiceLoader}. The engine does not close a filter given here.
     */
    public Builder resultFilter(String name, ResultFilter filter) {
      requireNonNull(name, "name");
      requireNonNull(filter, "filter");
      ResultPolicy.Filter.named(name); // validates the name
      resultFilters.put(name, filter);
      return this;
    }

    /**
     * The publisher's result policy for every asset (property {@code c2d.filters}, with each
     * filter's parameters below {@code c2d.filter.<name>.} and {@code c2d.filters.review}); an
     * asset's own ({@code compute.resultFilters} in its DDO) runs after it. Default none.
     */
    public Builder resultPolicy(ResultPolicy resultPolicy) {
      this.resultPolicy = requireNonNull(resultPolicy, "resultPolicy");
      return this;
    }

    /**
     * How long results may wait for the publisher's review before they are rejected (property
     * {@code c2d.review.timeout}); default 24 hours.
     */
    public Builder reviewTimeout(Duration reviewTimeout) {
      this.reviewTimeout = positive(reviewTimeout, "reviewTimeout");
      return this;
    }

    /** Adds a backend; its environments join the engine's. */
    public Builder backend(ComputeBackend backend) {
      backends.add(requireNonNull(backend, "backend"));
      return this;
    }

    /** The verifier of service agreements. */
    public Builder verifier(ServiceAgreementVerifier verifier) {
      this.verifier = requireNonNull(verifier, "verifier");
      return this;
    }

    /**
     * The publisher of derived assets (DESIGN step 9); without one (and without the property {@code
     * c2d.publisher}), requests that ask to publish their results are refused. The engine does not
     * close a publisher given here.
     */
    public Builder publisher(DerivedAssetPublisher publisher) {
      this.publisher = requireNonNull(publisher, "publisher");
      return this;
    }

    /** The consumer authenticator. */
    public Builder authenticator(ConsumerAuthenticator authenticator) {
      this.authenticator = requireNonNull(authenticator, "authenticator");
      return this;
    }

    /**
     * Where used nonces and Ocean's nonce counters are kept. Default: a {@link FileNonceStore} in
     * {@code nonces/} below the {@link #stateDirectory(Path) state directory}, or, without one, in
     * memory; in memory, a restart forgets them and reopens the replay window for requests signed
     * before it and not yet expired, and for every Ocean-format signature (which has no expiry), so
     * production sets a state directory (or this). The engine does not close a store given here.
     */
    public Builder nonceStore(NonceStore nonceStore) {
      this.nonceStore = requireNonNull(nonceStore, "nonceStore");
      return this;
    }

    /**
     * The directory of the provider's durable state (property {@code c2d.state-dir}), which must
     * not be shared with another running engine: used nonces are kept in its {@code nonces/}
     * subdirectory, and each job acknowledged as {@link JobStatus#QUEUED} in {@code queue/} until
     * its backend holds it or it ends, so a restarted engine queues it again in its order. Default
     * none: nonces in memory (see {@link #nonceStore(NonceStore)}), and jobs waiting for capacity
     * in memory only, so a restart loses them. {@link #build()} throws {@link UnavailableException}
     * if the directory cannot be opened.
     */
    public Builder stateDirectory(Path stateDirectory) {
      this.stateDirectory = requireNonNull(stateDirectory, "stateDirectory");
      return this;
    }

    /** The executor the engine's own work runs on; default the common fork-join pool. */
    public Builder executor(Executor executor) {
      this.executor = requireNonNull(executor, "executor");
      return this;
    }

    /** The timer of the phase watchdogs; default a daemon thread the engine owns. */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * The wall clock of timestamps, signature expiries, nonce expiry and verdict caching; default
     * UTC system time.
     */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The monotonic time source of the phase deadlines; default {@link Ticker#system()}. A test
     * passes one it advances by hand, usually the same object as its {@link #clock(Clock)}.
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /** The chain id bound into signed requests. */
    public Builder chainId(long chainId) {
      if (chainId <= 0) {
        throw new IllegalArgumentException("chainId must be positive but was " + chainId);
      }
      this.chainId = chainId;
      return this;
    }

    /** This provider's address, bound into signed requests. */
    public Builder providerAddress(EthAddress providerAddress) {
      this.providerAddress = requireNonNull(providerAddress, "providerAddress");
      return this;
    }

    /** The farthest expiry a signed request may have; bounds the nonces kept. Default 1 hour. */
    public Builder maxSignatureLifetime(Duration maxSignatureLifetime) {
      this.maxSignatureLifetime = positive(maxSignatureLifetime, "maxSignatureLifetime");
      return this;
    }

    /** The time a verifier gets before its answer counts as unknown; default 30 seconds. */
    public Builder verifierTimeout(Duration verifierTimeout) {
      this.verifierTimeout = positive(verifierTimeout, "verifierTimeout");
      return this;
    }

    /** The longest an allow verdict is cached; default 5 minutes. */
    public Builder verdictCacheTtl(Duration verdictCacheTtl) {
      requireNonNull(verdictCacheTtl, "verdictCacheTtl");
      if (verdictCacheTtl.isNegative()) {
        throw new IllegalArgumentException("verdictCacheTtl must not be negative");
      }
      this.verdictCacheTtl = verdictCacheTtl;
      return this;
    }

    /**
     * How long past a job's maximum duration the engine waits for its backend to report the timeout
     * before it ends the job itself; default 30 seconds.
     */
    public Builder runningGrace(Duration runningGrace) {
      this.runningGrace = positive(runningGrace, "runningGrace");
      return this;
    }

    /**
     * The policy of a dataset whose request carries no DDO; default {@link ComputePolicy#CLOSED}
     * (no raw algorithm, no network, no published algorithm trusted).
     */
    public Builder policyWithoutDdo(ComputePolicy policy) {
      this.policyWithoutDdo = requireNonNull(policy, "policy");
      return this;
    }

    /** The class loader providers are looked up in; default c2d's own. */
    public Builder classLoader(ClassLoader classLoader) {
      this.classLoader = requireNonNull(classLoader, "classLoader");
      return this;
    }

    /** The {@code c2d.*} properties; what code sets wins over them. */
    public Builder properties(Map<String, String> properties) {
      this.properties = Map.copyOf(requireNonNull(properties, "properties"));
      return this;
    }

    /** Adds a listener of every job's status changes. */
    public Builder addListener(JobListener listener) {
      listeners.add(requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Builds the engine and starts recovering the backends' jobs ({@link ComputeEngine#ready()}). A
     * build that fails closes the providers it created and leaves no thread behind.
     *
     * @throws ConfigurationException if something required is neither set nor configured, a
     *     provider name is unknown, two providers share a name, or two backends offer the same
     *     environment id
     */
    public ComputeEngine build() {
      EngineSettings settings = EngineSettings.resolve(this);
      try {
        ComputeEngine engine = new ComputeEngine(this, settings);
        try {
          engine.recovery.start();
        } catch (RuntimeException e) {
          engine.lifecycle.close();
          throw e;
        }
        return engine;
      } catch (RuntimeException e) {
        EngineSettings.closeAll(settings.owned, e);
        throw e;
      }
    }

    static Duration positive(Duration value, String name) {
      requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }
  }
}
