package io.c2d.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The time limit of each phase of a job besides running the algorithm (which the job's maximum
 * duration bounds): waiting in the queue, staging inputs (including pulling the image), and
 * collecting and publishing results. A job that overstays a phase ends as {@link
 * JobStatus#TIMED_OUT}; no job is ever stuck in one phase.
 *
 * <p>Immutable and thread-safe.
 *
 * @param queued how long a job may wait for capacity
 * @param staging how long staging (statuses 1 to 30, image pull included) may take
 * @param collecting how long collecting and publishing results (statuses 50 and 60) may take
 * @param filtering how long the result filters of a job (status 50) may take together; past it
 *     every result is withheld (the filters fail closed)
 */
public record PhaseTimeouts(
    Duration queued, Duration staging, Duration collecting, Duration filtering) {
  /** The default limit of the result filters: 10 minutes. */
  public static final Duration DEFAULT_FILTERING = Duration.ofMinutes(10);

  /** Defaults: 1 hour queued, 15 minutes staging, 10 minutes collecting, 10 minutes filtering. */
  public static final PhaseTimeouts DEFAULTS =
      new PhaseTimeouts(Duration.ofHours(1), Duration.ofMinutes(15), Duration.ofMinutes(10));

  /** Validates that every limit is positive. */
  public PhaseTimeouts {
    requirePositive(queued, "queued");
    requirePositive(staging, "staging");
    requirePositive(collecting, "collecting");
    requirePositive(filtering, "filtering");
  }

  /** The limits given, and the {@linkplain #DEFAULT_FILTERING default} filtering limit. */
  public PhaseTimeouts(Duration queued, Duration staging, Duration collecting) {
    this(queued, staging, collecting, DEFAULT_FILTERING);
  }

  private static void requirePositive(Duration value, String name) {
    requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }
}
