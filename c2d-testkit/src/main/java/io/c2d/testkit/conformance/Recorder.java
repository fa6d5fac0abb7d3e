package io.c2d.testkit.conformance;

import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A {@link BackendListener} that records every report of one job and lets the kit wait for one
 * without sleeping. Thread-safe.
 */
final class Recorder implements BackendListener {
  private final @Nullable JobId jobId;
  private final Object lock = new Object();
  private final List<BackendJobState> states = new ArrayList<>();
  private final List<Waiting> waiting = new ArrayList<>();
  private final List<BackendJobState> foreign = new ArrayList<>();
  private volatile @Nullable Consumer<BackendJobState> onFirst;

  Recorder(JobId jobId) {
    this.jobId = jobId;
  }

  private Recorder() {
    this.jobId = null;
  }

  /** A recorder of every job's reports, for {@link io.c2d.spi.backend.ComputeBackend#recover}. */
  static Recorder anyJob() {
    return new Recorder();
  }

  /** Runs {@code action} (from inside the listener call) on the first report only. */
  Recorder onFirst(Consumer<BackendJobState> action) {
    this.onFirst = action;
    return this;
  }

  @Override
  public void onUpdate(BackendJobState state) {
    Consumer<BackendJobState> first = null;
    synchronized (lock) {
      if (jobId != null && !state.jobId().equals(jobId)) {
        foreign.add(state);
        return;
      }
      states.add(state);
      if (states.size() == 1) {
        first = onFirst;
      }
      for (Waiting wait : waiting) {
        if (wait.condition.test(state)) {
          wait.future.complete(state);
        }
      }
    }
    if (first != null) {
      first.accept(state);
    }
  }

  List<BackendJobState> states() {
    synchronized (lock) {
      return List.copyOf(states);
    }
  }

  List<JobStatus> statuses() {
    return states().stream().map(BackendJobState::status).toList();
  }

  /** Reports of other jobs sent to this job's listener: a backend bug. */
  List<BackendJobState> foreign() {
    synchronized (lock) {
      return List.copyOf(foreign);
    }
  }

  BackendJobState awaitTerminal(Duration timeout) {
    return await(state -> state.status().isTerminal(), "to end", timeout);
  }

  BackendJobState awaitStatus(JobStatus status, Duration timeout) {
    return await(state -> state.status().rank() >= status.rank(), "to reach " + status, timeout);
  }

  BackendJobState await(Predicate<BackendJobState> condition, String what, Duration timeout) {
    Waiting wait = new Waiting(condition);
    synchronized (lock) {
      for (BackendJobState state : states) {
        if (condition.test(state)) {
          return state;
        }
      }
      waiting.add(wait);
    }
    try {
      return wait.future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(
          "Expected job " + jobId + " " + what + " within " + timeout + " but saw " + statuses(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for job " + jobId, e);
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause());
    } finally {
      synchronized (lock) {
        waiting.remove(wait);
      }
    }
  }

  private static final class Waiting {
    final Predicate<BackendJobState> condition;
    final CompletableFuture<BackendJobState> future = new CompletableFuture<>();

    Waiting(Predicate<BackendJobState> condition) {
      this.condition = condition;
    }
  }
}
