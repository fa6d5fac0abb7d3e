package io.c2d.backend.k8s;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend's two kinds of threads: one event thread, on which every status change of every job
 * is decided and reported (so reports of one job never overtake each other), and a pool of I/O
 * threads for the blocking API calls. Daemon threads, named after the namespace.
 *
 * <p>Thread-safe.
 */
final class BackendThreads {
  private static final Logger log = LoggerFactory.getLogger(BackendThreads.class);

  /** How long {@link #close} waits for calls under way. */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private final ScheduledExecutorService events;
  private final ExecutorService io;

  BackendThreads(String namespace) {
    AtomicInteger ioThreads = new AtomicInteger();
    ScheduledThreadPoolExecutor events =
        new ScheduledThreadPoolExecutor(1, r -> daemon(r, "c2d-k8s-events-" + namespace));
    // what waits on the clock (a finished Job's removal, an image pull's time limit) is found
    // again by the next instance's recovery and informers: close drops it rather than wait for it
    events.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    events.setRemoveOnCancelPolicy(true);
    this.events = events;
    this.io =
        Executors.newCachedThreadPool(
            r -> daemon(r, "c2d-k8s-io-" + namespace + "-" + ioThreads.incrementAndGet()));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread thread = new Thread(r, name);
    thread.setDaemon(true);
    return thread;
  }

  /** The event thread: status decisions and reports, and what waits on the clock. */
  ScheduledExecutorService events() {
    return events;
  }

  /** The I/O threads: blocking API calls and result collection. */
  ExecutorService io() {
    return io;
  }

  /** Runs {@code task} on the event thread; after {@link #close}, drops it. */
  void post(Runnable task) {
    try {
      events.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("event after close dropped", e);
    }
  }

  /**
   * Lets calls under way end (at most {@link #CLOSE_GRACE}), drops what waits on the clock, then
   * interrupts what is still busy.
   */
  void close() {
    // Let calls under way (a finished job's clean-up) end rather than cut them mid-request.
    events.shutdown();
    io.shutdown();
    try {
      if (!io.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)
          || !events.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("Kubernetes backend threads still busy after {}; interrupting them", CLOSE_GRACE);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    events.shutdownNow();
    io.shutdownNow();
  }
}
