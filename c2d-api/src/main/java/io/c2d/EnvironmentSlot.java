package io.c2d;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.EthAddress;
import io.c2d.model.Resources;
import io.c2d.spi.backend.ComputeBackend;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Admission for one environment (DESIGN step 5): the capacity its running jobs hold, each
 * consumer's running count, and the fair queue of jobs waiting. Every method takes the slot's own
 * lock, so admission decisions never race; dispatching happens outside it.
 */
final class EnvironmentSlot {
  enum Admission {
    RUN,
    QUEUE,
    REFUSE,
    FREE_LIMIT
  }

  final ComputeEnvironment environment;
  final ComputeBackend backend;

  private final Object lock = new Object();
  private final FairQueue queue = new FairQueue();
  private final Map<EthAddress, Integer> runningByConsumer = new HashMap<>();
  private final Map<EthAddress, Integer> freeByConsumer = new HashMap<>();
  private Resources used = Resources.NONE;
  private int running;
  private int free;

  EnvironmentSlot(ComputeEnvironment environment, ComputeBackend backend) {
    this.environment = environment;
    this.backend = backend;
  }

  /**
   * Reserves capacity for {@code job} and answers RUN, or queues it, or refuses it; a free job is
   * first counted against the free limits (FREE_LIMIT if they are reached), until it ends.
   */
  Admission admit(JobRecord job) {
    synchronized (lock) {
      if (job.free && !takeFreeSlot(job)) {
        return Admission.FREE_LIMIT;
      }
      // A job that fits runs at once even if others wait: those wait only because they do not fit
      // (their consumer is at its quota, or they are larger), and every release re-offers them.
      if (canRun(job)) {
        reserve(job);
        return Admission.RUN;
      }
      if (queue.size() < environment.queueCapacity()) {
        queue.add(job);
        return Admission.QUEUE;
      }
      releaseFreeSlot(job);
      return Admission.REFUSE;
    }
  }

  /**
   * Re-admits a job that was queued before a restart: true if it runs now, else it waits again,
   * even past the queue's capacity or the free limits (it was acknowledged).
   */
  boolean readmit(JobRecord job) {
    synchronized (lock) {
      if (job.free) {
        job.holdsFreeSlot = true;
        free++;
        freeByConsumer.merge(job.owner(), 1, Integer::sum);
      }
      if (canRun(job)) {
        reserve(job);
        return true;
      }
      queue.add(job);
      return false;
    }
  }

  /** Takes capacity for a job found running on recovery, even past the limits. */
  void reserveRecovered(JobRecord job) {
    synchronized (lock) {
      reserve(job);
      if (job.free) {
        job.holdsFreeSlot = true;
        free++;
        freeByConsumer.merge(job.owner(), 1, Integer::sum);
      }
    }
  }

  private boolean takeFreeSlot(JobRecord job) {
    int limit = environment.freeLimits().map(l -> l.maxJobs()).orElse(0);
    int perConsumer = environment.freeLimits().map(l -> l.maxJobsPerConsumer()).orElse(0);
    if (free >= limit || freeByConsumer.getOrDefault(job.owner(), 0) >= perConsumer) {
      return false;
    }
    job.holdsFreeSlot = true;
    free++;
    freeByConsumer.merge(job.owner(), 1, Integer::sum);
    return true;
  }

  private void releaseFreeSlot(JobRecord job) {
    if (job.holdsFreeSlot) {
      job.holdsFreeSlot = false;
      free--;
      freeByConsumer.computeIfPresent(job.owner(), (owner, count) -> count > 1 ? count - 1 : null);
    }
  }

  /** Removes a job that is still waiting; false if it is not in the queue. */
  boolean removeQueued(JobRecord job) {
    synchronized (lock) {
      return queue.remove(job);
    }
  }

  /**
   * Gives back what {@code job} held, then takes the waiting jobs that now fit, in fair order. The
   * caller dispatches them.
   */
  List<JobRecord> releaseAndTakeRunnable(JobRecord job) {
    synchronized (lock) {
      releaseFreeSlot(job);
      if (job.holdsCapacity) {
        job.holdsCapacity = false;
        used = used.minus(job.resources);
        running--;
        runningByConsumer.computeIfPresent(
            job.owner(), (owner, count) -> count > 1 ? count - 1 : null);
      }
      return takeRunnable();
    }
  }

  private List<JobRecord> takeRunnable() {
    List<JobRecord> runnable = new ArrayList<>(1);
    JobRecord next;
    while ((next = queue.pollFirstRunnable(this::canRun)) != null) {
      reserve(next);
      runnable.add(next);
    }
    return runnable;
  }

  private boolean canRun(JobRecord job) {
    return running < environment.maxConcurrentJobs()
        && runningByConsumer.getOrDefault(job.owner(), 0) < environment.maxJobsPerConsumer()
        && used.plus(job.resources).fitsIn(environment.capacity());
  }

  private void reserve(JobRecord job) {
    job.holdsCapacity = true;
    used = used.plus(job.resources);
    running++;
    runningByConsumer.merge(job.owner(), 1, Integer::sum);
    queue.served(job.owner());
  }

  /** Jobs running now. */
  int running() {
    synchronized (lock) {
      return running;
    }
  }

  /** Free jobs not yet ended now. */
  int freeJobs() {
    synchronized (lock) {
      return free;
    }
  }

  /** Jobs waiting now. */
  int queued() {
    synchronized (lock) {
      return queue.size();
    }
  }
}
