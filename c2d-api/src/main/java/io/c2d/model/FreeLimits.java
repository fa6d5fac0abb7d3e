package io.c2d.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What an environment gives free compute (Ocean's {@code free} member of an environment, taken by
 * ocean.js's {@code freeComputeStart}): jobs without any agreement or order, each within {@link
 * #maxDuration()} and {@link #maxPerJob()}, at most {@link #maxJobs()} of them not yet ended in the
 * environment at once and at most {@link #maxJobsPerConsumer()} of one consumer. Free jobs also
 * share the environment's ordinary capacity and queue with paid ones.
 *
 * <p>Immutable and thread-safe. Null-free.
 */
public final class FreeLimits {
  private final Duration maxDuration;
  private final Resources maxPerJob;
  private final int maxJobs;
  private final int maxJobsPerConsumer;

  private FreeLimits(
      Duration maxDuration, Resources maxPerJob, int maxJobs, int maxJobsPerConsumer) {
    this.maxDuration = maxDuration;
    this.maxPerJob = maxPerJob;
    this.maxJobs = maxJobs;
    this.maxJobsPerConsumer = maxJobsPerConsumer;
  }

  /**
   * The limits of free jobs.
   *
   * @param maxDuration the longest a free algorithm may run (Ocean's {@code free.maxJobDuration})
   * @param maxPerJob the most one free job may ask for (Ocean's {@code free.resources[].max})
   * @param maxJobs free jobs not yet ended (waiting or running) in the environment at once (Ocean's
   *     {@code free.maxJobs})
   * @param maxJobsPerConsumer free jobs not yet ended of one consumer in the environment at once
   * @throws IllegalArgumentException if a duration or count is not positive, or {@code
   *     maxJobsPerConsumer} exceeds {@code maxJobs}
   */
  public static FreeLimits of(
      Duration maxDuration, Resources maxPerJob, int maxJobs, int maxJobsPerConsumer) {
    requireNonNull(maxDuration, "maxDuration");
    requireNonNull(maxPerJob, "maxPerJob");
    if (maxDuration.isNegative() || maxDuration.isZero()) {
      throw new IllegalArgumentException("maxDuration must be positive but was " + maxDuration);
    }
    if (maxJobs <= 0 || maxJobsPerConsumer <= 0 || maxJobsPerConsumer > maxJobs) {
      throw new IllegalArgumentException(
          "need 0 < maxJobsPerConsumer <= maxJobs but got "
              + maxJobsPerConsumer
              + " and "
              + maxJobs);
    }
    return new FreeLimits(maxDuration, maxPerJob, maxJobs, maxJobsPerConsumer);
  }

  /** The longest a free algorithm may run; also a free job's default. */
  public Duration maxDuration() {
    return maxDuration;
  }

  /** The most one free job may ask for. */
  public Resources maxPerJob() {
    return maxPerJob;
  }

  /** Free jobs not yet ended in the environment at once. */
  public int maxJobs() {
    return maxJobs;
  }

  /** Free jobs not yet ended of one consumer in the environment at once. */
  public int maxJobsPerConsumer() {
    return maxJobsPerConsumer;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FreeLimits that
        && maxDuration.equals(that.maxDuration)
        && maxPerJob.equals(that.maxPerJob)
        && maxJobs == that.maxJobs
        && maxJobsPerConsumer == that.maxJobsPerConsumer;
  }

  @Override
  public int hashCode() {
    return maxDuration.hashCode() * 31 + maxJobs;
  }

  @Override
  public String toString() {
    return "FreeLimits{maxDuration="
        + maxDuration
        + ", maxPerJob="
        + maxPerJob
        + ", maxJobs="
        + maxJobs
        + ", maxJobsPerConsumer="
        + maxJobsPerConsumer
        + '}';
  }
}
