package io.c2d.backend.k8s;

import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.JobSpec;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A job this backend instance tracks: its spec, whom to report to, and what it last reported.
 * Fields change on the event thread (the listener: on any thread); every field is volatile so that
 * the API calls on the I/O threads see the event thread's last word.
 */
final class TrackedJob {
  final JobSpec spec;
  volatile BackendListener listener;
  volatile BackendJobState state;

  /** Set by stop and delete: the informers' news about this job is no longer acted on. */
  volatile boolean stopping;

  /**
   * Set while a recovering instance brings the job's Job and pods in line with its record: the
   * informers' news about it is not acted on (its reconciliation afterwards catches up with it).
   */
  volatile boolean resuming;

  /** Set once the job's end is seen: its results are being collected. */
  volatile boolean finishing;

  /** Set once this instance started streaming the inputs into the job's pod. */
  volatile boolean uploading;

  /** How often this instance tried to stream the inputs in (on the I/O thread that does it). */
  final AtomicInteger uploadAttempts = new AtomicInteger();

  /** Set when this side failed the job while its pod still runs: the pod is removed after it. */
  volatile boolean removePod;

  /** Set once this instance watches the deadline of the job's Job ({@link DeadlineWatch}). */
  volatile boolean deadlineWatched;

  /** Since when the pod's image has failed to pull; null while it is not failing. */
  volatile @Nullable Instant pullingSince;

  TrackedJob(JobSpec spec, BackendListener listener, BackendJobState state) {
    this.spec = spec;
    this.listener = listener;
    this.state = state;
  }
}
