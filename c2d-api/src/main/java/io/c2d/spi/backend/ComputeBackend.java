package io.c2d.spi.backend;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Runs compute jobs in sandboxes: stages each job's inputs, DDOs and algorithm in the layout of the
 * sandbox contract ({@code /data/inputs/<did>/<n>}, {@code /data/ddos/<did>}, {@code
 * /data/transformations/algorithm}, {@code /data/outputs}, {@code /data/logs}), runs the algorithm
 * with the environment variables {@code DIDS}, {@code TRANSFORMATION_DID}, {@code VOLUME}, {@code
 * INPUTS}, {@code OUTPUTS}, {@code LOGS} and {@code ALGO}, collects outputs and logs (capped, with
 * safe names), and reports status changes.
 *
 * <h2>Promises the engine relies on</h2>
 *
 * <ul>
 *   <li>Statuses reported for a job only move forward, and each job ends in exactly one terminal
 *       status; a non-zero exit is {@code ALGORITHM_FAILED} with the exit code, over the maximum
 *       duration is {@code TIMED_OUT}, a stop is {@code STOPPED}.
 *   <li>{@link #submit} of a job id the backend already knows never starts it twice.
 *   <li>The backend is the source of truth: a new instance over the same infrastructure reports
 *       every job through {@link #recover}, keeps tracking those still running, and serves the
 *       results of finished ones.
 *   <li>No method blocks its caller on network or disk I/O beyond a bounded, small amount; the work
 *       happens in the returned stage.
 * </ul>
 *
 * <h2>Threads and locks</h2>
 *
 * Implementations must be thread-safe. A backend calls its listener from one thread at a time per
 * job, and never while it holds a lock that {@link #stop} or {@link #delete} take: the engine may
 * call them from inside a listener call.
 */
public interface ComputeBackend extends AutoCloseable {

  /** The environments this backend offers, with the limits it enforces. Never empty. */
  List<ComputeEnvironment> environments();

  /**
   * Starts the job. The stage completes once the backend has durably accepted it (before it runs);
   * status changes then go to {@code listener}. A job id the backend already knows is not started
   * again: the stage completes, {@code listener} replaces the job's earlier listener (a retry
   * usually comes from a restarted engine) and receives the job's current state.
   */
  CompletionStage<Void> submit(JobSpec spec, BackendListener listener);

  /**
   * Stops the job if it is still under way: it ends as {@code STOPPED}. The stage completes once
   * the job has ended. Stopping a job that has ended, or one the backend does not know, does
   * nothing.
   */
  CompletionStage<Void> stop(JobId id);

  /**
   * Removes everything the job made: its sandbox, its staged inputs and its results. A running job
   * is stopped first. Deleting a job the backend does not know does nothing.
   */
  CompletionStage<Void> delete(JobId id);

  /**
   * Reports every job this backend's infrastructure holds, as left by this or an earlier instance;
   * the running ones stay tracked and their further changes go to {@code listener}. The engine
   * calls it again when a call fails (its infrastructure may still be starting): a later call
   * reports the same jobs, and the jobs an earlier call found stay tracked once.
   */
  CompletionStage<List<RecoveredJob>> recover(BackendListener listener);

  /**
   * Opens one result of a finished job for reading; the result is the one with {@code result}'s
   * kind and name (its index is informational). The caller closes the stream.
   *
   * @throws io.c2d.NotFoundException (in the stage) if the job or result is unknown
   */
  CompletionStage<InputStream> openResult(JobId id, JobResult result);

  /**
   * Opens the algorithm's output of a running job as it is written: the stream ends once the job
   * has ended. By default a backend shows none: the stage fails with a {@link
   * io.c2d.NotFoundException} ({@code RESULT_NOT_FOUND}), and the log is among the results once the
   * job has ended. The caller closes the stream.
   *
   * @throws io.c2d.NotFoundException (in the stage) if the job is unknown or not running
   */
  default CompletionStage<InputStream> openLiveLog(JobId id) {
    return java.util.concurrent.CompletableFuture.failedFuture(
        new io.c2d.NotFoundException(
            io.c2d.ErrorCode.RESULT_NOT_FOUND,
            "this backend shows no live log; the job's log is among its results once it ends"));
  }

  /** Releases the backend's clients and threads; running jobs are left running. */
  @Override
  default void close() {}
}
