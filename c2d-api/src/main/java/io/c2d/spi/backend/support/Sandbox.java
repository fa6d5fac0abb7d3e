package io.c2d.spi.backend.support;

import java.io.IOException;

/**
 * What a backend built on {@link SandboxJob} supplies for one job: the part of the job's life that
 * depends on where the algorithm runs (a local process, a container engine, a cluster). {@link
 * SandboxJob} does the rest: statuses and their order, persistence, the listener, stop, delete,
 * time limits, restart recovery and result collection.
 *
 * <p>The calls, in order: {@link #stage} (create the sandbox and put the job's files in it, as
 * {@link SandboxContract} lays them out), {@link #start} (start the algorithm), {@link #watch}
 * (wait for its end without blocking, then call {@link SandboxJob#exited}); {@link #kill} at any
 * time after {@link #start} was entered, from any thread; {@link #collect} and {@link #remove} once
 * the job ends; {@link #reattach} instead of the first three after a restart (then, if it says the
 * algorithm never started, {@link #discard} and the calls from {@link #stage} again). A container
 * engine maps them to create/upload, start, wait, kill, copy out and remove; a local process to a
 * directory, a process start, {@code onExit}, a kill of its tree, a directory walk and nothing.
 *
 * <p>Implementations must be thread-safe: {@link #kill} and {@link #remove} can run concurrently
 * with the others, and must be idempotent and never throw (log instead).
 */
public interface Sandbox {
  /**
   * Creates the sandbox and stages the job into it; runs on the executor. Call {@link
   * SandboxJob#checkpoint()} between long steps.
   *
   * @throws StageFailure with the status the job fails with, e.g. {@code DATA_PROVISIONING_FAILED};
   *     its message is the job's detail
   * @throws SandboxJob.Abort if a checkpoint said the job must not go on
   */
  void stage(SandboxJob job) throws StageFailure, SandboxJob.Abort;

  /**
   * Starts the algorithm and returns once it runs.
   *
   * @throws StageFailure if it could not be started (the job fails with its status)
   */
  void start(SandboxJob job) throws StageFailure;

  /**
   * Waits for the algorithm's end without blocking the caller, then calls {@link SandboxJob#exited}
   * once (on the executor). Also called after {@link #reattach} found the algorithm running or
   * ended: then the end may already be there.
   */
  void watch(SandboxJob job);

  /** Kills the algorithm if it runs; {@link #watch} then sees its end. Idempotent, never throws. */
  void kill();

  /**
   * After a restart: where the algorithm of a job that has not ended stands. A running algorithm
   * must be tracked again (so that {@link #kill} and {@link #watch} work).
   */
  Reattached reattach(SandboxJob job);

  /**
   * After a restart, before a job whose algorithm never started ({@link Reattached#neverRan}) is
   * staged again: removes everything the interrupted attempt left, outside the job's directory (a
   * container, a volume) and inside it (staged files, a staging archive), so that staging starts
   * from scratch and only one sandbox ever exists for the job. The files {@link JobDirectory} keeps
   * ({@code job.json}, {@code state.json}, {@code ending}, {@code configuration.log}) must be kept.
   * By default {@link #remove}; a sandbox that stages into the job's directory overrides it to
   * delete those files too. Runs on the executor.
   *
   * @throws RuntimeException if a leftover could not be removed (the job then fails rather than
   *     risk a second sandbox)
   */
  default void discard(SandboxJob job) {
    remove();
  }

  /**
   * Collects the job's outputs and {@code algorithm.log} into {@code collector} ({@link SandboxJob}
   * adds {@code configuration.log} and finishes it). An output that cannot be fetched at all is
   * {@link ResultCollector#outputsFailed}.
   *
   * @throws IOException if the result area cannot be written
   */
  void collect(SandboxJob job, ResultCollector collector) throws IOException;

  /**
   * The algorithm's output so far, as a stream that keeps reading what it writes next ({@link
   * SandboxJobs#openLiveLog} stops it when the job ends), or {@code null} if this sandbox cannot
   * show it while the job runs (the default). Runs on the executor.
   *
   * @throws IOException if the output exists but cannot be opened
   */
  default java.io.@org.jspecify.annotations.Nullable InputStream openLiveLog(SandboxJob job)
      throws IOException {
    return null;
  }

  /**
   * Removes what the sandbox holds outside the job's directory (a container, a volume), killing
   * what still runs; called once results are collected and when the job is deleted. Idempotent,
   * never throws.
   */
  void remove();
}
