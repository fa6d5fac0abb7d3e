package io.c2d.spi.backend.support;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The one pending time limit of a job: arming a new one cancels the old one. Thread-safe; its lock
 * is only ever taken last (inside the job's), and no task runs while it is held.
 */
final class JobTimer {
  private final ScheduledExecutorService scheduler;
  private final Object lock = new Object();
  private @Nullable ScheduledFuture<?> pending;

  JobTimer(ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
  }

  /**
   * Runs {@code task} after {@code after} (at once if not positive) unless cancelled or replaced
   * first. Returns false if the scheduler is shut down (the backend closed: a later instance arms
   * the limit again).
   */
  boolean arm(Runnable task, Duration after) {
    ScheduledFuture<?> scheduled;
    try {
      scheduled = scheduler.schedule(task, Math.max(0, after.toMillis()), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return false;
    }
    synchronized (lock) {
      if (pending != null) {
        pending.cancel(false);
      }
      pending = scheduled;
    }
    return true;
  }

  /** Cancels the pending limit, if any. */
  void cancel() {
    synchronized (lock) {
      if (pending != null) {
        pending.cancel(false);
        pending = null;
      }
    }
  }
}
