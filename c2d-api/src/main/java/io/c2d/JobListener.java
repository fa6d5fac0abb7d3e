package io.c2d;

import io.c2d.model.ComputeJob;
import io.c2d.model.JobStatus;
import org.jspecify.annotations.Nullable;

/**
 * Hears every status change of every job of an engine, each change once and, per job, in order.
 *
 * <p>Implementations must be fast, must not block and must not throw: the engine calls them on the
 * thread that made the change, while it holds the job's lock. Hand slow work to an executor.
 */
@FunctionalInterface
public interface JobListener {

  /**
   * The job changed status.
   *
   * @param job the job's new snapshot
   * @param previous its status before, or null when the job is new (or recovered)
   */
  void onStatusChange(ComputeJob job, @Nullable JobStatus previous);
}
