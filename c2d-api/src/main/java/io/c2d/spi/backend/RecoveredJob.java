package io.c2d.spi.backend;

import static java.util.Objects.requireNonNull;

/**
 * A job a backend found in its infrastructure on {@link ComputeBackend#recover}: what it was asked
 * to run and where it stands.
 *
 * <p>Immutable and thread-safe.
 *
 * @param spec the job as it was submitted
 * @param state where it stands now
 */
public record RecoveredJob(JobSpec spec, BackendJobState state) {
  /** Validates. */
  public RecoveredJob {
    requireNonNull(spec, "spec");
    requireNonNull(state, "state");
    if (!spec.jobId().equals(state.jobId())) {
      throw new IllegalArgumentException("spec and state are of different jobs");
    }
  }
}
