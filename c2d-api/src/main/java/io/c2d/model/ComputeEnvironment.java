package io.c2d.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A compute environment: a named pool of capacity on one backend, with the limits every job in it
 * gets. A request names its environment; the engine admits it only if it fits the environment's
 * per-job limits, and runs it only while the environment has capacity left.
 *
 * <p>Immutable and thread-safe. Build with {@link #builder(String)}.
 */
public final class ComputeEnvironment {
  /** Default {@link Builder#maxConcurrentJobs}: {@value}. */
  public static final int DEFAULT_MAX_CONCURRENT_JOBS = 4;

  /** Default {@link Builder#maxJobsPerConsumer}: {@value}. */
  public static final int DEFAULT_MAX_JOBS_PER_CONSUMER = 2;

  /** Default {@link Builder#queueCapacity}: {@value}. */
  public static final int DEFAULT_QUEUE_CAPACITY = 1000;

  private final String id;
  private final String description;
  private final Resources capacity;
  private final Resources maxPerJob;
  private final Resources defaultPerJob;
  private final int maxConcurrentJobs;
  private final int maxJobsPerConsumer;
  private final int queueCapacity;
  private final Duration maxDuration;
  private final PhaseTimeouts phaseTimeouts;
  private final boolean free;
  private final @Nullable FreeLimits freeLimits;
  private final long maxOutputBytes;
  private final long maxLogBytes;
  private final Map<Long, ComputePricing> pricing;

  private ComputeEnvironment(Builder b) {
    this.id = b.id;
    this.description = b.description;
    this.capacity = b.capacity;
    this.maxPerJob = b.maxPerJob == null ? b.capacity : b.maxPerJob;
    this.defaultPerJob = b.defaultPerJob == null ? defaultFor(this.maxPerJob) : b.defaultPerJob;
    this.maxConcurrentJobs = b.maxConcurrentJobs;
    this.maxJobsPerConsumer = b.maxJobsPerConsumer;
    this.queueCapacity = b.queueCapacity;
    this.maxDuration = b.maxDuration;
    this.phaseTimeouts = b.phaseTimeouts;
    this.free = b.free;
    this.freeLimits = b.freeLimits;
    this.maxOutputBytes = b.maxOutputBytes;
    this.maxLogBytes = b.maxLogBytes;
    this.pricing = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.pricing));
    if (!maxPerJob.fitsIn(capacity)) {
      throw new IllegalArgumentException(
          "environment " + id + ": maxPerJob " + maxPerJob + " exceeds capacity " + capacity);
    }
    if (!defaultPerJob.fitsIn(maxPerJob)) {
      throw new IllegalArgumentException(
          "environment " + id + ": defaultPerJob " + defaultPerJob + " exceeds maxPerJob");
    }
    if (freeLimits != null) {
      if (!freeLimits.maxPerJob().fitsIn(maxPerJob)) {
        throw new IllegalArgumentException(
            "environment "
                + id
                + ": free maxPerJob "
                + freeLimits.maxPerJob()
                + " exceeds maxPerJob");
      }
      if (freeLimits.maxDuration().compareTo(maxDuration) > 0) {
        throw new IllegalArgumentException(
            "environment " + id + ": free maxDuration exceeds maxDuration " + maxDuration);
      }
    }
  }

  private static Resources defaultFor(Resources max) {
    return new Resources(
        Math.min(max.milliCpus(), 1000),
        Math.min(max.memoryBytes(), 512L << 20),
        Math.min(max.diskBytes(), 1L << 30),
        0);
  }

  /** A builder for the environment named {@code id}. */
  public static Builder builder(String id) {
    return new Builder(id);
  }

  /** The id a request names the environment by. */
  public String id() {
    return id;
  }

  /** A human description; may be empty. */
  public String description() {
    return description;
  }

  /** The resources all of the environment's running jobs share. */
  public Resources capacity() {
    return capacity;
  }

  /** The most one job may ask for. */
  public Resources maxPerJob() {
    return maxPerJob;
  }

  /** What a job gets when its request names no resources. */
  public Resources defaultPerJob() {
    return defaultPerJob;
  }

  /** How many jobs may run at once. */
  public int maxConcurrentJobs() {
    return maxConcurrentJobs;
  }

  /** How many jobs of one consumer may run at once; the others wait their turn. */
  public int maxJobsPerConsumer() {
    return maxJobsPerConsumer;
  }

  /** How many jobs may wait for capacity before new ones are refused. */
  public int queueCapacity() {
    return queueCapacity;
  }

  /** The longest an algorithm may run; also the default when a request names none. */
  public Duration maxDuration() {
    return maxDuration;
  }

  /** The time limits of the other phases. */
  public PhaseTimeouts phaseTimeouts() {
    return phaseTimeouts;
  }

  /**
   * Whether jobs here are free of a provider fee; a hint to the agreement verifier ({@code
   * AgreementQuery.freeEnvironment}), which still checks the agreement or order. Free compute
   * without any order is {@link #freeLimits()}.
   */
  public boolean isFree() {
    return free;
  }

  /**
   * The limits of free compute (requests without agreement or order, Ocean's {@code free}), if the
   * environment offers it; empty refuses free requests.
   */
  public Optional<FreeLimits> freeLimits() {
    return Optional.ofNullable(freeLimits);
  }

  /**
   * What a paid job costs here, per chain id (Ocean's {@code fees}, keyed by chain): one payment
   * token and its prices per resource and billing unit on each chain. Empty for an environment
   * without a price (paid jobs then need only their order). Unmodifiable, in the order the chains
   * were added.
   */
  public Map<Long, ComputePricing> pricing() {
    return pricing;
  }

  /** The pricing on {@code chainId}, if this environment is priced there. */
  public Optional<ComputePricing> pricing(long chainId) {
    return Optional.ofNullable(pricing.get(chainId));
  }

  /** The most bytes of outputs a job keeps; the rest is cut and the job says so. */
  public long maxOutputBytes() {
    return maxOutputBytes;
  }

  /** The most bytes a job's algorithm log keeps; the rest is cut and the job says so. */
  public long maxLogBytes() {
    return maxLogBytes;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ComputeEnvironment that)) {
      return false;
    }
    return id.equals(that.id)
        && description.equals(that.description)
        && capacity.equals(that.capacity)
        && maxPerJob.equals(that.maxPerJob)
        && defaultPerJob.equals(that.defaultPerJob)
        && maxConcurrentJobs == that.maxConcurrentJobs
        && maxJobsPerConsumer == that.maxJobsPerConsumer
        && queueCapacity == that.queueCapacity
        && maxDuration.equals(that.maxDuration)
        && phaseTimeouts.equals(that.phaseTimeouts)
        && free == that.free
        && Objects.equals(freeLimits, that.freeLimits)
        && pricing.equals(that.pricing)
        && maxOutputBytes == that.maxOutputBytes
        && maxLogBytes == that.maxLogBytes;
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, capacity, maxConcurrentJobs, maxDuration);
  }

  @Override
  public String toString() {
    return "ComputeEnvironment{id="
        + id
        + ", capacity="
        + capacity
        + ", maxPerJob="
        + maxPerJob
        + ", maxConcurrentJobs="
        + maxConcurrentJobs
        + ", maxDuration="
        + maxDuration
        + ", free="
        + free
        + (freeLimits != null ? ", freeLimits=" + freeLimits : "")
        + '}';
  }

  /** Builds a {@link ComputeEnvironment}. Not thread-safe. */
  public static final class Builder {
    private final String id;
    private String description = "";
    private Resources capacity = Resources.of(1, 1024, 10 * 1024, 0);
    private @Nullable Resources maxPerJob;
    private @Nullable Resources defaultPerJob;
    private int maxConcurrentJobs = DEFAULT_MAX_CONCURRENT_JOBS;
    private int maxJobsPerConsumer = DEFAULT_MAX_JOBS_PER_CONSUMER;
    private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
    private Duration maxDuration = Duration.ofHours(1);
    private PhaseTimeouts phaseTimeouts = PhaseTimeouts.DEFAULTS;
    private boolean free = true;
    private @Nullable FreeLimits freeLimits;
    private final Map<Long, ComputePricing> pricing = new LinkedHashMap<>();
    private long maxOutputBytes = 100L << 20;
    private long maxLogBytes = 10L << 20;

    private Builder(String id) {
      requireNonNull(id, "id");
      if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,254}")) {
        throw new IllegalArgumentException(
            "environment id must be 1 to 255 letters, digits, '.', '_' or '-' but was '"
                + id
                + "'");
      }
      this.id = id;
    }

    /** A human description. */
    public Builder description(String description) {
      this.description = requireNonNull(description, "description");
      return this;
    }

    /** The resources all running jobs share; default 1 CPU, 1 GiB memory, 10 GiB disk. */
    public Builder capacity(Resources capacity) {
      this.capacity = requireNonNull(capacity, "capacity");
      return this;
    }

    /** The most one job may ask for; default the whole capacity. */
    public Builder maxPerJob(Resources maxPerJob) {
      this.maxPerJob = requireNonNull(maxPerJob, "maxPerJob");
      return this;
    }

    /** What a job gets when it asks for nothing; default 1 CPU, 512 MiB, 1 GiB, capped at max. */
    public Builder defaultPerJob(Resources defaultPerJob) {
      this.defaultPerJob = requireNonNull(defaultPerJob, "defaultPerJob");
      return this;
    }

    /** Jobs running at once; default {@value #DEFAULT_MAX_CONCURRENT_JOBS}. */
    public Builder maxConcurrentJobs(int maxConcurrentJobs) {
      this.maxConcurrentJobs = positive(maxConcurrentJobs, "maxConcurrentJobs");
      return this;
    }

    /** Jobs of one consumer running at once; default {@value #DEFAULT_MAX_JOBS_PER_CONSUMER}. */
    public Builder maxJobsPerConsumer(int maxJobsPerConsumer) {
      this.maxJobsPerConsumer = positive(maxJobsPerConsumer, "maxJobsPerConsumer");
      return this;
    }

    /** Jobs that may wait; 0 refuses any job that cannot run at once. Default 1000. */
    public Builder queueCapacity(int queueCapacity) {
      if (queueCapacity < 0) {
        throw new IllegalArgumentException("queueCapacity must be >= 0 but was " + queueCapacity);
      }
      this.queueCapacity = queueCapacity;
      return this;
    }

    /** The longest an algorithm may run; default one hour. */
    public Builder maxDuration(Duration maxDuration) {
      requireNonNull(maxDuration, "maxDuration");
      if (maxDuration.isNegative() || maxDuration.isZero()) {
        throw new IllegalArgumentException("maxDuration must be positive but was " + maxDuration);
      }
      this.maxDuration = maxDuration;
      return this;
    }

    /** The other phases' time limits; default {@link PhaseTimeouts#DEFAULTS}. */
    public Builder phaseTimeouts(PhaseTimeouts phaseTimeouts) {
      this.phaseTimeouts = requireNonNull(phaseTimeouts, "phaseTimeouts");
      return this;
    }

    /**
     * Whether jobs are free of a provider fee (a verifier hint, see {@link #isFree()}); default
     * true.
     */
    public Builder free(boolean free) {
      this.free = free;
      return this;
    }

    /**
     * Prices paid jobs on {@code chainId} (Ocean's escrow payment): the provider locks the price of
     * a job's resources for its maximum duration in the payer's escrow at start, and claims what
     * ran when it ends. Default none.
     *
     * @throws IllegalArgumentException if the chain id is not positive
     * @throws IllegalStateException if the environment is already priced on that chain
     */
    public Builder pricing(long chainId, ComputePricing pricing) {
      requireNonNull(pricing, "pricing");
      if (chainId <= 0) {
        throw new IllegalArgumentException("chainId must be positive but is " + chainId);
      }
      if (this.pricing.putIfAbsent(chainId, pricing) != null) {
        throw new IllegalStateException("environment " + id + " is already priced on " + chainId);
      }
      return this;
    }

    /**
     * Offers free compute within {@code limits}: requests marked free need no agreement or order.
     * Default none. The limits must fit the environment's per-job maximum and duration.
     */
    public Builder freeLimits(FreeLimits limits) {
      this.freeLimits = requireNonNull(limits, "limits");
      return this;
    }

    /** Cap on a job's outputs, in bytes; default 100 MiB. */
    public Builder maxOutputBytes(long maxOutputBytes) {
      this.maxOutputBytes = positive(maxOutputBytes, "maxOutputBytes");
      return this;
    }

    /** Cap on each of a job's logs, in bytes; default 10 MiB. */
    public Builder maxLogBytes(long maxLogBytes) {
      this.maxLogBytes = positive(maxLogBytes, "maxLogBytes");
      return this;
    }

    /**
     * Builds the environment.
     *
     * @throws IllegalArgumentException if the per-job limits exceed the capacity, or the free
     *     limits exceed the per-job limits or maximum duration
     */
    public ComputeEnvironment build() {
      return new ComputeEnvironment(this);
    }

    private static int positive(int value, String name) {
      if (value <= 0) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }

    private static long positive(long value, String name) {
      if (value <= 0) {
        throw new IllegalArgumentException(name + " must be positive but was " + value);
      }
      return value;
    }
  }
}
