package io.c2d.model;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of a compute job: who owns it, what it runs, where it stands, and, once it has ended,
 * its results. Each status change makes a new snapshot; a snapshot never changes.
 *
 * <p>Immutable and thread-safe. The engine builds them; tests and backends may use {@link
 * #builder(JobId, EthAddress)}.
 */
public final class ComputeJob {
  private final JobId id;
  private final EthAddress owner;
  private final String requestId;
  private final @Nullable String agreementId;
  private final List<Did> inputDids;
  private final @Nullable Did algorithmDid;
  private final String environmentId;
  private final JobStatus status;
  private final @Nullable String detail;
  private final @Nullable Integer exitCode;
  private final Instant createdAt;
  private final Instant updatedAt;
  private final @Nullable Instant finishedAt;
  private final List<JobResult> results;
  private final @Nullable Did derivedAssetDid;
  private final List<ResultNotice> notices;

  private ComputeJob(Builder b) {
    this.id = b.id;
    this.owner = b.owner;
    this.requestId = b.requestId;
    this.agreementId = b.agreementId;
    this.inputDids = b.inputDids;
    this.algorithmDid = b.algorithmDid;
    this.environmentId = b.environmentId;
    this.status = b.status;
    this.detail = b.detail;
    this.exitCode = b.exitCode;
    this.createdAt = b.createdAt;
    this.updatedAt = b.updatedAt == null ? b.createdAt : b.updatedAt;
    this.finishedAt = b.finishedAt;
    this.results = b.results;
    this.derivedAssetDid = b.derivedAssetDid;
    this.notices = b.notices;
  }

  /** A builder of a job {@code id} owned by {@code owner}. */
  public static Builder builder(JobId id, EthAddress owner) {
    return new Builder(id, owner);
  }

  /** A builder starting from this snapshot, to make the next one. */
  public Builder toBuilder() {
    Builder b = new Builder(id, owner);
    b.requestId = requestId;
    b.agreementId = agreementId;
    b.inputDids = inputDids;
    b.algorithmDid = algorithmDid;
    b.environmentId = environmentId;
    b.status = status;
    b.detail = detail;
    b.exitCode = exitCode;
    b.createdAt = createdAt;
    b.updatedAt = updatedAt;
    b.finishedAt = finishedAt;
    b.results = results;
    b.derivedAssetDid = derivedAssetDid;
    b.notices = notices;
    return b;
  }

  /** The job's id. */
  public JobId id() {
    return id;
  }

  /** The consumer who started it: the only one who sees it. */
  public EthAddress owner() {
    return owner;
  }

  /** The request id it was started with. */
  public String requestId() {
    return requestId;
  }

  /** The Keeper agreement id, if the request had one. */
  public Optional<String> agreementId() {
    return Optional.ofNullable(agreementId);
  }

  /** The input datasets' DIDs, in order; unmodifiable. */
  public List<Did> inputDids() {
    return inputDids;
  }

  /** The published algorithm's DID; empty for a raw algorithm. */
  public Optional<Did> algorithmDid() {
    return Optional.ofNullable(algorithmDid);
  }

  /** The compute environment it runs in. */
  public String environmentId() {
    return environmentId;
  }

  /** The current status. */
  public JobStatus status() {
    return status;
  }

  /** The status's Ocean code. */
  public int statusCode() {
    return status.code();
  }

  /** The status's Ocean text. */
  public String statusText() {
    return status.text();
  }

  /** Why the job stopped, timed out or failed, in words, if known. */
  public Optional<String> detail() {
    return Optional.ofNullable(detail);
  }

  /** The algorithm's exit code, once it has exited. */
  public Optional<Integer> exitCode() {
    return Optional.ofNullable(exitCode);
  }

  /** When the job was accepted. */
  public Instant createdAt() {
    return createdAt;
  }

  /** When its status last changed. */
  public Instant updatedAt() {
    return updatedAt;
  }

  /** When it ended, once it has. */
  public Optional<Instant> finishedAt() {
    return Optional.ofNullable(finishedAt);
  }

  /**
   * What the publisher's result filters and review decided for its results, once they have decided:
   * which are withheld, redacted or waiting for review, and why; unmodifiable, empty for a job
   * whose asset has no result filters.
   */
  public List<ResultNotice> notices() {
    return notices;
  }

  /** Its results, listed once it has ended; unmodifiable. */
  public List<JobResult> results() {
    return results;
  }

  /** The DID of the derived asset its outputs were published as, if they were. */
  public Optional<Did> derivedAssetDid() {
    return Optional.ofNullable(derivedAssetDid);
  }

  /** Whether the job has ended. */
  public boolean isTerminal() {
    return status.isTerminal();
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ComputeJob that)) {
      return false;
    }
    return id.equals(that.id)
        && owner.equals(that.owner)
        && requestId.equals(that.requestId)
        && Objects.equals(agreementId, that.agreementId)
        && inputDids.equals(that.inputDids)
        && Objects.equals(algorithmDid, that.algorithmDid)
        && environmentId.equals(that.environmentId)
        && status == that.status
        && Objects.equals(detail, that.detail)
        && Objects.equals(exitCode, that.exitCode)
        && createdAt.equals(that.createdAt)
        && updatedAt.equals(that.updatedAt)
        && Objects.equals(finishedAt, that.finishedAt)
        && results.equals(that.results)
        && Objects.equals(derivedAssetDid, that.derivedAssetDid)
        && notices.equals(that.notices);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, status, updatedAt);
  }

  @Override
  public String toString() {
    return "ComputeJob{id="
        + id
        + ", owner="
        + owner
        + ", status="
        + status.code()
        + " "
        + status
        + (detail == null ? "" : ", detail=" + detail)
        + (exitCode == null ? "" : ", exitCode=" + exitCode)
        + ", results="
        + results.size()
        + '}';
  }

  /** Builds a {@link ComputeJob} snapshot. Not thread-safe. */
  public static final class Builder {
    private final JobId id;
    private final EthAddress owner;
    private String requestId = "";
    private @Nullable String agreementId;
    private List<Did> inputDids = List.of();
    private @Nullable Did algorithmDid;
    private String environmentId = "";
    private JobStatus status = JobStatus.WARMING_UP;
    private @Nullable String detail;
    private @Nullable Integer exitCode;
    private Instant createdAt = Instant.EPOCH;
    private @Nullable Instant updatedAt;
    private @Nullable Instant finishedAt;
    private List<JobResult> results = List.of();
    private @Nullable Did derivedAssetDid;
    private List<ResultNotice> notices = List.of();

    private Builder(JobId id, EthAddress owner) {
      this.id = requireNonNull(id, "id");
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

    /** The input DIDs. */
    public Builder inputDids(List<Did> inputDids) {
      this.inputDids = List.copyOf(inputDids);
      return this;
    }

    /** The algorithm's DID, or null for a raw algorithm. */
    public Builder algorithmDid(@Nullable Did algorithmDid) {
      this.algorithmDid = algorithmDid;
      return this;
    }

    /** The environment's id. */
    public Builder environmentId(String environmentId) {
      this.environmentId = requireNonNull(environmentId, "environmentId");
      return this;
    }

    /** The status. */
    public Builder status(JobStatus status) {
      this.status = requireNonNull(status, "status");
      return this;
    }

    /** The detail, or null. */
    public Builder detail(@Nullable String detail) {
      this.detail = detail;
      return this;
    }

    /** The exit code, or null. */
    public Builder exitCode(@Nullable Integer exitCode) {
      this.exitCode = exitCode;
      return this;
    }

    /** When the job was accepted. */
    public Builder createdAt(Instant createdAt) {
      this.createdAt = requireNonNull(createdAt, "createdAt");
      return this;
    }

    /** When its status last changed. */
    public Builder updatedAt(Instant updatedAt) {
      this.updatedAt = requireNonNull(updatedAt, "updatedAt");
      return this;
    }

    /** When it ended, or null. */
    public Builder finishedAt(@Nullable Instant finishedAt) {
      this.finishedAt = finishedAt;
      return this;
    }

    /** What the result filters and review decided; default none. */
    public Builder notices(List<ResultNotice> notices) {
      this.notices = List.copyOf(notices);
      return this;
    }

    /** The results. */
    public Builder results(List<JobResult> results) {
      this.results = List.copyOf(results);
      return this;
    }

    /** The derived asset's DID, or null. */
    public Builder derivedAssetDid(@Nullable Did derivedAssetDid) {
      this.derivedAssetDid = derivedAssetDid;
      return this;
    }

    /** Builds the snapshot. */
    public ComputeJob build() {
      return new ComputeJob(this);
    }
  }
}
