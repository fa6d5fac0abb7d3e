package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.Resources;
import io.c2d.spi.backend.JobSpec;

/**
 * The resource limits a sandbox enforces on one job, worked out once for every backend: each amount
 * the job asked for, or its environment's per-job default where it asked for none (0). GPUs are
 * what the job asked for (no default). A sandbox maps the result to its own knobs (a container's
 * memory and CPU quota, a process's address-space and file-size limits); 0 in the result means the
 * environment sets no limit for that resource.
 *
 * <p>Stateless; thread-safe.
 */
public final class JobLimits {
  private JobLimits() {}

  /**
   * The limits of {@code spec} in {@code environment}.
   *
   * @throws NullPointerException if an argument is null
   */
  public static Resources of(JobSpec spec, ComputeEnvironment environment) {
    Resources asked = requireNonNull(spec, "spec").resources();
    Resources fallback = requireNonNull(environment, "environment").defaultPerJob();
    return new Resources(
        asked.milliCpus() > 0 ? asked.milliCpus() : fallback.milliCpus(),
        asked.memoryBytes() > 0 ? asked.memoryBytes() : fallback.memoryBytes(),
        asked.diskBytes() > 0 ? asked.diskBytes() : fallback.diskBytes(),
        asked.gpus());
  }
}
