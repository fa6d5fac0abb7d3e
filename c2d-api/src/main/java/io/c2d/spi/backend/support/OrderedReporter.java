package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import io.c2d.model.JobId;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener "outbox" of one job: reports are queued in the order the job's state changed and
 * delivered one at a time, in that order, by whichever thread flushes first, never while a lock of
 * the job is held (so a listener that calls back into the backend, as the engine does when it stops
 * a job from inside a report, cannot deadlock with it). The listener can be replaced at any time
 * ({@link #bind}); reports still queued go to the new one. A listener that throws is logged, never
 * propagated: the next report is still delivered.
 *
 * <p>Use: under the job's own lock, change the state and {@link #add} it; after releasing the lock,
 * {@link #flush}. Thread-safe; {@link #add} and {@link #bind} never block on a listener, {@link
 * #flush} must be called with no lock held.
 */
public final class OrderedReporter {
  private static final Logger logger = LoggerFactory.getLogger(OrderedReporter.class);

  private final JobId id;
  private final Object lock = new Object();

  // guarded by lock
  private final ArrayDeque<BackendJobState> outbox = new ArrayDeque<>();
  private @Nullable BackendListener listener;
  private boolean draining;

  private OrderedReporter(JobId id, @Nullable BackendListener listener) {
    this.id = id;
    this.listener = listener;
  }

  /** A reporter for job {@code id}, delivering to {@code listener} (none yet if null). */
  public static OrderedReporter create(JobId id, @Nullable BackendListener listener) {
    return new OrderedReporter(requireNonNull(id, "id"), listener);
  }

  /** Makes {@code target} the listener of every report not yet delivered and of later ones. */
  public void bind(BackendListener target) {
    requireNonNull(target, "target");
    synchronized (lock) {
      listener = target;
    }
  }

  /** Queues {@code state}; delivers nothing (call {@link #flush} once no lock is held). */
  public void add(BackendJobState state) {
    requireNonNull(state, "state");
    synchronized (lock) {
      outbox.add(state);
    }
  }

  /**
   * Delivers the queued reports, one at a time and in order, unless another thread already does
   * (that thread then delivers these too). Must be called with no lock held.
   */
  public void flush() {
    synchronized (lock) {
      if (draining) {
        return;
      }
      draining = true;
    }
    while (true) {
      BackendJobState next;
      BackendListener target;
      synchronized (lock) {
        next = outbox.poll();
        if (next == null) {
          draining = false;
          return;
        }
        target = listener;
      }
      if (target != null) {
        try {
          target.onUpdate(next);
        } catch (RuntimeException e) {
          logger.warn("the listener of job {} threw on {}; it must not", id, next.status(), e);
        }
      }
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "OrderedReporter{" + id + ", queued=" + outbox.size() + '}';
    }
  }
}
