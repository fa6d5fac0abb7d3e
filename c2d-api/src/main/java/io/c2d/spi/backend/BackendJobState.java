package io.c2d.spi.backend;

import static java.util.Objects.requireNonNull;

import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A backend's report of where a job stands. A terminal report lists the job's results.
 *
 * <p>Immutable and thread-safe.
 *
 * @param jobId the job
 * @param status its status
 * @param exitCode the algorithm's exit code, once known
 * @param detail why it failed, stopped or timed out, in words, or null
 * @param results its results, listed in a terminal report; empty before
 * @param at when the backend saw the change
 */
public record BackendJobState(
    JobId jobId,
    JobStatus status,
    @Nullable Integer exitCode,
    @Nullable String detail,
    List<JobResult> results,
    Instant at) {

  /** Validates and copies. */
  public BackendJobState {
    requireNonNull(jobId, "jobId");
    requireNonNull(status, "status");
    results = List.copyOf(results);
    requireNonNull(at, "at");
  }

  /**
   * This state as compact JSON, readable by {@link #fromJson(String)}: a form a backend can keep
   * beside its job, to report it again after a restart.
   */
  public String toJson() {
    return BackendJobStateJson.write(this);
  }

  /**
   * Reads a state written by {@link #toJson()}.
   *
   * @throws IllegalArgumentException if {@code json} is not such a state
   */
  public static BackendJobState fromJson(String json) {
    return BackendJobStateJson.read(json);
  }

  /** A report of a status with no exit code, detail or results. */
  public static BackendJobState of(JobId jobId, JobStatus status, Instant at) {
    return new BackendJobState(jobId, status, null, null, List.of(), at);
  }
}
