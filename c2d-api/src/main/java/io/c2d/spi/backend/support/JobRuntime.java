package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import io.c2d.ErrorCode;
import io.c2d.UnavailableException;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What every job of one backend instance shares: the backend's name (for messages), its clock, the
 * executor that stages, collects and talks to the engine, the scheduler of time limits, whether the
 * backend is closed, whether the environment's staging and collecting time limits are enforced, and
 * the {@link InputFetcher} of remote inputs.
 *
 * <p>By default it owns a small pool of daemon threads, which {@link #close()} shuts down; an
 * executor handed to the builder is never shut down. Thread-safe.
 */
public final class JobRuntime {
  private static final int DEFAULT_THREADS = 4;
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final String backendName;
  private final Clock clock;
  private final Executor executor;
  private final @Nullable ExecutorService ownedExecutor;
  private final ScheduledExecutorService scheduler;
  private final boolean phaseTimeouts;
  private final InputFetcher fetcher;
  private volatile boolean closed;

  private JobRuntime(Builder builder) {
    this.backendName = builder.backendName;
    this.clock = builder.clock == null ? Clock.systemUTC() : builder.clock;
    this.phaseTimeouts = builder.phaseTimeouts;
    this.fetcher = InputFetcher.create(builder.fetchSettings);
    int pool = POOLS.incrementAndGet();
    String prefix = builder.threadPrefix + "-" + pool + "-";
    if (builder.executor == null) {
      ThreadPoolExecutor owned =
          new ThreadPoolExecutor(
              DEFAULT_THREADS,
              DEFAULT_THREADS,
              30,
              TimeUnit.SECONDS,
              new LinkedBlockingQueue<>(),
              daemonThreads(prefix));
      owned.allowCoreThreadTimeOut(true);
      this.ownedExecutor = owned;
      this.executor = owned;
    } else {
      this.ownedExecutor = null;
      this.executor = builder.executor;
    }
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(1, daemonThreads(prefix + "timeouts-"));
    timer.setRemoveOnCancelPolicy(true);
    this.scheduler = timer;
  }

  /**
   * A builder. {@code backendName} appears in messages ("the {@code <name>} backend has been
   * closed"), e.g. {@code embedded} or {@code Docker}; {@code threadPrefix} names the threads, e.g.
   * {@code c2d-embedded}.
   */
  public static Builder builder(String backendName, String threadPrefix) {
    return new Builder(requireNonNull(backendName, "backendName"), threadPrefix);
  }

  /** The backend's name in messages. */
  public String backendName() {
    return backendName;
  }

  /** The time of status reports. */
  public Clock clock() {
    return clock;
  }

  /** Runs staging, collecting and the reactions to an algorithm's end. */
  public Executor executor() {
    return executor;
  }

  /** Fires time limits. */
  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /** Whether the environment's staging and collecting time limits are enforced. */
  public boolean phaseTimeouts() {
    return phaseTimeouts;
  }

  /**
   * Fetches the jobs' remote inputs ({@link ContractStaging} uses it), with the builder's settings.
   */
  public InputFetcher fetcher() {
    return fetcher;
  }

  /** Whether the backend was closed: a closed backend leaves its jobs as they are. */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Runs {@code work} on the executor; a refused task (the backend closed) fails the stage with
   * {@link #closedException()}.
   */
  public <T> CompletableFuture<T> async(Supplier<T> work) {
    try {
      return CompletableFuture.supplyAsync(work, executor);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(closedException());
    }
  }

  /** Runs {@code task} on the executor, or here if the executor refuses it. */
  public void executeOrRun(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      task.run();
    }
  }

  /** Runs {@code task} on the executor; if the executor refuses it (closed), not at all. */
  void executeUnlessClosed(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      // closed: a later instance takes the job over
    }
  }

  /** The failure of a call to a closed backend. */
  public UnavailableException closedException() {
    return new UnavailableException(
        ErrorCode.BACKEND_FAILURE, "the " + backendName + " backend has been closed");
  }

  /**
   * Marks the backend closed and stops the scheduler and the executor this runtime created (tasks
   * already queued still run). Idempotent.
   */
  public void close() {
    closed = true;
    scheduler.shutdownNow();
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public String toString() {
    return "JobRuntime{" + backendName + (closed ? ", closed" : "") + '}';
  }

  /**
   * Builds a {@link JobRuntime}. Not thread-safe. Setters throw {@link NullPointerException} for
   * null arguments and {@link IllegalStateException} when an option is set twice.
   */
  public static final class Builder {
    private final String backendName;
    private final String threadPrefix;
    private @Nullable Clock clock;
    private @Nullable Executor executor;
    private boolean phaseTimeouts;
    private FetchSettings fetchSettings = FetchSettings.defaults();

    private Builder(String backendName, String threadPrefix) {
      this.backendName = backendName;
      this.threadPrefix = requireNonNull(threadPrefix, "threadPrefix");
    }

    /** The clock of status reports; default the system clock in UTC. */
    public Builder clock(Clock clock) {
      requireNonNull(clock, "clock");
      if (this.clock != null) {
        throw new IllegalStateException("clock was already set");
      }
      this.clock = clock;
      return this;
    }

    /**
     * The executor; default a pool of 4 daemon threads that {@link JobRuntime#close()} shuts down.
     * An executor handed in here is never shut down.
     */
    public Builder executor(Executor executor) {
      requireNonNull(executor, "executor");
      if (this.executor != null) {
        throw new IllegalStateException("executor was already set");
      }
      this.executor = executor;
      return this;
    }

    /**
     * Whether staging and collecting are held to the environment's {@link
     * io.c2d.model.ComputeEnvironment#phaseTimeouts()} (past them a job ends as {@code TIMED_OUT});
     * default false.
     */
    public Builder phaseTimeouts(boolean phaseTimeouts) {
      this.phaseTimeouts = phaseTimeouts;
      return this;
    }

    /** How remote inputs are fetched; default {@link FetchSettings#defaults()}. */
    public Builder fetchSettings(FetchSettings fetchSettings) {
      this.fetchSettings = requireNonNull(fetchSettings, "fetchSettings");
      return this;
    }

    /** Builds the runtime; its threads start when first used. */
    public JobRuntime build() {
      return new JobRuntime(this);
    }
  }
}
