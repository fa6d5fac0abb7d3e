package io.c2d.testkit;

import static java.util.Objects.requireNonNull;

import io.c2d.ComputeEngine;
import io.c2d.JobListener;
import io.c2d.model.ComputeJob;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Waits for jobs to reach a status, instead of sleeping: it listens to an engine and also records
 * every status change it sees, so a test can assert the whole progression.
 *
 * <pre>{@code
 * JobWaiter waiter = JobWaiter.on(engine);
 * ComputeJob job = engine.start(request).toCompletableFuture().join();
 * ComputeJob done = waiter.awaitTerminal(job.id(), Duration.ofSeconds(30));
 * }</pre>
 *
 * <p>Thread-safe. Close it to stop listening.
 */
public final class JobWaiter implements AutoCloseable {
  private final ComputeEngine engine;
  private final Object lock = new Object();
  private final List<ComputeJob> seen = new ArrayList<>();
  private final List<Waiting> waiting = new ArrayList<>();
  private final JobListener listener = this::onChange;

  private JobWaiter(ComputeEngine engine) {
    this.engine = engine;
  }

  /** Starts listening to {@code engine}. */
  public static JobWaiter on(ComputeEngine engine) {
    JobWaiter waiter = new JobWaiter(requireNonNull(engine, "engine"));
    engine.addListener(waiter.listener);
    return waiter;
  }

  /**
   * Waits until job {@code id} ends, and returns its final snapshot.
   *
   * @throws AssertionError if it does not end within {@code timeout}
   */
  public ComputeJob awaitTerminal(JobId id, Duration timeout) {
    return await(id, ComputeJob::isTerminal, "to end", timeout);
  }

  /**
   * Waits until job {@code id} reaches {@code status} or a later one.
   *
   * @throws AssertionError if it does not within {@code timeout}
   */
  public ComputeJob awaitStatus(JobId id, JobStatus status, Duration timeout) {
    return await(
        id,
        job -> job.status() == status || job.status().rank() > status.rank(),
        "to reach " + status,
        timeout);
  }

  /**
   * Waits until a snapshot of job {@code id} satisfies {@code condition}.
   *
   * @throws AssertionError if none does within {@code timeout}
   */
  public ComputeJob await(
      JobId id, Predicate<ComputeJob> condition, String description, Duration timeout) {
    Waiting wait = new Waiting(id, condition);
    synchronized (lock) {
      for (ComputeJob job : seen) {
        if (job.id().equals(id) && condition.test(job)) {
          return job;
        }
      }
      waiting.add(wait);
    }
    try {
      return wait.future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(
          "Expected job "
              + id
              + " "
              + description
              + " within "
              + timeout
              + " but saw "
              + statusesOf(id),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for job " + id, e);
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause());
    } finally {
      synchronized (lock) {
        waiting.remove(wait);
      }
    }
  }

  /** The statuses job {@code id} went through, in order, as this waiter saw them. */
  public List<JobStatus> statusesOf(JobId id) {
    List<JobStatus> statuses = new ArrayList<>();
    synchronized (lock) {
      for (ComputeJob job : seen) {
        if (job.id().equals(id)) {
          statuses.add(job.status());
        }
      }
    }
    return statuses;
  }

  /** Every snapshot seen, in order. */
  public List<ComputeJob> seen() {
    synchronized (lock) {
      return List.copyOf(seen);
    }
  }

  private void onChange(ComputeJob job, @Nullable JobStatus previous) {
    synchronized (lock) {
      seen.add(job);
      for (Waiting wait : waiting) {
        if (wait.id.equals(job.id()) && wait.condition.test(job)) {
          wait.future.complete(job);
        }
      }
    }
  }

  @Override
  public void close() {
    engine.removeListener(listener);
  }

  private static final class Waiting {
    final JobId id;
    final Predicate<ComputeJob> condition;
    final CompletableFuture<ComputeJob> future = new CompletableFuture<>();

    Waiting(JobId id, Predicate<ComputeJob> condition) {
      this.id = id;
      this.condition = condition;
    }
  }
}
