package io.c2d.testkit;

import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A backend listener for tests: records every report, lets a test wait for one without sleeping,
 * and counts calls for one job that overlapped (the SPI says they never do).
 */
public final class RecordingListener implements BackendListener {
  private final Object lock = new Object();
  private final List<BackendJobState> states = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final Set<JobId> inCall = new HashSet<>();
  private int overlaps;

  @Override
  public void onUpdate(BackendJobState state) {
    synchronized (lock) {
      if (!inCall.add(state.jobId())) {
        overlaps++;
      }
      states.add(state);
      for (Waiter waiter : waiters) {
        if (waiter.id.equals(state.jobId()) && waiter.condition.test(state)) {
          waiter.future.complete(state);
        }
      }
    }
    synchronized (lock) {
      inCall.remove(state.jobId());
    }
  }

  /** Every report about job {@code id}, in order. */
  public List<BackendJobState> states(JobId id) {
    synchronized (lock) {
      List<BackendJobState> found = new ArrayList<>();
      for (BackendJobState state : states) {
        if (state.jobId().equals(id)) {
          found.add(state);
        }
      }
      return found;
    }
  }

  /** The statuses reported for job {@code id}, in order. */
  public List<JobStatus> statuses(JobId id) {
    List<JobStatus> statuses = new ArrayList<>();
    for (BackendJobState state : states(id)) {
      statuses.add(state.status());
    }
    return statuses;
  }

  /** How many calls for one job started while another for the same job was under way. */
  public int overlaps() {
    synchronized (lock) {
      return overlaps;
    }
  }

  /** Waits for a terminal report about job {@code id}. */
  public BackendJobState awaitTerminal(JobId id, Duration timeout) {
    return await(id, state -> state.status().isTerminal(), "to end", timeout);
  }

  /** Waits for a report of {@code status} about job {@code id}. */
  public BackendJobState awaitStatus(JobId id, JobStatus status, Duration timeout) {
    return await(id, state -> state.status() == status, "to reach " + status, timeout);
  }

  /** Waits for a report about job {@code id} that satisfies {@code condition}. */
  public BackendJobState await(
      JobId id, Predicate<BackendJobState> condition, String description, Duration timeout) {
    Waiter waiter = new Waiter(id, condition);
    synchronized (lock) {
      for (BackendJobState state : states) {
        if (state.jobId().equals(id) && condition.test(state)) {
          return state;
        }
      }
      waiters.add(waiter);
    }
    try {
      return waiter.future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(
          "Expected job "
              + id
              + " "
              + description
              + " within "
              + timeout
              + " but saw "
              + statuses(id),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause());
    } finally {
      synchronized (lock) {
        waiters.remove(waiter);
      }
    }
  }

  private static final class Waiter {
    final JobId id;
    final Predicate<BackendJobState> condition;
    final CompletableFuture<BackendJobState> future = new CompletableFuture<>();

    Waiter(JobId id, Predicate<BackendJobState> condition) {
      this.id = id;
      this.condition = condition;
    }
  }
}
