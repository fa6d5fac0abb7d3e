package io.c2d;

import io.c2d.Watchdogs.Phase;
import io.c2d.model.ComputeJob;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the engine's view from every backend when it is built, so a restarted application finds
 * every job again: running jobs keep their capacity and watchdogs, ended ones their results, and a
 * completed job whose publishing the restart interrupted is published again. Reports that arrive
 * for a job not adopted yet are kept (the furthest one per job) and applied once recovery is over;
 * then the engine is {@link #ready()}. Thread-safe.
 */
final class Recovery {
  private static final Logger logger = LoggerFactory.getLogger(ComputeEngine.class);

  private final List<ComputeBackend> backends;
  private final RequestValidation environments;
  private final JobRegistry registry;
  private final JobLifecycle lifecycle;
  private final Admission admission;
  private final boolean publishes;
  private final @Nullable ResultRelease release;
  private final ConcurrentHashMap<JobId, BackendJobState> earlyUpdates = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> ready = new CompletableFuture<>();

  /** The pauses before a failed backend recovery is asked again: four tries within 7 s. */
  static final List<Duration> RETRY_PAUSES =
      List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));

  Recovery(
      List<ComputeBackend> backends,
      RequestValidation environments,
      JobRegistry registry,
      JobLifecycle lifecycle,
      Admission admission,
      @Nullable ResultRelease release) {
    this.release = release;
    this.backends = backends;
    this.environments = environments;
    this.registry = registry;
    this.lifecycle = lifecycle;
    this.admission = admission;
    this.publishes = lifecycle.publishes();
  }

  CompletableFuture<Void> ready() {
    return ready;
  }

  /**
   * Asks every backend for its jobs. A backend whose recovery fails is asked again after each of
   * {@link #RETRY_PAUSES} (its infrastructure may be starting too); one that still fails is logged
   * and skipped, so that the others' jobs are not held up for ever.
   */
  void start() {
    List<CompletableFuture<Void>> recoveries = new ArrayList<>(backends.size());
    for (ComputeBackend backend : backends) {
      recoveries.add(
          recover(backend, 0)
              .exceptionally(
                  failure -> {
                    logger.error(
                        "recovering the jobs of backend {} failed {} times; its jobs are not"
                            + " tracked until the engine is built again",
                        backend,
                        RETRY_PAUSES.size() + 1,
                        failure);
                    return null;
                  }));
    }
    var unused =
        CompletableFuture.allOf(recoveries.toArray(new CompletableFuture<?>[0]))
            .whenComplete(
                (ignored, failure) -> {
                  requeue();
                  ready.complete(null);
                  earlyUpdates.values().forEach(lifecycle::onBackendUpdate);
                  earlyUpdates.clear();
                });
  }

  private CompletableFuture<Void> recover(ComputeBackend backend, int failures) {
    CompletableFuture<Void> recovery;
    try {
      recovery =
          backend
              .recover(this::onUpdate)
              .thenAccept(found -> found.forEach(job -> adopt(backend, job)))
              .toCompletableFuture();
    } catch (RuntimeException e) {
      recovery = CompletableFuture.failedFuture(e);
    }
    if (failures >= RETRY_PAUSES.size()) {
      return recovery;
    }
    return recovery.exceptionallyCompose(
        failure -> {
          Duration pause = RETRY_PAUSES.get(failures);
          logger.warn(
              "recovering the jobs of backend {} failed; asking again in {}",
              backend,
              pause,
              failure);
          Executor later =
              CompletableFuture.delayedExecutor(pause.toMillis(), TimeUnit.MILLISECONDS);
          return CompletableFuture.runAsync(() -> {}, later)
              .thenCompose(none -> recover(backend, failures + 1));
        });
  }

  /**
   * Queues again, in their order, the jobs that waited for capacity when the engine stopped, once
   * the backends' jobs are adopted: a job its backend already holds (the engine stopped between
   * dispatching it and forgetting its file) is the backend's, and its file is forgotten.
   */
  private void requeue() {
    QueuedJobStore store = lifecycle.queuedJobs();
    QueuedJobStore.Loaded loaded = store.load();
    for (QueuedJobStore.Unreadable bad : loaded.unreadable()) {
      logger.error(
          "a queued job could not be read back and is not queued again; its file is set aside",
          bad.reason());
    }
    for (QueuedJobStore.Entry entry : loaded.entries()) {
      JobSpec spec = entry.spec();
      @Nullable EnvironmentSlot slot = environments.slotOrNull(spec.environmentId());
      if (registry.contains(spec.jobId())) {
        store.forget(spec.jobId());
      } else if (slot == null) {
        // kept on disk: an engine configured with the environment again queues it
        logger.error(
            "queued job {} waits for environment {}, which this engine does not configure",
            spec.jobId(),
            spec.environmentId());
      } else {
        try {
          admission.readmit(slot, entry);
        } catch (RuntimeException e) {
          logger.error("queued job {} could not be queued again", spec.jobId(), e);
        }
      }
    }
  }

  /** The listener of recovered jobs: holds reports of jobs not adopted yet until recovery ends. */
  private void onUpdate(BackendJobState state) {
    if (!ready.isDone() && registry.get(state.jobId()) == null) {
      earlyUpdates.merge(
          state.jobId(), state, (a, b) -> b.status().rank() >= a.status().rank() ? b : a);
      return;
    }
    lifecycle.onBackendUpdate(state);
  }

  private void adopt(ComputeBackend backend, RecoveredJob found) {
    JobSpec spec = found.spec();
    BackendJobState state = found.state();
    @Nullable EnvironmentSlot slot = environments.slotOrNull(spec.environmentId());
    if (slot == null || slot.backend != backend) {
      logger.warn(
          "job {} is in environment {}, which this engine does not configure; tracking it anyway",
          spec.jobId(),
          spec.environmentId());
      slot = new EnvironmentSlot(backend.environments().get(0), backend);
    }
    // A completed job that asked to be published may have lost its publishing to the restart:
    // publish again (publishers answer the first DID for a job they already published).
    // A gated job whose run ended passes the result filters again, or takes the verdicts of the
    // audit record; it publishes (if asked) once released.
    boolean gated = release != null && release.gates(spec, state);
    boolean republish =
        !gated
            && publishes
            && spec.output().publishAsAsset()
            && state.status().outcome() == JobStatus.Outcome.SUCCEEDED;
    JobStatus status =
        gated
            ? JobStatus.FILTERING_RESULTS
            : republish ? JobStatus.PUBLISHING_RESULTS : state.status();
    boolean held = gated || republish;
    ComputeJob job =
        ComputeJob.builder(spec.jobId(), spec.owner())
            .requestId(spec.requestId())
            .agreementId(spec.agreementId().orElse(null))
            .inputDids(spec.inputDids())
            .algorithmDid(spec.algorithm().did().orElse(null))
            .environmentId(spec.environmentId())
            .status(status)
            .detail(held ? null : state.detail())
            .exitCode(held ? null : state.exitCode())
            .createdAt(spec.createdAt())
            .updatedAt(state.at())
            .finishedAt(status.isTerminal() ? state.at() : null)
            .results(held ? List.of() : state.results())
            .build();
    JobRecord record =
        new JobRecord(
            job, slot, spec.resources(), spec.requestSha256(), status.isTerminal() ? null : spec);
    record.dispatched = true;
    // Free jobs are the ones without agreement or order (a paid request must carry one); a
    // restarted engine counts them against the free limits again.
    record.free =
        slot.environment.freeLimits().isPresent()
            && spec.agreementId().isEmpty()
            && spec.datasets().stream().allMatch(d -> d.orderTx().isEmpty());
    if (registry.contains(spec.jobId())) {
      return;
    }
    registry.register(record);
    synchronized (record.lock) {
      if (gated) {
        lifecycle.watchdogs().arm(record, Phase.of(status));
      } else if (republish) {
        record.publishing = state;
        lifecycle.watchdogs().arm(record, Phase.of(status));
      } else if (!status.isTerminal()) {
        slot.reserveRecovered(record);
        lifecycle.watchdogs().arm(record, Phase.of(status));
      }
      lifecycle.notifyListeners(job, null);
    }
    if (republish) {
      lifecycle.publish(record);
    }
    if (gated && release != null) {
      release.resume(record, spec, state);
    }
  }
}
