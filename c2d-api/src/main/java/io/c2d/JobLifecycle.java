package io.c2d;

import static java.util.Objects.requireNonNull;

import io.c2d.Watchdogs.Phase;
import io.c2d.model.ComputeJob;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine of every job after admission: dispatch to its backend, the backend's reports,
 * publishing, the engine's own endings (stop, watchdog), and handing freed capacity to waiting
 * jobs. A job's fields change under its record's lock; listeners hear of each change under it, in
 * order; backends are called outside it (stop may report back at once). Thread-safe.
 */
final class JobLifecycle {
  private static final Logger logger = LoggerFactory.getLogger(ComputeEngine.class);

  private final JobRegistry registry;
  private final Clock clock;
  private final @Nullable Publication publication;
  private final CopyOnWriteArrayList<JobListener> listeners;
  private final Watchdogs watchdogs;
  private final QueuedJobStore queuedJobs;
  private @Nullable ResultRelease release;
  private volatile boolean closed;

  JobLifecycle(
      JobRegistry registry,
      Clock clock,
      @Nullable Publication publication,
      List<JobListener> listeners,
      Watchdogs.Factory watchdogs,
      QueuedJobStore queuedJobs) {
    this.registry = registry;
    this.queuedJobs = queuedJobs;
    this.clock = clock;
    this.publication = publication;
    this.listeners = new CopyOnWriteArrayList<>(listeners);
    this.watchdogs = watchdogs.create(this::onDeadline);
  }

  Watchdogs watchdogs() {
    return watchdogs;
  }

  /** Where jobs waiting for capacity are kept across restarts. */
  QueuedJobStore queuedJobs() {
    return queuedJobs;
  }

  /** Sets the result filters' part, once, before any job is dispatched or recovered. */
  void resultRelease(ResultRelease release) {
    this.release = release;
  }

  /** Whether completed jobs that ask for it are published. */
  boolean publishes() {
    return publication != null;
  }

  boolean isClosed() {
    return closed;
  }

  void addListener(JobListener listener) {
    listeners.add(listener);
  }

  void removeListener(JobListener listener) {
    listeners.remove(listener);
  }

