package io.c2d;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.JobSpec;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The phase time limits: every phase of a job has one, so a job never stays in one status forever.
 * Deadlines are read from the injected {@link Ticker} and swept by one periodic tick on the
 * application's scheduler or on a daemon thread owned here; an expiry runs on the engine's
 * executor. Thread-safe; {@link #arm} and {@link #disarm} are called under the record's lock.
 */
final class Watchdogs implements AutoCloseable {
  /** The phases that have their own time limit. */
  enum Phase {
    QUEUED,
    STAGING,
    RUNNING,
    COLLECTING,
    /** Waiting for the publisher's review: its own limit rejects the results (ResultRelease). */
    REVIEW;

    static Phase of(JobStatus status) {
      return switch (status) {
        case QUEUED -> QUEUED;
        case RUNNING_ALGORITHM -> RUNNING;
        case FILTERING_RESULTS, PUBLISHING_RESULTS -> COLLECTING;
        case AWAITING_RELEASE -> REVIEW;
        default -> STAGING;
      };
    }
  }

  /** What runs when a job outlives its phase's limit. */
  @FunctionalInterface
  interface Expiry {
    void expired(JobRecord record, Phase phase, Duration limit);
  }

  /** Creates the watchdogs once the one who handles their expiries exists. */
  @FunctionalInterface
  interface Factory {
    Watchdogs create(Expiry expiry);
  }

  private final Deadlines deadlines;
  private final Duration runningGrace;
  private final Expiry expiry;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final ScheduledFuture<?> tick;
  private volatile boolean closed;

  /** Starts the tick: on {@code scheduler}, or on a daemon thread of its own if null. */
  Watchdogs(
      Ticker ticker,
      Executor executor,
      @Nullable ScheduledExecutorService scheduler,
      Duration runningGrace,
      Expiry expiry) {
    this.deadlines = new Deadlines(ticker::read);
    this.runningGrace = runningGrace;
    this.expiry = expiry;
    if (scheduler != null) {
      this.scheduler = scheduler;
      this.ownsScheduler = false;
    } else {
      this.scheduler =
          new ScheduledThreadPoolExecutor(
              1,
              task -> {
                Thread thread = new Thread(task, "c2d-engine-watchdog");
                thread.setDaemon(true);
                return thread;
              });
      this.ownsScheduler = true;
    }
    this.tick =
        this.scheduler.scheduleWithFixedDelay(
            () -> deadlines.sweep(executor),
            Deadlines.TICK.toMillis(),
            Deadlines.TICK.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /**
   * Arms the limit of {@code phase} for the job, replacing its earlier one; nothing if the job is
   * no longer in that phase (a listener may have ended it) or the engine is closed. Caller holds
   * the record's lock.
   */
  void arm(JobRecord record, Phase phase) {
    disarm(record);
    ComputeJob job = record.snapshot();
    if (closed || job.isTerminal() || Phase.of(job.status()) != phase || phase == Phase.REVIEW) {
      return;
    }
    Duration limit = limitOf(record, phase);
    record.watchdog = deadlines.arm(limit, () -> expiry.expired(record, phase, limit));
  }

  /** Caller holds the record's lock. */
  void disarm(JobRecord record) {
    Deadlines.Entry watchdog = record.watchdog;
    if (watchdog != null) {
      deadlines.disarm(watchdog);
      record.watchdog = null;
    }
  }

  int armed() {
    return deadlines.size();
  }

  private Duration limitOf(JobRecord record, Phase phase) {
    ComputeEnvironment environment = record.slot.environment;
    return switch (phase) {
      case QUEUED -> environment.phaseTimeouts().queued();
      case RUNNING -> {
        JobSpec spec = record.spec;
        yield (spec == null ? environment.maxDuration() : spec.maxDuration()).plus(runningGrace);
      }
      case COLLECTING ->
          record.filtering != null
              // the result filters have their own limit on top of collecting's
              ? environment
                  .phaseTimeouts()
                  .collecting()
                  .plus(environment.phaseTimeouts().filtering())
              : environment.phaseTimeouts().collecting();
      case REVIEW -> throw new IllegalStateException("the review's limit is not a watchdog's");
      case STAGING -> environment.phaseTimeouts().staging();
    };
  }

  @Override
  public void close() {
    closed = true;
    tick.cancel(false);
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
  }
}
