package io.c2d.spi.backend;

import static java.util.Objects.requireNonNull;

import io.c2d.model.Algorithm;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.OutputOptions;
import io.c2d.model.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a backend is asked to run: an admitted, authorised job with its resources and duration
 * settled and its network access decided by the assets' policies.
 *
 * <p>{@link #toJson()} and {@link #fromJson(String)} give a stable JSON form, so a backend can keep
 * the spec beside the job (a label, an annotation, a file) and rebuild it on {@link
 * ComputeBackend#recover}.
 *
 * <p>Immutable and thread-safe.
 */
public final class JobSpec {
  private final JobId jobId;
  private final EthAddress owner;
  private final String requestId;
  private final @Nullable String agreementId;
  private final List<DatasetInput> datasets;
  private final Algorithm algorithm;
  private final String environmentId;
  private final Resources resources;
  private final Duration maxDuration;
  private final boolean networkAccess;
  private final OutputOptions output;
  private final Instant createdAt;
  private final String requestSha256;

  private JobSpec(Builder b) {
    this.jobId = b.jobId;
    this.owner = b.owner;
    this.requestId = requireNonNull(b.requestId, "requestId");
    this.agreementId = b.agreementId;
    if (b.datasets.isEmpty()) {
      throw new IllegalArgumentException("a job needs at least one dataset");
    }
    this.datasets = List.copyOf(b.datasets);
    this.algorithm = requireNonNull(b.algorithm, "algorithm");
    this.environmentId = requireNonNull(b.environmentId, "environmentId");
    this.resources = b.resources;
    this.maxDuration = b.maxDuration;
    this.networkAccess = b.networkAccess;
    this.output = b.output;
    this.createdAt = b.createdAt;
    this.requestSha256 = b.requestSha256;
  }

  /** A builder of the spec of job {@code jobId} owned by {@code owner}. */
  public static Builder builder(JobId jobId, EthAddress owner) {
    return new Builder(jobId, owner);
  }

  /**
   * Reads a spec written by {@link #toJson()}.
   *
   * @throws IllegalArgumentException if {@code json} is not such a spec
   */
  public static JobSpec fromJson(String json) {
    return JobSpecJson.read(json);
  }

  /** This spec as compact JSON, readable by {@link #fromJson(String)}. */
  public String toJson() {
    return JobSpecJson.write(this);
  }

  /** The job's id. */
  public JobId jobId() {
    return jobId;
  }

  /** The consumer who owns the job. */
  public EthAddress owner() {
    return owner;
  }

  /** The request id the job was started with. */
  public String requestId() {
    return requestId;
  }

  /** The Keeper agreement id, if any. */
  public Optional<String> agreementId() {
    return Optional.ofNullable(agreementId);
  }

  /** The input datasets, in order; unmodifiable. */
  public List<DatasetInput> datasets() {
    return datasets;
  }

  /** The input DIDs, in order. */
  public List<Did> inputDids() {
    List<Did> dids = new ArrayList<>(datasets.size());
    for (DatasetInput dataset : datasets) {
      dids.add(dataset.did());
    }
    return List.copyOf(dids);
  }

  /** The algorithm. */
  public Algorithm algorithm() {
    return algorithm;
  }

  /** The environment the job runs in. */
  public String environmentId() {
    return environmentId;
  }

  /** The resources the sandbox gets; the backend enforces them as limits. */
  public Resources resources() {
    return resources;
  }

  /** The longest the algorithm may run; past it the job ends as {@code TIMED_OUT}. */
  public Duration maxDuration() {
    return maxDuration;
  }

  /**
   * Whether the sandbox may reach the network (all the assets' policies allow it and it was asked).
   */
  public boolean networkAccess() {
    return networkAccess;
  }

  /** What to do with the outputs. */
  public OutputOptions output() {
    return output;
  }

  /** When the job was accepted. */
  public Instant createdAt() {
    return createdAt;
  }

  /**
   * The SHA-256 of the request's signed body ({@link io.c2d.model.ComputeRequest#bodySha256()}), so
   * that after a restart a retried start can be told from a different request with the same id;
   * empty when unknown.
   */
  public String requestSha256() {
    return requestSha256;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof JobSpec that)) {
      return false;
    }
    return jobId.equals(that.jobId)
        && owner.equals(that.owner)
        && requestId.equals(that.requestId)
        && Objects.equals(agreementId, that.agreementId)
        && datasets.equals(that.datasets)
        && algorithm.equals(that.algorithm)
        && environmentId.equals(that.environmentId)
        && resources.equals(that.resources)
        && maxDuration.equals(that.maxDuration)
        && networkAccess == that.networkAccess
        && output.equals(that.output)
        && createdAt.equals(that.createdAt)
        && requestSha256.equals(that.requestSha256);
  }

  @Override
  public int hashCode() {
    return jobId.hashCode();
  }

  @Override
  public String toString() {
    return "JobSpec{jobId=" + jobId + ", owner=" + owner + ", environment=" + environmentId + '}';
  }

  /** Builds a {@link JobSpec}. Not thread-safe. */
  public static final class Builder {
    private final JobId jobId;
    private final EthAddress owner;
    private @Nullable String requestId;
    private @Nullable String agreementId;
    private final List<DatasetInput> datasets = new ArrayList<>();
    private @Nullable Algorithm algorithm;
    private @Nullable String environmentId;
    private Resources resources = Resources.NONE;
    private Duration maxDuration = Duration.ofHours(1);
    private boolean networkAccess;
    private OutputOptions output = OutputOptions.KEEP;
    private Instant createdAt = Instant.EPOCH;
    private String requestSha256 = "";

    private Builder(JobId jobId, EthAddress owner) {
      this.jobId = requireNonNull(jobId, "jobId");
      this.owner = requireNonNull(owner, "owner");
    }

    /** The request id. */
    public Builder requestId(String requestId) {
      this.requestId = requireNonNull(requestId, "requestId");
      return this;
    }

    /** The Keeper agreement id, or null. */
    public Builder agreementId(@Nullable String agreementId) {
      this.agreementId = agreementId;
      return this;
    }

    /** Adds the input datasets. */
    public Builder datasets(List<DatasetInput> datasets) {
      this.datasets.addAll(datasets);
      return this;
    }

    /** The algorithm. */
    public Builder algorithm(Algorithm algorithm) {
      this.algorithm = requireNonNull(algorithm, "algorithm");
      return this;
    }

    /** The environment's id. */
    public Builder environmentId(String environmentId) {
      this.environmentId = requireNonNull(environmentId, "environmentId");
      return this;
    }

    /** The sandbox's resources. */
    public Builder resources(Resources resources) {
      this.resources = requireNonNull(resources, "resources");
      return this;
    }

    /** The maximum duration; positive. */
    public Builder maxDuration(Duration maxDuration) {
      requireNonNull(maxDuration, "maxDuration");
      if (maxDuration.isNegative() || maxDuration.isZero()) {
        throw new IllegalArgumentException("maxDuration must be positive but was " + maxDuration);
      }
      this.maxDuration = maxDuration;
      return this;
    }

    /** Whether the sandbox may reach the network. */
    public Builder networkAccess(boolean networkAccess) {
      this.networkAccess = networkAccess;
      return this;
    }

    /** The output options. */
    public Builder output(OutputOptions output) {
      this.output = requireNonNull(output, "output");
      return this;
    }

    /** When the job was accepted. */
    public Builder createdAt(Instant createdAt) {
      this.createdAt = requireNonNull(createdAt, "createdAt");
      return this;
    }

    /** The SHA-256 hex of the request's signed body. */
    public Builder requestSha256(String requestSha256) {
      this.requestSha256 = requireNonNull(requestSha256, "requestSha256");
      return this;
    }

    /** Builds the spec. */
    public JobSpec build() {
      return new JobSpec(this);
    }
  }
}