  /**
   * Stops the job: one still waiting or publishing ends here, one under way ends once its backend
   * has stopped it.
   *
   * @throws JobStateException ({@link ErrorCode#JOB_FINISHED}) if it has already ended
   */
  CompletionStage<ComputeJob> stop(JobRecord record) {
    JobId id = record.id();
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
   * Deletes an ended job in its backend, then forgets it.
   *
   * @throws JobStateException ({@link ErrorCode#JOB_RUNNING}) if it has not ended
   */
  CompletionStage<Void> delete(JobRecord record) {
    JobId id = record.id();
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
          registry.unregister(record);
          ResultRelease gated = release;
          if (gated != null) {
            gated.gate().forget(id, false);
          }
          return null;
        });
  }

  /**
   * Hands the job to its backend, unless it ended meanwhile; a refusal fails the job. The stage
   * completes (never exceptionally) once the backend has accepted the job, and so holds it durably
   * where it keeps its jobs, or refused it.
   */
  CompletionStage<Void> dispatch(JobRecord record) {
    JobSpec spec;
    synchronized (record.lock) {
      spec = record.spec;
      if (spec == null || record.snapshot().isTerminal()) {
        return CompletableFuture.completedFuture(null);
      }
      record.dispatched = true;
    }
    CompletionStage<Void> submitted;
    try {
      submitted = record.slot.backend.submit(spec, this::onBackendUpdate);
    } catch (RuntimeException e) {
      submitted = CompletableFuture.failedFuture(e);
    }
    return submitted.handle(
        (ignored, failure) -> {
          if (failure != null) {
            logger.warn("backend refused job {}", record.id(), failure);
            end(record, JobStatus.FAILED, null, "the backend could not start the job: " + failure);
          }
          // The backend holds the job durably now (or it failed): it no longer waits on disk here.
          leftQueue(record);
          return null;
        });
  }

  /** Removes the job's queue file, if it has one: it was dispatched, or it ended. */
  private void leftQueue(JobRecord record) {
    synchronized (record.lock) {
      if (!record.queuedOnDisk) {
        return;
      }
      record.queuedOnDisk = false;
      queuedJobs.forget(record.id());
    }
  }

  /** A backend's report about one of its jobs. */
  void onBackendUpdate(BackendJobState state) {
    JobRecord record = registry.get(state.jobId());
    if (record == null) {
      logger.debug("update for unknown job {}: {}", state.jobId(), state.status());
      return;
    }
    boolean ended;
    boolean stopInBackend = false;
    boolean publish = false;
    boolean filter = false;
    ResultRelease gated = release;
    synchronized (record.lock) {
      ComputeJob current = record.snapshot();
      ResultRelease.Handling handling;
      if (record.publishing != null) {
        // The backend's part is over; late or repeated reports change nothing while publishing.
        ended = false;
      } else if (gated != null
          && (handling = gated.onReport(record, state)) != ResultRelease.Handling.USUAL) {
        // The result filters (and review) decide before the job ends or publishes.
        filter = handling == ResultRelease.Handling.FILTER;
        ended = false;
      } else if (publication != null && Publication.wanted(record, state)) {
        // Backends report 60 while they collect; the engine's publishing stays in that status.
        record.publishing = state;
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
    if (filter && gated != null) {
      gated.filter(record);
    }
    if (publish) {
      publish(record);
    }
    if (ended) {
      afterEnd(record);
    }
  }

  /** Publishes the job kept in {@link JobRecord#publishing}, then ends it as published or not. */
  void publish(JobRecord record) {
    Publication chosen = requireNonNull(publication);
    BackendJobState completed;
    JobSpec spec;
    synchronized (record.lock) {
      completed = requireNonNull(record.publishing);
      spec = requireNonNull(record.spec);
    }
    var unused =
        chosen
            .publish(record, spec, completed)
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
                                "publishing the derived asset failed: "
                                    + ComputeEngine.unwrapCompletion(failure),
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

  static boolean isPublishing(JobRecord record) {
    synchronized (record.lock) {
      return record.publishing != null;
    }
  }

  /**
   * Moves the job forward, arms the new phase's watchdog, then tells the listeners; returns whether
   * it ended now. Caller holds the record's lock.
   */
  boolean moveTo(
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
    ComputeJob.Builder next =
        current.toBuilder().status(status).updatedAt(at).notices(record.notices);
    if (exitCode != null) {
      next.exitCode(exitCode);
    }
    if (detail != null) {
      next.detail(detail);
    }
    if (status.isTerminal()) {
      next.finishedAt(at).results(results).derivedAssetDid(record.derivedAsset);
      record.filtering = null;
      record.filteringSpec = null;
      record.spec = null;
      watchdogs.disarm(record);
      // Free the capacity before anyone hears of the end, so a listener sees it free.
      record.nowRunnable = record.slot.releaseAndTakeRunnable(record);
    }
    record.snapshot(next.build());
    if (!status.isTerminal() && Phase.of(status) != Phase.of(current.status())) {
      // Armed before the listeners hear of the phase: one of them may end the job meanwhile.
      watchdogs.arm(record, Phase.of(status));
    }
    notifyListeners(record.snapshot(), current.status());
    return status.isTerminal();
  }

  /** Ends the job in the engine (not reported by the backend); returns whether it ended now. */
  boolean end(JobRecord record, JobStatus status, @Nullable Integer exitCode, String detail) {
    boolean ended;
    synchronized (record.lock) {
      ended = moveTo(record, status, exitCode, detail, List.of(), clock.instant());
    }
    if (ended) {
      afterEnd(record);
    }
    return ended;
  }

  /**
   * Forgets the ended job's queue file, if it waited, then dispatches the waiting jobs that got the
   * capacity of {@code record}.
   */
  void afterEnd(JobRecord record) {
    List<JobRecord> runnable;
    synchronized (record.lock) {
      runnable = record.nowRunnable;
      record.nowRunnable = List.of();
    }
    leftQueue(record);
    dispatchRunnable(runnable);
  }

  /** Moves waiting jobs that were given capacity to warming up and dispatches them. */
  void dispatchRunnable(List<JobRecord> runnable) {
    for (JobRecord next : runnable) {
      synchronized (next.lock) {
        moveTo(next, JobStatus.WARMING_UP, null, null, List.of(), clock.instant());
      }
      var unused = dispatch(next);
    }
  }

  /** Caller holds the record's lock. */
  void notifyListeners(ComputeJob job, @Nullable JobStatus previous) {
    for (JobListener listener : listeners) {
      try {
        listener.onStatusChange(job, previous);
      } catch (RuntimeException e) {
        logger.warn("job listener {} threw; it must not", listener, e);
      }
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
            + phase.name().toLowerCase(Locale.ROOT)
            + " longer than "
            + limit;
    if (end(record, JobStatus.TIMED_OUT, null, detail) && dispatched) {
      stopQuietly(record);
    }
  }

  void stopQuietly(JobRecord record) {
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

  /** Refuses new work from now on and stops the watchdogs. */
  void close() {
    closed = true;
    watchdogs.close();
  }
}
