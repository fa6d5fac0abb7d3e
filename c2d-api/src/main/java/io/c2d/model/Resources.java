package io.c2d.model;

import io.c2d.InvalidRequestException;

/**
 * An amount of compute resources: CPU in thousandths of a core, memory and disk in bytes, and whole
 * GPUs. Used for what a job asks for and for what an environment has.
 *
 * <p>Immutable and thread-safe.
 *
 * @param milliCpus CPU in thousandths of a core (1000 is one core), at least 0
 * @param memoryBytes memory in bytes, at least 0
 * @param diskBytes disk in bytes, at least 0
 * @param gpus whole GPUs, at least 0
 */
public record Resources(long milliCpus, long memoryBytes, long diskBytes, int gpus) {
  /** No resources at all. */
  public static final Resources NONE = new Resources(0, 0, 0, 0);

  /** Upper bounds that catch absurd requests (more than any one machine has). */
  static final long MAX_MILLI_CPUS = 1_024_000;

  static final long MAX_BYTES = 1L << 50;
  static final int MAX_GPUS = 1024;

  /**
   * Validates the amounts.
   *
   * @throws InvalidRequestException ({@code field "resources.cpu"}, {@code ".memory"}, {@code
   *     ".disk"}, {@code ".gpu"}) if one is negative or absurdly large
   */
  public Resources {
    check("resources.cpu", milliCpus, MAX_MILLI_CPUS);
    check("resources.memory", memoryBytes, MAX_BYTES);
    check("resources.disk", diskBytes, MAX_BYTES);
    check("resources.gpu", gpus, MAX_GPUS);
  }

  /** Resources of {@code cpus} cores (fractions allowed), memory and disk in MiB, and GPUs. */
  public static Resources of(double cpus, long memoryMib, long diskMib, int gpus) {
    if (!(cpus >= 0) || cpus > MAX_MILLI_CPUS / 1000.0) {
      throw new InvalidRequestException(
          "resources.cpu", "must be between 0 and 1024 but was " + cpus);
    }
    check("resources.memory", memoryMib, MAX_BYTES >> 20);
    check("resources.disk", diskMib, MAX_BYTES >> 20);
    return new Resources(Math.round(cpus * 1000), memoryMib << 20, diskMib << 20, gpus);
  }

  /** Whether every amount of this is at most the same amount of {@code capacity}. */
  public boolean fitsIn(Resources capacity) {
    return milliCpus <= capacity.milliCpus
        && memoryBytes <= capacity.memoryBytes
        && diskBytes <= capacity.diskBytes
        && gpus <= capacity.gpus;
  }

  /** The amounts added up. */
  public Resources plus(Resources other) {
    return new Resources(
        milliCpus + other.milliCpus,
        memoryBytes + other.memoryBytes,
        diskBytes + other.diskBytes,
        gpus + other.gpus);
  }

  /** This minus {@code other}; each amount must stay at least 0. */
  public Resources minus(Resources other) {
    return new Resources(
        milliCpus - other.milliCpus,
        memoryBytes - other.memoryBytes,
        diskBytes - other.diskBytes,
        gpus - other.gpus);
  }

  private static void check(String field, long value, long max) {
    if (value < 0) {
      throw new InvalidRequestException(field, "must not be negative but was " + value);
    }
    if (value > max) {
      throw new InvalidRequestException(field, "is absurdly large: " + value + " > " + max);
    }
  }
}
