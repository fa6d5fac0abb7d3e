package io.c2d.backend.k8s;

import io.c2d.model.JobId;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback for {@code ttlSecondsAfterFinished} on Kubernetes before 1.21, where it is behind a
 * feature gate that is off by default and the API server drops the field: learns from the first Job
 * the server returns whether the field was kept, and if it was not, removes finished Jobs itself
 * once their time to live has passed.
 *
 * <p>Thread-safe. A removal waits on the event thread's clock and runs on an I/O thread; close
 * drops the removals still waiting (the next instance's recovery schedules them again).
 */
final class FinishedJobReaper {
  private static final Logger log = LoggerFactory.getLogger(FinishedJobReaper.class);

  private final Cluster cluster;
  private final BackendThreads threads;
  private final Clock clock;
  private final Duration ttlAfterFinished;

  /**
   * Whether this backend removes finished Jobs itself, because the API server dropped their {@code
   * ttlSecondsAfterFinished}; learnt from the first Job the server returns.
   */
  private volatile boolean removesFinishedJobs;

  FinishedJobReaper(
      Cluster cluster, BackendThreads threads, Clock clock, Duration ttlAfterFinished) {
    this.cluster = cluster;
    this.threads = threads;
    this.clock = clock;
    this.ttlAfterFinished = ttlAfterFinished;
  }

  /** Learns from a Job the server returned (null: none) whether it keeps the time to live. */
  void learnTtlSupport(@Nullable Job fromServer) {
    if (fromServer != null
        && fromServer.getSpec() != null
        && fromServer.getSpec().getTtlSecondsAfterFinished() == null
        && !removesFinishedJobs) {
      removesFinishedJobs = true;
      log.info(
          "the API server dropped ttlSecondsAfterFinished (feature gate off, Kubernetes < 1.21):"
              + " this backend removes finished Jobs of namespace {} itself after {}",
          cluster.namespace(),
          ttlAfterFinished);
    }
  }

  /**
   * Removes the finished Job (and, through the garbage collector, its pod) once its time to live
   * has passed since {@code end}, where the cluster does not. The record, with the job's end and
   * spec, stays until the job is deleted.
   */
  void removeLater(JobId id, Instant end) {
    if (!removesFinishedJobs) {
      return;
    }
    Duration left = Duration.between(clock.instant(), end.plus(ttlAfterFinished));
    var unused =
        threads
            .events()
            .schedule(
                () -> threads.io().execute(() -> remove(id)),
                Math.max(0, left.toMillis()),
                TimeUnit.MILLISECONDS);
  }

  private void remove(JobId id) {
    try {
      cluster.deleteJob(id, DeletionPropagation.BACKGROUND);
    } catch (RuntimeException e) {
      log.warn("could not remove the finished Job of {}", id, e);
    }
  }
}
