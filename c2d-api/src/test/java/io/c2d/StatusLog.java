package io.c2d;

import io.c2d.model.ComputeJob;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/** Every status change the engine announces, per job, with waits for the one a test expects. */
final class StatusLog implements JobListener {
  private final Object lock = new Object();
  private final Map<JobId, List<ComputeJob>> byJob = new HashMap<>();

  @Override
  public void onStatusChange(ComputeJob job, @Nullable JobStatus previous) {
    synchronized (lock) {
      byJob.computeIfAbsent(job.id(), id -> new ArrayList<>()).add(job);
      lock.notifyAll();
    }
  }

  List<JobStatus> statusesOf(JobId id) {
    synchronized (lock) {
      return byJob.getOrDefault(id, List.of()).stream().map(ComputeJob::status).toList();
    }
  }

  ComputeJob awaitTerminal(JobId id, Duration timeout) {
    return await(id, ComputeJob::isTerminal, "an end", timeout);
  }

  ComputeJob awaitStatus(JobId id, JobStatus status, Duration timeout) {
    return await(id, job -> job.status() == status, status.toString(), timeout);
  }

  private ComputeJob await(JobId id, Predicate<ComputeJob> wanted, String what, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (true) {
        for (ComputeJob job : byJob.getOrDefault(id, List.of())) {
          if (wanted.test(job)) {
            return job;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("job " + id + " did not reach " + what + ": " + statusesOf(id));
        }
        try {
          lock.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        }
      }
    }
  }
}
