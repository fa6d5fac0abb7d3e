package io.c2d.testkit;

import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.JobSpec;
import java.time.Instant;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * One job of an {@link InMemoryComputeBackend}. State changes happen under {@code lock} and are
 * queued in {@code outbox}; {@link #flush} delivers them outside the lock, one at a time and in
 * order, so a listener may call back into the backend. Thread-safe.
 */
final class InMemoryJob {
  private static final ThreadLocal<Trampoline> TRAMPOLINE =
      ThreadLocal.withInitial(Trampoline::new);

  private static final JobStatus[] AUTO_STEPS = {
    JobStatus.JOB_STARTED,
    JobStatus.CONFIGURING_VOLUMES,
    JobStatus.PROVISIONING_SUCCESS,
    JobStatus.RUNNING_ALGORITHM,
    JobStatus.PUBLISHING_RESULTS,
  };

  final InMemoryStore store;
  final JobSpec spec;
  private final Object lock = new Object();
  private final ArrayDeque<BackendJobState> outbox = new ArrayDeque<>(8);

  // guarded by lock
  private BackendListener listener;
  private BackendJobState state;
  private @Nullable InMemoryResults results;
  private boolean draining;

  InMemoryJob(InMemoryStore store, JobSpec spec, BackendListener listener, Instant now) {
    this.store = store;
    this.spec = spec;
    this.listener = listener;
    this.state = BackendJobState.of(spec.jobId(), JobStatus.WARMING_UP, now);
  }

  BackendJobState state() {
    synchronized (lock) {
      return state;
    }
  }

  /** Makes {@code target} the listener; returns the current state (sent too if asked). */
  BackendJobState bind(BackendListener target, boolean sendCurrent) {
    BackendJobState current;
    synchronized (lock) {
      listener = target;
      current = state;
      if (sendCurrent) {
        outbox.add(current);
      }
    }
    if (sendCurrent) {
      flush(this);
    }
    return current;
  }

  void autoComplete(InMemoryResults auto, Instant now) {
    JobId id = spec.jobId();
    synchronized (lock) {
      for (JobStatus step : AUTO_STEPS) {
        if (state.status().canMoveTo(step)) {
          state = BackendJobState.of(id, step, now);
          outbox.add(state);
        }
      }
      if (!state.status().isTerminal()) {
        results = auto;
        state = new BackendJobState(id, JobStatus.COMPLETED, 0, null, auto.list, now);
        outbox.add(state);
      }
    }
    flush(this);
  }

  void move(JobStatus status) {
    synchronized (lock) {
      if (!state.status().canMoveTo(status)) {
        throw new IllegalStateException(
            "job " + spec.jobId() + " is at " + state.status() + " and cannot move to " + status);
      }
      state = BackendJobState.of(spec.jobId(), status, now());
      outbox.add(state);
    }
    flush(this);
  }

  void finish(
      JobStatus status, @Nullable Integer exitCode, @Nullable String detail, InMemoryResults with) {
    if (!end(status, exitCode, detail, with, true)) {
      throw new IllegalStateException(
          "job " + spec.jobId() + " has already ended as " + state().status());
    }
  }

  /** Ends the job unless it has ended; returns whether it ended now. */
  boolean end(
      JobStatus status,
      @Nullable Integer exitCode,
      @Nullable String detail,
      InMemoryResults with,
      boolean publishing) {
    synchronized (lock) {
      if (state.status().isTerminal()) {
        return false;
      }
      Instant now = now();
      if (publishing && state.status().canMoveTo(JobStatus.PUBLISHING_RESULTS)) {
        state = BackendJobState.of(spec.jobId(), JobStatus.PUBLISHING_RESULTS, now);
        outbox.add(state);
      }
      results = with;
      state = new BackendJobState(spec.jobId(), status, exitCode, detail, with.list, now);
      outbox.add(state);
    }
    flush(this);
    return true;
  }

  void force(BackendJobState forced) {
    synchronized (lock) {
      state = forced;
      outbox.add(forced);
    }
    flush(this);
  }

  byte @Nullable [] bytesOf(JobResult wanted) {
    InMemoryResults ended;
    synchronized (lock) {
      if (!state.status().isTerminal()) {
        return null;
      }
      ended = results;
    }
    return ended == null ? null : ended.find(wanted);
  }

  /** Delivers the queued reports; called by the trampoline, one drain per job at a time. */
  private void drain() {
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
      try {
        target.onUpdate(next);
      } catch (RuntimeException e) {
        // A listener must not throw; the report is lost for it, the job goes on.
      }
    }
  }

  private Instant now() {
    return store.clock.instant();
  }

  /**
   * Delivers {@code job}'s queued reports on this thread, unless another thread is already doing
   * so; a delivery started from inside another delivery on the same thread waits until that one
   * returns, so nested submits never recurse.
   */
  private static void flush(InMemoryJob job) {
    synchronized (job.lock) {
      if (job.draining) {
        return;
      }
      job.draining = true;
    }
    Trampoline trampoline = TRAMPOLINE.get();
    if (trampoline.running) {
      trampoline.pending.add(job);
      return;
    }
    trampoline.running = true;
    try {
      job.drain();
      InMemoryJob next;
      while ((next = trampoline.pending.poll()) != null) {
        next.drain();
      }
    } finally {
      trampoline.running = false;
      // Only reached early if a drain threw an Error: unblock what was left for a later flush.
      InMemoryJob left;
      while ((left = trampoline.pending.poll()) != null) {
        synchronized (left.lock) {
          left.draining = false;
        }
      }
    }
  }

  /** Per-thread queue of jobs waiting to be drained by the outermost delivery. */
  private static final class Trampoline {
    boolean running;
    final ArrayDeque<InMemoryJob> pending = new ArrayDeque<>();
  }
}
