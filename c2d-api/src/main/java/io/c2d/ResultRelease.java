package io.c2d;

import static java.util.Objects.requireNonNull;

import io.c2d.Watchdogs.Phase;
import io.c2d.model.ComputeJob;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultNotice.State;
import io.c2d.model.ResultPolicy;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine's part for result filters and the publisher's review: a gated job's terminal
 * report moves it to status 50 and runs its chain; then it ends (or publishes) with its verdicts,
 * or waits in {@link JobStatus#AWAITING_RELEASE} until the publisher releases, redacts or rejects
 * it, or the review's time limit rejects it. A rejection deletes the job's results in its backend.
 * Thread-safe: job fields change under the record's lock, decisions are serialised by one lock.
 */
final class ResultRelease implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(ResultRelease.class);
  private static final int MAX_REASON = 500;
  private static final int MAX_REVIEWER = 64;
  static final long MAX_REPLACEMENT_BYTES = 64L * 1024 * 1024;

  private final ResultGate gate;
  private final JobLifecycle lifecycle;
  private final JobRegistry registry;
  private final Clock clock;
  private final Duration reviewTimeout;
  private final @Nullable ScheduledExecutorService givenScheduler;
  private final Object decisions = new Object();
  private final Object sweepLock = new Object();
  // Guarded by sweepLock.
  private @Nullable ScheduledExecutorService ownScheduler;
  private @Nullable ScheduledFuture<?> sweep;
  private volatile boolean closed;

  ResultRelease(
      ResultGate gate,
      JobLifecycle lifecycle,
      JobRegistry registry,
      Clock clock,
      Duration reviewTimeout,
      @Nullable ScheduledExecutorService scheduler) {
    this.gate = gate;
    this.lifecycle = lifecycle;
    this.registry = registry;
    this.clock = clock;
    this.reviewTimeout = reviewTimeout;
    this.givenScheduler = scheduler;
  }

  ResultGate gate() {
    return gate;
  }

  /** What a backend report means for a gated job. */
  enum Handling {
    /** Not gated, or an ordinary step: the state machine goes on as usual. */
    USUAL,
    /** A report the engine ignores (collection notices, reports after the end of the run). */
    IGNORE,
    /** The run ended: the job is now in status 50 and its chain must run ({@link #filter}). */
    FILTER
  }

  /** Decides about a backend report; caller holds the record's lock. */
  Handling onReport(JobRecord record, BackendJobState state) {
    if (record.filtering != null) {
      return Handling.IGNORE;
    }
    if (record.snapshot().isTerminal() || !gate.gated(record)) {
      return Handling.USUAL;
    }
    if (state.status().isTerminal()) {
      startFiltering(record, state);
      return Handling.FILTER;
    }
    // Backends report 60 while they collect; for a gated job the engine's 60 comes after release.
    return state.status() == JobStatus.PUBLISHING_RESULTS ? Handling.IGNORE : Handling.USUAL;
  }

  /** Caller holds the record's lock. */
  private void startFiltering(JobRecord record, BackendJobState state) {
    record.filtering = state;
    record.filteringSpec = record.spec;
    if (record.snapshot().status() != JobStatus.FILTERING_RESULTS) {
      lifecycle.moveTo(record, JobStatus.FILTERING_RESULTS, null, null, List.of(), clock.instant());
    } else {
      lifecycle.watchdogs().arm(record, Phase.COLLECTING);
    }
  }

  /** Runs the job's chain on a thread of its own, then ends the job or holds it for review. */
  void filter(JobRecord record) {
    JobSpec spec;
    BackendJobState completed;
    synchronized (record.lock) {
      spec = record.filteringSpec;
      completed = record.filtering;
    }
    if (spec == null || completed == null) {
      return;
    }
    ResultPolicy policy = gate.policyOf(record);
    Duration limit = record.slot.environment.phaseTimeouts().filtering();
    Thread thread =
        new Thread(
            () -> {
              Verdicts verdicts = gate.filter(record, spec, completed, policy, limit);
              afterFiltering(record, verdicts);
            },
            "c2d-filter-chain-" + record.id().value());
    thread.setDaemon(true);
    thread.start();
  }

  private void afterFiltering(JobRecord record, Verdicts verdicts) {
    boolean hold;
    synchronized (record.lock) {
      if (record.snapshot().isTerminal()) {
        return; // stopped or timed out meanwhile: nothing is served
      }
      hold = verdicts.pending();
      if (hold) {
        record.notices = verdicts.notices();
        lifecycle.moveTo(
            record,
            JobStatus.AWAITING_RELEASE,
            null,
            "the results await the publisher's review",
            List.of(),
            clock.instant());
      }
    }
    if (hold) {
      ensureSweep();
    } else {
      finish(record, verdicts);
    }
  }

  /** Ends a job whose verdicts are all decided: publishes it if asked, else ends it. */
  private void finish(JobRecord record, Verdicts verdicts) {
    boolean publish = false;
    boolean ended = false;
    synchronized (record.lock) {
      BackendJobState completed = record.filtering;
      if (completed == null || record.snapshot().isTerminal()) {
        return;
      }
      record.filtering = null;
      JobSpec spec = record.filteringSpec;
      record.filteringSpec = null;
      record.notices = verdicts.notices();
      String summary = verdicts.summary();
      String before = completed.detail();
      String detail = before == null ? summary : before + "; " + summary;
      List<JobResult> listed = gate.listed(record.id(), completed.results());
      BackendJobState settled =
          new BackendJobState(
              completed.jobId(),
              completed.status(),
              completed.exitCode(),
              detail,
              listed,
              completed.at());
      if (spec != null && lifecycle.publishes()) {
        record.spec = spec;
        if (Publication.wanted(record, settled)) {
          record.publishing = settled;
          lifecycle.moveTo(
              record, JobStatus.PUBLISHING_RESULTS, null, null, List.of(), clock.instant());
          publish = true;
        }
      }
      if (!publish) {
        ended =
            lifecycle.moveTo(
                record, settled.status(), settled.exitCode(), detail, listed, clock.instant());
      }
    }
    if (publish) {
      lifecycle.publish(record);
    }
    if (ended) {
      lifecycle.afterEnd(record);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Recovery

  /** Whether a recovered job whose run has ended must pass the gate again (its policy has one). */
  boolean gates(JobSpec spec, BackendJobState state) {
    return state.status().isTerminal() && !gate.policyOf(spec).isNone();
  }

  /**
   * Resumes a recovered, gated job that the engine adopted in status 50: with the verdicts of the
   * audit record, or by filtering again if the restart came before the chain decided.
   */
  void resume(JobRecord record, JobSpec spec, BackendJobState state) {
    ResultPolicy policy = gate.policyOf(spec);
    synchronized (record.lock) {
      record.resultPolicy = policy;
      record.filtering = state;
      record.filteringSpec = spec;
    }
    Verdicts restored =
        gate.restore(record.id(), spec.inputDids(), state.results(), policy.review());
    if (restored == null) {
      filter(record);
    } else {
      afterFiltering(record, restored);
    }
  }

  // ---------------------------------------------------------------------------------------
  // The publisher's review

  List<PendingReview> pendingReviews() {
    List<PendingReview> list = new ArrayList<>();
    for (Verdicts v : gate.pending()) {
      JobRecord record = registry.get(v.jobId);
      if (record == null || record.snapshot().status() != JobStatus.AWAITING_RELEASE) {
        continue;
      }
      Instant heldAt = v.heldAt != null ? v.heldAt : record.snapshot().updatedAt();
      list.add(
          new PendingReview(
              v.jobId,
              record.owner(),
              v.assets,
              heldAt,
              heldAt.plus(reviewTimeout),
              v.notices(),
              v.reports));
    }
    return list;
  }

  CompletionStage<ComputeJob> release(JobId id, String reviewer) {
    JobRecord record = awaiting(id);
    String actor = "reviewer:" + checkReviewer(reviewer);
    synchronized (decisions) {
      requireAwaiting(record);
      Verdicts verdicts =
          gate.decide(
              record,
              actor,
              d ->
                  d.state() != State.PENDING_REVIEW
                      ? d
                      : new Verdicts.Decision(
                          d.result(),
                          d.replacement() != null ? State.REDACTED : State.RELEASED,
                          d.replacement() != null
                              ? d.reason().replace("redaction proposed: ", "")
                              : "",
                          d.replacement(),
                          ""));
      finish(record, verdicts);
    }
    return CompletableFuture.completedFuture(record.snapshot());
  }

  CompletionStage<ComputeJob> redact(
      JobId id, String reviewer, String resultName, byte[] replacement, String reason) {
    requireNonNull(replacement, "replacement");
    JobResult.checkName(resultName);
    String why = checkReason(reason);
    if (replacement.length > MAX_REPLACEMENT_BYTES) {
      throw new InvalidRequestException(
          "replacement", "is larger than " + MAX_REPLACEMENT_BYTES + " bytes");
    }
    JobRecord record = awaiting(id);
    String actor = "reviewer:" + checkReviewer(reviewer);
    synchronized (decisions) {
      requireAwaiting(record);
      Verdicts current = gate.verdicts(id);
      Verdicts.Decision target =
          current == null
              ? null
              : current.decisions.values().stream()
                  .filter(d -> d.result().name().equals(resultName))
                  .findFirst()
                  .orElse(null);
      if (target == null) {
        throw new NotFoundException(
            ErrorCode.RESULT_NOT_FOUND, "job " + id + " has no result named " + resultName);
      }
      if (target.state() != State.PENDING_REVIEW) {
        throw new JobStateException(
            ErrorCode.JOB_NOT_AWAITING_RELEASE,
            "result "
                + resultName
                + " of job "
                + id
                + " does not await review ("
                + target.state()
                + ")");
      }
      Path file;
      try {
        file = gate.replacementFile(id, target.result(), "reviewer");
        Files.write(file, replacement);
      } catch (IOException e) {
        throw new UnavailableException(
            ErrorCode.BACKEND_FAILURE, "cannot store the replacement of " + resultName, e);
      }
      Path kept = file;
      Verdicts verdicts =
          gate.decide(
              record,
              actor,
              d ->
                  d.result().equals(target.result())
                      ? new Verdicts.Decision(d.result(), State.REDACTED, why, kept, "")
                      : d);
      if (!verdicts.pending()) {
        finish(record, verdicts);
      }
    }
    return CompletableFuture.completedFuture(record.snapshot());
  }

  CompletionStage<ComputeJob> reject(JobId id, String reviewer, String reason) {
    JobRecord record = awaiting(id);
    String actor = "reviewer:" + checkReviewer(reviewer);
    String why = "rejected by the publisher's review: " + checkReason(reason);
    return rejectAs(record, actor, why);
  }

  private CompletionStage<ComputeJob> rejectAs(JobRecord record, String actor, String why) {
    Verdicts verdicts;
    synchronized (decisions) {
      requireAwaiting(record);
      verdicts =
          gate.decide(
              record,
              actor,
              d ->
                  d.state() == State.WITHHELD
                      ? d
                      : new Verdicts.Decision(d.result(), State.WITHHELD, why, null, ""));
      finish(record, verdicts);
    }
    gate.forget(record.id(), true);
    // Rejected results are deleted where they are stored; the engine keeps the job's verdicts.
    CompletionStage<Void> deleted;
    try {
      deleted = record.slot.backend.delete(record.id());
    } catch (RuntimeException e) {
      deleted = CompletableFuture.failedFuture(e);
    }
    return deleted.handle(
        (ignored, failure) -> {
          if (failure != null) {
            logger.warn("deleting the rejected results of job {} failed", record.id(), failure);
            throw new UnavailableException(
                ErrorCode.BACKEND_FAILURE,
                "job " + record.id() + " is rejected but its backend could not delete its results",
                failure);
          }
          return record.snapshot();
        });
  }

  /** Rejects every job whose review is overdue. */
  void expireOverdue() {
    Instant now = clock.instant();
    for (PendingReview pending : pendingReviews()) {
      if (pending.deadline().isAfter(now)) {
        continue;
      }
      JobRecord record = registry.get(pending.jobId());
      if (record == null) {
        continue;
      }
      try {
        var unused =
            rejectAs(
                record,
                "review-timeout",
                "the publisher did not review the results within " + reviewTimeout);
      } catch (C2dException e) {
        logger.debug("job {} was decided meanwhile", pending.jobId(), e);
      }
    }
  }

  private void ensureSweep() {
    synchronized (sweepLock) {
      if (sweep != null || closed) {
        return;
      }
      ScheduledExecutorService scheduler = givenScheduler;
      if (scheduler == null) {
        ScheduledThreadPoolExecutor own =
            new ScheduledThreadPoolExecutor(
                1,
                task -> {
                  Thread thread = new Thread(task, "c2d-review-timeouts");
                  thread.setDaemon(true);
                  return thread;
                });
        ownScheduler = own;
        scheduler = own;
      }
      long period = Math.max(50, Math.min(1000, reviewTimeout.toMillis() / 4));
      sweep =
          scheduler.scheduleWithFixedDelay(
              () -> {
                try {
                  expireOverdue();
                } catch (RuntimeException e) {
                  logger.warn("rejecting overdue reviews failed", e);
                }
              },
              period,
              period,
              TimeUnit.MILLISECONDS);
    }
  }

  private JobRecord awaiting(JobId id) {
    requireNonNull(id, "id");
    JobRecord record = registry.get(id);
    if (record == null) {
      throw new NotFoundException(ErrorCode.JOB_NOT_FOUND, "no job has id " + id);
    }
    return record;
  }

  private static void requireAwaiting(JobRecord record) {
    JobStatus status = record.snapshot().status();
    if (status != JobStatus.AWAITING_RELEASE) {
      throw new JobStateException(
          ErrorCode.JOB_NOT_AWAITING_RELEASE,
          "job " + record.id() + " does not await the publisher's review (" + status + ")");
    }
  }

  private static String checkReviewer(String reviewer) {
    if (reviewer == null || !reviewer.matches("[A-Za-z0-9._@-]{1," + MAX_REVIEWER + "}")) {
      throw new InvalidRequestException(
          "reviewer", "must be 1 to " + MAX_REVIEWER + " letters, digits or . _ @ -");
    }
    return reviewer;
  }

  private static String checkReason(String reason) {
    if (reason == null || reason.isBlank()) {
      throw new InvalidRequestException("reason", "is missing");
    }
    if (reason.length() > MAX_REASON) {
      throw new InvalidRequestException("reason", "is longer than " + MAX_REASON + " characters");
    }
    for (int i = 0; i < reason.length(); i++) {
      if (Character.isISOControl(reason.charAt(i))) {
        throw new InvalidRequestException("reason", "has a control character");
      }
    }
    return reason.strip();
  }

  @Override
  public void close() {
    closed = true;
    synchronized (sweepLock) {
      if (sweep != null) {
        sweep.cancel(false);
      }
      if (ownScheduler != null) {
        ownScheduler.shutdownNow();
      }
    }
  }
}
