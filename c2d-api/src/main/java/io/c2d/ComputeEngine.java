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
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.ServiceAgreementVerifierProvider;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.spi.auth.ConsumerAuthenticatorProvider;
import io.c2d.spi.auth.NonceStore;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.ComputeBackendProvider;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.c2d.spi.publish.DerivedAsset;
import io.c2d.spi.publish.DerivedAssetPublisher;
import io.c2d.spi.publish.DerivedAssetPublisherProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *       the same job and never starts a second one, also after a restart.
 *   <li>Only a job's owner sees its status, results and logs, or stops or deletes it. The {@code
 *       requester} argument is the address the application authenticated for the call.
 *   <li>On {@link Builder#build()} the engine rebuilds its view from every backend, so a restarted
 *       application finds every job again; {@link #start} waits for that.
 *   <li>Every phase of a job has a time limit; a job never stays in one status forever.
 *   <li>Failures are {@link C2dException}s with a stable {@link ErrorCode}; a refused request
 *       leaves nothing behind but its spent nonce.
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class ComputeEngine implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(ComputeEngine.class);

  private final Map<String, EnvironmentSlot> slots;
  private final List<ComputeEnvironment> environments;
  private final List<ComputeBackend> backends;
  private final AgreementCheck agreements;
  private final PolicyCheck policy;
  private final ConsumerAuthenticator authenticator;
  private final NonceStore nonces;
  private final Executor executor;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final Deadlines deadlines;
  private final ScheduledFuture<?> deadlineTick;
  private final Clock clock;
  private final long chainId;
  private final EthAddress providerAddress;
  private final Duration maxSignatureLifetime;
  private final Duration runningGrace;
  private final List<AutoCloseable> owned;
  private final @Nullable DerivedAssetPublisher publisher;

  private final ConcurrentHashMap<JobId, JobRecord> jobs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<EthAddress, Set<JobId>> byOwner = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<JobId>> byAgreement = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<JobId, PendingStart> starting = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<JobId, BackendJobState> earlyUpdates = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<JobListener> listeners;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private volatile boolean closed;

  private ComputeEngine(Builder b, Resolved r) {
    this.backends = r.backends;
    this.authenticator = r.authenticator;
    this.owned = r.owned;
    this.publisher = r.publisher;
    this.clock = b.clock;
    this.deadlines = new Deadlines(b.ticker::read);
    this.executor = b.executor;
    this.chainId = r.chainId;
    this.providerAddress = r.providerAddress;
    this.maxSignatureLifetime = r.maxSignatureLifetime;
    this.runningGrace = b.runningGrace;
    this.nonces = b.nonceStore != null ? b.nonceStore : new InMemoryNonceStore(b.clock);
    this.policy = new PolicyCheck(b.policyWithoutDdo);
    this.agreements = new AgreementCheck(r.verifier, b.clock, r.verifierTimeout, r.verdictCacheTtl);
    this.listeners = new CopyOnWriteArrayList<>(b.listeners);
    // Everything that can refuse the configuration comes before the watchdog thread and its tick,
    // so a refused build leaves nothing running.
    Map<String, EnvironmentSlot> bySlot = new LinkedHashMap<>();
    List<ComputeEnvironment> all = new ArrayList<>();
    for (ComputeBackend backend : backends) {
      for (ComputeEnvironment environment : backend.environments()) {
        if (bySlot.putIfAbsent(environment.id(), new EnvironmentSlot(environment, backend))
            != null) {
          throw new ConfigurationException(
              ErrorCode.CONFIGURATION_INVALID,
              "two backends offer an environment with id " + environment.id());
        }
        all.add(environment);
      }
    }
    if (bySlot.isEmpty()) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID, "the backends offer no compute environment");
    }
    this.slots = Map.copyOf(bySlot);
    this.environments = List.copyOf(all);
    if (b.scheduler != null) {
      this.scheduler = b.scheduler;
      this.ownsScheduler = false;
    } else {
      ScheduledThreadPoolExecutor timer =
          new ScheduledThreadPoolExecutor(
              1,
              task -> {
                Thread thread = new Thread(task, "c2d-engine-watchdog");
                thread.setDaemon(true);
                return thread;
              });
      this.scheduler = timer;
      this.ownsScheduler = true;
    }
    this.deadlineTick =
        scheduler.scheduleWithFixedDelay(
            () -> deadlines.sweep(executor),
            Deadlines.TICK.toMillis(),
            Deadlines.TICK.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------------------------------------
  // Start: the scheduling path

  /**
   * Starts a job for {@code request}, or returns the job already started for it.
   *
   * <p>The stage completes once the job is admitted, with its snapshot ({@link
   * JobStatus#WARMING_UP} if it was dispatched at once, {@link JobStatus#QUEUED} if it waits for
   * capacity), or exceptionally with a {@link C2dException}: {@link InvalidRequestException}
   * (unknown environment, resources or duration over the environment's limits, a request id reused
   * for another request), {@link AuthenticationException}, {@link PolicyViolationException}, {@link
   * AgreementException}, {@link CapacityExceededException} or {@link UnavailableException}.
   */
  public CompletionStage<ComputeJob> start(ComputeRequest request) {
    requireNonNull(request, "request");
    if (closed) {
      return CompletableFuture.failedFuture(closedException());
    }
    if (ready.isDone()) {
      return startNow(request);
    }
    return ready.thenComposeAsync(ignored -> startNow(request), executor);
  }

  private CompletionStage<ComputeJob> startNow(ComputeRequest request) {
    EnvironmentSlot slot;
    Resources resources;
    Duration maxDuration;
    String bodySha256;
    JobId id;
    try {
      slot = slotFor(request.environmentId());
      resources = resourcesFor(request, slot.environment);
      maxDuration = durationFor(request, slot.environment);
      if (request.output().publishAsAsset() && publisher == null) {
        throw new InvalidRequestException(
            "output.publishAsAsset",
            "this provider does not publish derived assets (no publisher is configured)");
      }
      bodySha256 = request.bodySha256();
      authenticate(request, bodySha256);
      id = JobId.derive(request.consumer(), request.requestId());
      JobRecord existing = jobs.get(id);
      if (existing != null) {
        return CompletableFuture.completedFuture(
            sameRequest(existing.bodySha256, bodySha256, existing));
      }
    } catch (C2dException e) {
      return CompletableFuture.failedFuture(e);
    }

    PendingStart pending = new PendingStart(bodySha256);
    PendingStart racing = starting.putIfAbsent(id, pending);
    if (racing != null) {
      if (!racing.bodySha256.equals(bodySha256)) {
        return CompletableFuture.failedFuture(requestIdConflict(request));
      }
      return racing.future;
    }
    try {
      JobRecord existing = jobs.get(id);
      if (existing != null) {
        pending.future.complete(sameRequest(existing.bodySha256, bodySha256, existing));
      } else {
        if (!nonces.markUsed(request.consumer(), request.nonce(), request.expiresAt())) {
          throw new AuthenticationException(
              ErrorCode.NONCE_REPLAYED,
              "nonce " + request.nonce() + " of " + request.consumer() + " was used before");
        }
        boolean networkAccess = policy.check(request);
        JobId jobId = id;
        agreements
            .check(request, slot.environment)
            .thenApply(
                ignored ->
                    admit(request, slot, jobId, resources, maxDuration, networkAccess, bodySha256))
            .whenComplete(
                (job, failure) -> {
                  starting.remove(jobId, pending);
                  if (failure != null) {
                    pending.future.completeExceptionally(unwrapCompletion(failure));
                  } else {
                    pending.future.complete(job);
                  }
                });
        return pending.future;
      }
    } catch (C2dException e) {
      pending.future.completeExceptionally(e);
    }
    starting.remove(id, pending);
    return pending.future;
  }

  private EnvironmentSlot slotFor(String environmentId) {
    EnvironmentSlot slot = slots.get(environmentId);
    if (slot == null) {
      throw new InvalidRequestException(
          ErrorCode.ENVIRONMENT_UNKNOWN,
          "environment",
          "no environment '" + environmentId + "'; available: " + String.join(", ", slots.keySet()),
          null);
    }
    return slot;
  }

  private static Resources resourcesFor(ComputeRequest request, ComputeEnvironment environment) {
    Resources asked = request.resources().orElse(environment.defaultPerJob());
    Resources max = environment.maxPerJob();
    if (asked.milliCpus() > max.milliCpus()) {
      throw exceeded(
          "resources.cpu", asked.milliCpus() + " millicpus", max.milliCpus(), environment);
    }
    if (asked.memoryBytes() > max.memoryBytes()) {
      throw exceeded(
          "resources.memory", asked.memoryBytes() + " bytes", max.memoryBytes(), environment);
    }
    if (asked.diskBytes() > max.diskBytes()) {
      throw exceeded("resources.disk", asked.diskBytes() + " bytes", max.diskBytes(), environment);
    }
    if (asked.gpus() > max.gpus()) {
      throw exceeded("resources.gpu", asked.gpus() + " GPUs", max.gpus(), environment);
    }
    return asked;
  }

  private static InvalidRequestException exceeded(
      String field, String asked, long max, ComputeEnvironment environment) {
    return new InvalidRequestException(
        ErrorCode.RESOURCES_EXCEEDED,
        field,
        "asks for " + asked + " but environment " + environment.id() + " gives at most " + max,
        null);
  }

  private static Duration durationFor(ComputeRequest request, ComputeEnvironment environment) {
    Duration asked = request.maxDuration().orElse(environment.maxDuration());
    if (asked.compareTo(environment.maxDuration()) > 0) {
      throw new InvalidRequestException(
          ErrorCode.RESOURCES_EXCEEDED,
          "maxJobDuration",
          "asks for "
              + asked
              + " but environment "
              + environment.id()
              + " allows at most "
              + environment.maxDuration(),
          null);
    }
    return asked;
  }

  /** DESIGN step 2: one signature recovery per request; the nonce is checked after idempotency. */
  private void authenticate(ComputeRequest request, String bodySha256) {
    Instant now = clock.instant();
    if (!request.expiresAt().isAfter(now)) {
      throw new AuthenticationException(
          ErrorCode.SIGNATURE_EXPIRED,
          "the signed request expired at " + request.expiresAt() + "; sign it again");
    }
    if (request.expiresAt().isAfter(now.plus(maxSignatureLifetime))) {
      throw new AuthenticationException(
          ErrorCode.SIGNATURE_EXPIRED,
          "the signed request expires at "
              + request.expiresAt()
              + ", more than "
              + maxSignatureLifetime
              + " ahead; sign it with a nearer expiry");
    }
    byte[] message =
        ComputeRequest.signingMessage(
            chainId,
            providerAddress,
            ComputeRequest.START_COMMAND,
            bodySha256,
            request.nonce(),
            request.expiresAt().getEpochSecond());
    EthAddress signer = authenticator.recoverSigner(message, request.signature());
    if (!signer.equals(request.consumer())) {
      throw new AuthenticationException(
          ErrorCode.WRONG_SIGNER,
          "the request is signed by " + signer + ", not by its consumer " + request.consumer());
    }
  }

  private static ComputeJob sameRequest(String known, String asked, JobRecord existing) {
    if (!known.isEmpty() && !known.equals(asked)) {
      throw new InvalidRequestException(
          ErrorCode.REQUEST_ID_CONFLICT,
          "requestId",
          "request id "
              + existing.snapshot().requestId()
              + " was used for another request; use a new request id or nonce",
          null);
    }
    return existing.snapshot();
  }

  private static InvalidRequestException requestIdConflict(ComputeRequest request) {
    return new InvalidRequestException(
        ErrorCode.REQUEST_ID_CONFLICT,
        "requestId",
        "request id " + request.requestId() + " is being started with another request",
        null);
  }

  /** DESIGN step 5: admit to the environment, or queue, or refuse; then dispatch (step 6). */
  private ComputeJob admit(
      ComputeRequest request,
      EnvironmentSlot slot,
      JobId id,
      Resources resources,
      Duration maxDuration,
      boolean networkAccess,
      String bodySha256) {
    if (closed) {
      throw closedException();
    }
    Instant now = clock.instant();
    JobSpec spec =
        JobSpec.builder(id, request.consumer())
            .requestId(request.requestId())
            .agreementId(request.agreementId().orElse(null))
            .datasets(request.datasets())
            .algorithm(request.algorithm())
            .environmentId(slot.environment.id())
            .resources(resources)
            .maxDuration(maxDuration)
            .networkAccess(networkAccess)
            .output(request.output())
            .createdAt(now)
            .requestSha256(bodySha256)
            .build();
    ComputeJob queued =
        ComputeJob.builder(id, request.consumer())
            .requestId(request.requestId())
            .agreementId(request.agreementId().orElse(null))
            .inputDids(spec.inputDids())
            .algorithmDid(request.algorithm().did().orElse(null))
            .environmentId(slot.environment.id())
            .status(JobStatus.QUEUED)
            .createdAt(now)
            .build();
    JobRecord record = new JobRecord(queued, slot, resources, bodySha256, spec);
    switch (slot.admit(record)) {
      case RUN -> {
        record.snapshot(queued.toBuilder().status(JobStatus.WARMING_UP).build());
        register(record);
        synchronized (record.lock) {
          // Armed before anyone hears of the job: a listener may end it while hearing of it.
          armWatchdog(record, Phase.STAGING);
          notifyListeners(record.snapshot(), null);
        }
        ComputeJob admitted = record.snapshot();
        dispatch(record);
        return admitted;
      }
      case QUEUE -> {
        register(record);
        synchronized (record.lock) {
          armWatchdog(record, Phase.QUEUED);
          notifyListeners(queued, null);
        }
        return queued;
      }
      case REFUSE ->
          throw new CapacityExceededException(
              ErrorCode.CAPACITY_EXHAUSTED,
              "environment "
                  + slot.environment.id()
                  + " is full ("
                  + slot.running()
                  + " running, "
                  + slot.queued()
                  + " waiting, queue capacity "
                  + slot.environment.queueCapacity()
                  + "); retry later");
    }
    throw new IllegalStateException("unreachable");
  }

  private void register(JobRecord record) {
    ComputeJob job = record.snapshot();
    jobs.put(job.id(), record);
    byOwner.computeIfAbsent(job.owner(), owner -> ConcurrentHashMap.newKeySet()).add(job.id());
    job.agreementId()
        .ifPresent(
            agreement ->
                byAgreement
                    .computeIfAbsent(agreement, a -> ConcurrentHashMap.newKeySet())
                    .add(job.id()));
  }

  private void unregister(JobRecord record) {
    ComputeJob job = record.snapshot();
    jobs.remove(job.id(), record);
    Set<JobId> owned = byOwner.get(job.owner());
    if (owned != null) {
      owned.remove(job.id());
    }
    job.agreementId()
        .ifPresent(
            agreement -> {
              Set<JobId> ids = byAgreement.get(agreement);
              if (ids != null) {
                ids.remove(job.id());
              }
            });
  }

  private void dispatch(JobRecord record) {
    JobSpec spec;
    synchronized (record.lock) {
      spec = record.spec;
      if (spec == null || record.snapshot().isTerminal()) {
        return;
      }
      record.dispatched = true;
    }
    CompletionStage<Void> submitted;
    try {
      submitted = record.slot.backend.submit(spec, this::onBackendUpdate);
    } catch (RuntimeException e) {
      submitted = CompletableFuture.failedFuture(e);
    }
    submitted.whenComplete(
        (ignored, failure) -> {
          if (failure != null) {
            logger.warn("backend refused job {}", record.id(), failure);
            end(record, JobStatus.FAILED, null, "the backend could not start the job: " + failure);
          }
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Tracking: backend reports, watchdogs, capacity

  private void onBackendUpdate(BackendJobState state) {
    JobRecord record = jobs.get(state.jobId());
    if (record == null) {
      if (!ready.isDone()) {
        earlyUpdates.merge(
            state.jobId(), state, (a, b) -> b.status().rank() >= a.status().rank() ? b : a);
      } else {
        logger.debug("update for unknown job {}: {}", state.jobId(), state.status());
      }
      return;
    }
    boolean ended;
    boolean stopInBackend = false;
    boolean publish = false;
    synchronized (record.lock) {
      ComputeJob current = record.snapshot();
      if (record.publishing != null) {
        // The backend's part is over; late or repeated reports change nothing while publishing.
        ended = false;
      } else if (startsPublishing(record, state)) {
        // Backends report 60 while they collect; the engine's publishing stays in that status.
        if (current.status() != JobStatus.PUBLISHING_RESULTS) {
          moveTo(record, JobStatus.PUBLISHING_RESULTS, null, null, List.of(), state.at());
        }
        publish = true;
        ended = false;
      } else if (current.isTerminal()) {
        // The engine ended the job (stop or watchdog) while the backend still reports it under
        // way: make sure it stops there too (outside the lock: stop may report back at once).
        stopInBackend = !state.status().isTerminal() && record.dispatched;
        ended = false;
      } else {
        ended =
            moveTo(
                record,
                state.status(),
                state.exitCode(),
                state.detail(),
                state.results(),
                state.at());
      }
    }
    if (stopInBackend) {
      stopQuietly(record);
    }
    if (publish) {
      publish(record);
    }
    if (ended) {
      afterEnd(record);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Publishing a derived asset (step 9)

  /**
   * Whether {@code state} completes a job that asked to be published; if so, keeps the state for
   * the end of publishing. Caller holds the record's lock.
   */
  private boolean startsPublishing(JobRecord record, BackendJobState state) {
    JobSpec spec = record.spec;
    if (publisher == null
        || spec == null
        || !spec.output().publishAsAsset()
        || state.status().outcome() != JobStatus.Outcome.SUCCEEDED
        || record.snapshot().isTerminal()) {
      return false;
    }
    record.publishing = state;
    return true;
  }

  /** Hashes the outputs, publishes them and ends the job with the new DID or as upload failed. */
  private void publish(JobRecord record) {
    DerivedAssetPublisher chosen = requireNonNull(publisher);
    BackendJobState completed;
    JobSpec spec;
    synchronized (record.lock) {
      completed = requireNonNull(record.publishing);
      spec = requireNonNull(record.spec);
    }
    List<JobResult> outputs =
        completed.results().stream().filter(r -> r.kind() == ResultKind.OUTPUT).toList();
    CompletableFuture<List<DerivedAsset.Output>> hashed =
        CompletableFuture.completedFuture(new ArrayList<>(outputs.size()));
    for (JobResult output : outputs) {
      hashed =
          hashed.thenCompose(
              list ->
                  record
                      .slot
                      .backend
                      .openResult(record.id(), output)
                      .thenApplyAsync(
                          in -> {
                            list.add(new DerivedAsset.Output(output, sha256Of(in)));
                            return list;
                          },
                          executor));
    }
    var unused =
        hashed
            .thenCompose(list -> chosen.publish(derivedAsset(spec, completed, list)))
            .whenComplete(
                (did, failure) -> {
                  boolean ended;
                  synchronized (record.lock) {
                    record.publishing = null;
                    if (failure == null) {
                      record.derivedAsset = did;
                    }
                    ended =
                        failure == null
                            ? moveTo(
                                record,
                                completed.status(),
                                completed.exitCode(),
                                completed.detail(),
                                completed.results(),
                                clock.instant())
                            : moveTo(
                                record,
                                JobStatus.RESULTS_UPLOAD_FAILED,
                                completed.exitCode(),
                                "publishing the derived asset failed: " + unwrapCompletion(failure),
                                completed.results(),
                                clock.instant());
                  }
                  if (failure != null) {
                    logger.warn("publishing job {} failed", record.id(), failure);
                  }
                  if (ended) {
                    afterEnd(record);
                  }
                });
  }

  private static boolean isPublishing(JobRecord record) {
    synchronized (record.lock) {
      return record.publishing != null;
    }
  }

  private static DerivedAsset derivedAsset(
      JobSpec spec, BackendJobState completed, List<DerivedAsset.Output> outputs) {
    String name = spec.output().assetName();
    return new DerivedAsset(
        spec.jobId(),
        spec.owner(),
        name != null ? name : "Results of job " + spec.jobId(),
        spec.inputDids(),
        spec.algorithm().did().orElse(null),
        spec.algorithm().container(),
        spec.environmentId(),
        completed.at(),
        outputs);
  }

  private static String sha256Of(InputStream in) {
    try (in) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("reading an output to hash it failed", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Moves the job forward; returns whether it ended now. Caller holds the record's lock. */
  private boolean moveTo(
      JobRecord record,
      JobStatus status,
      @Nullable Integer exitCode,
      @Nullable String detail,
      List<JobResult> results,
      Instant at) {
    ComputeJob current = record.snapshot();
    if (!current.status().canMoveTo(status)) {
      return false;
    }
    ComputeJob.Builder next = current.toBuilder().status(status).updatedAt(at);
    if (exitCode != null) {
      next.exitCode(exitCode);
    }
    if (detail != null) {
      next.detail(detail);
    }
    if (status.isTerminal()) {
      next.finishedAt(at).results(results).derivedAssetDid(record.derivedAsset);
      record.spec = null;
      disarmWatchdog(record);
      // Free the capacity before anyone hears of the end, so a listener sees it free.
      record.nowRunnable = record.slot.releaseAndTakeRunnable(record);
    }
    record.snapshot(next.build());
    if (!status.isTerminal() && Phase.of(status) != Phase.of(current.status())) {
      armWatchdog(record, Phase.of(status));
    }
    notifyListeners(record.snapshot(), current.status());
    return status.isTerminal();
  }

  /** Ends the job in the engine (not reported by the backend); returns whether it ended now. */
  private boolean end(
      JobRecord record, JobStatus status, @Nullable Integer exitCode, String detail) {
    boolean ended;
    synchronized (record.lock) {
      ended = moveTo(record, status, exitCode, detail, List.of(), clock.instant());
    }
    if (ended) {
      afterEnd(record);
    }
    return ended;
  }

  private void afterEnd(JobRecord record) {
    List<JobRecord> runnable;
    synchronized (record.lock) {
      runnable = record.nowRunnable;
      record.nowRunnable = List.of();
    }
    for (JobRecord next : runnable) {
      synchronized (next.lock) {
        moveTo(next, JobStatus.WARMING_UP, null, null, List.of(), clock.instant());
      }
      dispatch(next);
    }
  }

  private void notifyListeners(ComputeJob job, @Nullable JobStatus previous) {
    for (JobListener listener : listeners) {
      try {
        listener.onStatusChange(job, previous);
      } catch (RuntimeException e) {
        logger.warn("job listener {} threw; it must not", listener, e);
      }
    }
  }

  /** The phases that have their own time limit. */
  private enum Phase {
    QUEUED,
    STAGING,
    RUNNING,
    COLLECTING;

    static Phase of(JobStatus status) {
      return switch (status) {
        case QUEUED -> QUEUED;
        case RUNNING_ALGORITHM -> RUNNING;
        case FILTERING_RESULTS, PUBLISHING_RESULTS -> COLLECTING;
        default -> STAGING;
      };
    }
  }

  /** Caller holds the record's lock. */
  private void armWatchdog(JobRecord record, Phase phase) {
    disarmWatchdog(record);
    ComputeEnvironment environment = record.slot.environment;
    Duration limit =
        switch (phase) {
          case QUEUED -> environment.phaseTimeouts().queued();
          case RUNNING -> {
            JobSpec spec = record.spec;
            yield (spec == null ? environment.maxDuration() : spec.maxDuration())
                .plus(runningGrace);
          }
          case COLLECTING -> environment.phaseTimeouts().collecting();
          case STAGING -> environment.phaseTimeouts().staging();
        };
    ComputeJob job = record.snapshot();
    if (closed || job.isTerminal() || Phase.of(job.status()) != phase) {
      return;
    }
    record.watchdog = deadlines.arm(limit, () -> onDeadline(record, phase, limit));
  }

  private void disarmWatchdog(JobRecord record) {
    Deadlines.Entry watchdog = record.watchdog;
    if (watchdog != null) {
      deadlines.disarm(watchdog);
      record.watchdog = null;
    }
  }

  private void onDeadline(JobRecord record, Phase phase, Duration limit) {
    boolean dispatched;
    synchronized (record.lock) {
      ComputeJob job = record.snapshot();
      if (job.isTerminal() || Phase.of(job.status()) != phase) {
        return;
      }
      dispatched = record.dispatched;
    }
    if (phase == Phase.QUEUED) {
      record.slot.removeQueued(record);
    }
    String detail =
        "no progress: the job stayed in phase "
            + phase.name().toLowerCase(java.util.Locale.ROOT)
            + " longer than "
            + limit;
    if (end(record, JobStatus.TIMED_OUT, null, detail) && dispatched) {
      stopQuietly(record);
    }
  }

  private void stopQuietly(JobRecord record) {
    try {
      record
          .slot
          .backend
          .stop(record.id())
          .whenComplete(
              (ignored, failure) -> {
                if (failure != null) {
                  logger.warn("backend could not stop job {}", record.id(), failure);
                }
              });
    } catch (RuntimeException e) {
      logger.warn("backend could not stop job {}", record.id(), e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Queries, stop, delete, results

  /**
   * The job {@code id}, as its owner sees it.
   *
   * @throws NotFoundException if there is no such job
   * @throws AccessDeniedException if {@code requester} is not its owner
   */
  public ComputeJob status(JobId id, EthAddress requester) {
    return owned(id, requester).snapshot();
  }

  /** Every job of {@code owner}, oldest first. */
  public List<ComputeJob> jobsOf(EthAddress owner) {
    requireNonNull(owner, "owner");
    return snapshots(byOwner.get(owner), owner);
  }

  /** The jobs of {@code requester} started under the Keeper agreement {@code agreementId}. */
  public List<ComputeJob> jobsByAgreement(String agreementId, EthAddress requester) {
    requireNonNull(agreementId, "agreementId");
    requireNonNull(requester, "requester");
    return snapshots(byAgreement.get(agreementId.toLowerCase(java.util.Locale.ROOT)), requester);
  }

  private List<ComputeJob> snapshots(@Nullable Set<JobId> ids, EthAddress owner) {
    if (ids == null || ids.isEmpty()) {
      return List.of();
    }
    List<ComputeJob> found = new ArrayList<>(ids.size());
    for (JobId id : ids) {
      JobRecord record = jobs.get(id);
      if (record != null && record.owner().equals(owner)) {
        found.add(record.snapshot());
      }
    }
    found.sort(Comparator.comparing(ComputeJob::createdAt).thenComparing(j -> j.id().value()));
    return found;
  }

  /**
   * Stops the job. The stage completes with its {@link JobStatus#STOPPED} snapshot.
   *
   * @throws NotFoundException if there is no such job
   * @throws AccessDeniedException if {@code requester} is not its owner
   * @throws JobStateException ({@link ErrorCode#JOB_FINISHED}) if it has already ended
   */
  public CompletionStage<ComputeJob> stop(JobId id, EthAddress requester) {
    JobRecord record = owned(id, requester);
    if (record.snapshot().isTerminal()) {
      throw new JobStateException(
          ErrorCode.JOB_FINISHED,
          "job " + id + " has already ended (" + record.snapshot().status() + ")");
    }
    if (record.slot.removeQueued(record)) {
      end(record, JobStatus.STOPPED, null, "stopped by its owner before it ran");
      return CompletableFuture.completedFuture(record.snapshot());
    }
    if (isPublishing(record)) {
      end(record, JobStatus.STOPPED, null, "stopped by its owner while publishing its results");
      return CompletableFuture.completedFuture(record.snapshot());
    }
    CompletionStage<Void> stopped;
    try {
      stopped = record.slot.backend.stop(id);
    } catch (RuntimeException e) {
      stopped = CompletableFuture.failedFuture(e);
    }
    return stopped.handle(
        (ignored, failure) -> {
          if (failure != null) {
            throw new UnavailableException(
                ErrorCode.BACKEND_FAILURE, "the backend could not stop job " + id, failure);
          }
          end(record, JobStatus.STOPPED, null, "stopped by its owner");
          return record.snapshot();
        });
  }

  /**
   * Deletes an ended job: its sandbox, inputs and results in the backend, and its record here.
   *
   * @throws NotFoundException if there is no such job
   * @throws AccessDeniedException if {@code requester} is not its owner
   * @throws JobStateException ({@link ErrorCode#JOB_RUNNING}) if it has not ended; stop it first
   */
  public CompletionStage<Void> delete(JobId id, EthAddress requester) {
    JobRecord record = owned(id, requester);
    if (!record.snapshot().isTerminal()) {
      throw new JobStateException(
          ErrorCode.JOB_RUNNING, "job " + id + " has not ended; stop it before deleting it");
    }
    CompletionStage<Void> deleted;
    try {
      deleted = record.slot.backend.delete(id);
    } catch (RuntimeException e) {
      deleted = CompletableFuture.failedFuture(e);
    }
    return deleted.handle(
        (ignored, failure) -> {
          if (failure != null) {
            throw new UnavailableException(
                ErrorCode.BACKEND_FAILURE, "the backend could not delete job " + id, failure);
          }
          unregister(record);
          return null;
        });
  }

  /**
   * The results of the job, empty until it has ended.
   *
   * @throws NotFoundException if there is no such job
   * @throws AccessDeniedException if {@code requester} is not its owner
   */
  public List<JobResult> results(JobId id, EthAddress requester) {
    return owned(id, requester).snapshot().results();
  }

  /**
   * Opens the result with {@code index} (Ocean's result index) for reading; the caller closes the
   * stream.
   *
   * @throws NotFoundException ({@link ErrorCode#RESULT_NOT_FOUND}) if there is no such result
   * @throws AccessDeniedException if {@code requester} is not the job's owner
   */
  public CompletionStage<InputStream> openResult(JobId id, EthAddress requester, int index) {
    JobRecord record = owned(id, requester);
    for (JobResult result : record.snapshot().results()) {
      if (result.index() == index) {
        return record.slot.backend.openResult(id, result);
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
   */
  public CompletionStage<InputStream> openResult(JobId id, EthAddress requester, String name) {
    JobResult.checkName(name);
    JobRecord record = owned(id, requester);
    for (JobResult result : record.snapshot().results()) {
      if (result.name().equals(name)) {
        return record.slot.backend.openResult(id, result);
      }
    }
    throw new NotFoundException(
        ErrorCode.RESULT_NOT_FOUND, "job " + id + " has no result named " + name);
  }

  private JobRecord owned(JobId id, EthAddress requester) {
    requireNonNull(id, "id");
    requireNonNull(requester, "requester");
    JobRecord record = jobs.get(id);
    if (record == null) {
      throw new NotFoundException(ErrorCode.JOB_NOT_FOUND, "no job " + id);
    }
    if (!record.owner().equals(requester)) {
      throw new AccessDeniedException(
          ErrorCode.NOT_OWNER, "job " + id + " belongs to another consumer than " + requester);
    }
    return record;
  }

  /** The environments of every backend, with their limits. */
  public List<ComputeEnvironment> environments() {
    return environments;
  }

  /** Jobs running now in environment {@code environmentId}. */
  public int runningJobs(String environmentId) {
    return slotFor(environmentId).running();
  }

  /** Jobs waiting now in environment {@code environmentId}. */
  public int queuedJobs(String environmentId) {
    return slotFor(environmentId).queued();
  }

  /** Phase deadlines armed now (for tests: an ended job holds none). */
  int armedWatchdogs() {
    return deadlines.size();
  }

  /** Adds a listener of every job's status changes. */
  public void addListener(JobListener listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  /** Removes a listener. */
  public void removeListener(JobListener listener) {
    listeners.remove(listener);
  }

  /**
   * Completes once the engine has rebuilt its view of the jobs from every backend. {@link #start}
   * waits for it on its own; a provider application may wait before it serves queries.
   */
  public CompletionStage<Void> ready() {
    return ready.minimalCompletionStage();
  }

  /**
   * Closes the engine: it refuses new starts and releases the backends, verifier and threads it
   * created from providers. Running jobs keep running in their backends, and a new engine finds
   * them again.
   */
  @Override
  public void close() {
    closed = true;
    deadlineTick.cancel(false);
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
    for (AutoCloseable resource : owned) {
      try {
        resource.close();
      } catch (Exception e) {
        logger.warn("closing {} failed", resource, e);
      }
    }
  }

  private static UnavailableException closedException() {
    return new UnavailableException(ErrorCode.ENGINE_CLOSED, "the engine is closed");
  }

  private static Throwable unwrapCompletion(Throwable failure) {
    C2dException known = C2dException.unwrap(failure);
    return known != null ? known : failure;
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery

  private void recover() {
    List<CompletableFuture<Void>> recoveries = new ArrayList<>(backends.size());
    for (ComputeBackend backend : backends) {
      CompletableFuture<Void> recovery;
      try {
        recovery =
            backend
                .recover(this::onBackendUpdate)
                .thenAccept(found -> found.forEach(job -> adopt(backend, job)))
                .toCompletableFuture();
      } catch (RuntimeException e) {
        recovery = CompletableFuture.failedFuture(e);
      }
      recoveries.add(
          recovery.exceptionally(
              failure -> {
                logger.error("recovering the jobs of backend {} failed", backend, failure);
                return null;
              }));
    }
    var unused =
        CompletableFuture.allOf(recoveries.toArray(new CompletableFuture<?>[0]))
            .whenComplete(
                (ignored, failure) -> {
                  ready.complete(null);
                  earlyUpdates.values().forEach(this::onBackendUpdate);
                  earlyUpdates.clear();
                });
  }

  private void adopt(ComputeBackend backend, RecoveredJob found) {
    JobSpec spec = found.spec();
    BackendJobState state = found.state();
    EnvironmentSlot slot = slots.get(spec.environmentId());
    if (slot == null || slot.backend != backend) {
      logger.warn(
          "job {} is in environment {}, which this engine does not configure; tracking it anyway",
          spec.jobId(),
          spec.environmentId());
      slot = new EnvironmentSlot(backend.environments().get(0), backend);
    }
    // A completed job that asked to be published may have lost its publishing to the restart:
    // publish again (publishers answer the first DID for a job they already published).
    boolean republish =
        publisher != null
            && spec.output().publishAsAsset()
            && state.status().outcome() == JobStatus.Outcome.SUCCEEDED;
    JobStatus status = republish ? JobStatus.PUBLISHING_RESULTS : state.status();
    ComputeJob job =
        ComputeJob.builder(spec.jobId(), spec.owner())
            .requestId(spec.requestId())
            .agreementId(spec.agreementId().orElse(null))
            .inputDids(spec.inputDids())
            .algorithmDid(spec.algorithm().did().orElse(null))
            .environmentId(spec.environmentId())
            .status(status)
            .detail(republish ? null : state.detail())
            .exitCode(republish ? null : state.exitCode())
            .createdAt(spec.createdAt())
            .updatedAt(state.at())
            .finishedAt(status.isTerminal() ? state.at() : null)
            .results(republish ? List.of() : state.results())
            .build();
    JobRecord record =
        new JobRecord(
            job, slot, spec.resources(), spec.requestSha256(), status.isTerminal() ? null : spec);
    record.dispatched = true;
    if (jobs.containsKey(spec.jobId())) {
      return;
    }
    register(record);
    synchronized (record.lock) {
      if (republish) {
        record.publishing = state;
        armWatchdog(record, Phase.of(status));
      } else if (!status.isTerminal()) {
        slot.reserveRecovered(record);
        armWatchdog(record, Phase.of(status));
      }
      notifyListeners(job, null);
    }
    if (republish) {
      publish(record);
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static final class PendingStart {
    final String bodySha256;
    final CompletableFuture<ComputeJob> future = new CompletableFuture<>();

    PendingStart(String bodySha256) {
      this.bodySha256 = bodySha256;
    }
  }

  /** What {@link Builder#build()} settled from code and properties. */
  private static final class Resolved {
    final List<ComputeBackend> backends = new ArrayList<>();
    final List<AutoCloseable> owned = new ArrayList<>();
    ServiceAgreementVerifier verifier;
    ConsumerAuthenticator authenticator;
    @Nullable DerivedAssetPublisher publisher;
    long chainId;
    EthAddress providerAddress;
    Duration maxSignatureLifetime;
    Duration verifierTimeout;
    Duration verdictCacheTtl;

    Resolved(
        ServiceAgreementVerifier verifier,
        ConsumerAuthenticator authenticator,
        EthAddress providerAddress) {
      this.verifier = verifier;
      this.authenticator = authenticator;
      this.providerAddress = providerAddress;
      this.maxSignatureLifetime = Duration.ZERO;
      this.verifierTimeout = Duration.ZERO;
      this.verdictCacheTtl = Duration.ZERO;
    }
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
   * </table>
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private final List<ComputeBackend> backends = new ArrayList<>();
    private @Nullable ServiceAgreementVerifier verifier;
    private @Nullable DerivedAssetPublisher publisher;
    private @Nullable ConsumerAuthenticator authenticator;
    private @Nullable NonceStore nonceStore;
    private Executor executor = ForkJoinPool.commonPool();
    private @Nullable ScheduledExecutorService scheduler;
    private Clock clock = Clock.systemUTC();
    private Ticker ticker = Ticker.system();
    private @Nullable Long chainId;
    private @Nullable EthAddress providerAddress;
    private @Nullable Duration maxSignatureLifetime;
    private @Nullable Duration verifierTimeout;
    private @Nullable Duration verdictCacheTtl;
    private Duration runningGrace = Duration.ofSeconds(30);
    private ComputePolicy policyWithoutDdo = ComputePolicy.CLOSED;
    private ClassLoader classLoader = ComputeEngine.class.getClassLoader();
    private Map<String, String> properties = Map.of();
    private final List<JobListener> listeners = new ArrayList<>();

    private Builder() {}

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

    /** Where used nonces are kept; default in memory until their request expires. */
    public Builder nonceStore(NonceStore nonceStore) {
      this.nonceStore = requireNonNull(nonceStore, "nonceStore");
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
     * Builds the engine and starts recovering the backends' jobs ({@link ComputeEngine#ready()}).
     *
     * @throws ConfigurationException if something required is neither set nor configured, a
     *     provider name is unknown, or two providers share a name
     */
    public ComputeEngine build() {
      ProviderConfig config = ProviderConfig.of(properties);
      List<AutoCloseable> owned = new ArrayList<>();
      try {
        List<ComputeBackend> allBackends = new ArrayList<>(backends);
        if (allBackends.isEmpty()) {
          String names =
              config
                  .string("c2d.backend")
                  .orElseThrow(
                      () -> missing("a backend", "c2d.backend", "backend(ComputeBackend)"));
          Providers<ComputeBackendProvider> providers =
              Providers.load(
                  ComputeBackendProvider.class,
                  "c2d.backend",
                  ComputeBackendProvider::name,
                  classLoader);
          for (String name : List.of(names.split(",", -1))) {
            ComputeBackend backend = providers.select(name.trim()).create(config);
            owned.add(backend);
            allBackends.add(backend);
          }
        }
        ServiceAgreementVerifier chosenVerifier = verifier;
        if (chosenVerifier == null) {
          String name =
              config
                  .string("c2d.verifier")
                  .orElseThrow(
                      () ->
                          missing(
                              "a service agreement verifier",
                              "c2d.verifier",
                              "verifier(ServiceAgreementVerifier)"));
          chosenVerifier =
              Providers.load(
                      ServiceAgreementVerifierProvider.class,
                      "c2d.verifier",
                      ServiceAgreementVerifierProvider::name,
                      classLoader)
                  .select(name)
                  .create(config);
          owned.add(chosenVerifier);
        }
        ConsumerAuthenticator chosenAuthenticator = authenticator;
        if (chosenAuthenticator == null) {
          String name =
              config
                  .string("c2d.authenticator")
                  .orElseThrow(
                      () ->
                          missing(
                              "a consumer authenticator",
                              "c2d.authenticator",
                              "authenticator(ConsumerAuthenticator)"));
          chosenAuthenticator =
              Providers.load(
                      ConsumerAuthenticatorProvider.class,
                      "c2d.authenticator",
                      ConsumerAuthenticatorProvider::name,
                      classLoader)
                  .select(name)
                  .create(config);
        }
        EthAddress provider = providerAddress;
        if (provider == null) {
          String text =
              config
                  .string("c2d.provider-address")
                  .orElseThrow(
                      () ->
                          missing(
                              "the provider address",
                              "c2d.provider-address",
                              "providerAddress(EthAddress)"));
          try {
            provider = EthAddress.of(text);
          } catch (InvalidRequestException e) {
            throw new ConfigurationException(
                ErrorCode.CONFIGURATION_INVALID,
                "property c2d.provider-address is not an address: " + text,
                e);
          }
        }
        DerivedAssetPublisher chosenPublisher = publisher;
        if (chosenPublisher == null && config.string("c2d.publisher").isPresent()) {
          chosenPublisher =
              Providers.load(
                      DerivedAssetPublisherProvider.class,
                      "c2d.publisher",
                      DerivedAssetPublisherProvider::name,
                      classLoader)
                  .select(config.requireString("c2d.publisher"))
                  .create(config);
          owned.add(chosenPublisher);
        }
        Resolved resolved = new Resolved(chosenVerifier, chosenAuthenticator, provider);
        resolved.publisher = chosenPublisher;
        resolved.backends.addAll(allBackends);
        resolved.owned.addAll(owned);
        long chain = chainId != null ? chainId : config.longValue("c2d.chain-id", -1);
        if (chain <= 0) {
          throw missing("the chain id", "c2d.chain-id", "chainId(long)");
        }
        resolved.chainId = chain;
        resolved.maxSignatureLifetime =
            maxSignatureLifetime != null
                ? maxSignatureLifetime
                : config.duration("c2d.signature.max-lifetime", Duration.ofHours(1));
        resolved.verifierTimeout =
            verifierTimeout != null
                ? verifierTimeout
                : config.duration("c2d.verifier.timeout", Duration.ofSeconds(30));
        resolved.verdictCacheTtl =
            verdictCacheTtl != null
                ? verdictCacheTtl
                : config.duration("c2d.verifier.cache-ttl", Duration.ofMinutes(5));
        ComputeEngine engine = new ComputeEngine(this, resolved);
        try {
          engine.recover();
        } catch (RuntimeException e) {
          engine.close();
          throw e;
        }
        return engine;
      } catch (RuntimeException e) {
        for (AutoCloseable resource : owned) {
          try {
            resource.close();
          } catch (Exception suppressed) {
            e.addSuppressed(suppressed);
          }
        }
        throw e;
      }
    }

    private static ConfigurationException missing(String what, String property, String method) {
      return new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "no " + what + " is configured: set the property " + property + " or call " + method);
    }

    private static Duration positive(Duration value, String name) {
      requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }
  }
}
