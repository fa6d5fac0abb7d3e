package io.c2d;

import static java.util.Objects.requireNonNull;

import io.c2d.model.ComputeJob;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The publisher's side of the result filters ({@link ComputeEngine#review()}): the jobs whose
 * results wait for review ({@link JobStatus#AWAITING_RELEASE}), the decisions on them, and the
 * audit record of every decision. For the publisher only: the application authenticates the
 * publisher before it calls these (c2d-server's review endpoints take the publisher's bearer
 * token), never a consumer.
 *
 * <p>Thread-safe; decisions are serialised. Arguments must not be null ({@link
 * NullPointerException}); nothing answered is null. A decision's failures are the typed errors each
 * method names.
 */
public final class ResultReview {
  private final ResultRelease release;

  ResultReview(ResultRelease release) {
    this.release = release;
  }

  /** The jobs waiting for review, with what each filter proposed and reported, oldest first. */
  public List<PendingReview> pending() {
    return release.pendingReviews();
  }

  /**
   * Releases every result of {@code id} that waits for review (a proposed redaction is served
   * redacted); the job then ends, or publishes if it asked to. Recorded as {@code
   * reviewer:<reviewer>} in the audit record.
   *
   * @param reviewer who decides: 1 to 64 letters, digits or {@code . _ @ -}
   * @throws NotFoundException ({@link ErrorCode#JOB_NOT_FOUND}) if there is no such job
   * @throws JobStateException ({@link ErrorCode#JOB_NOT_AWAITING_RELEASE}) if it does not wait
   * @throws InvalidRequestException ({@code "reviewer"}) if {@code reviewer} is malformed
   * @throws UnavailableException if the audit record cannot be written
   */
  public CompletionStage<ComputeJob> release(JobId id, String reviewer) {
    return release.release(id, reviewer);
  }

  /**
   * Replaces the content of one result of {@code id} that waits for review by {@code replacement}
   * (at most 64 MiB), which the consumer then gets with {@code reason}. The job ends once no result
   * waits any more.
   *
   * @throws NotFoundException if there is no such job ({@link ErrorCode#JOB_NOT_FOUND}) or result
   *     ({@link ErrorCode#RESULT_NOT_FOUND})
   * @throws JobStateException ({@link ErrorCode#JOB_NOT_AWAITING_RELEASE}) if the job or result
   *     does not wait for review
   * @throws InvalidRequestException ({@code "reviewer"}, {@code "reason"}, {@code "replacement"},
   *     {@code "result.name"}) if one is malformed or too long
   * @throws UnavailableException if the replacement or the audit record cannot be written
   */
  public CompletionStage<ComputeJob> redact(
      JobId id, String reviewer, String resultName, byte[] replacement, String reason) {
    return release.redact(id, reviewer, resultName, replacement, reason);
  }

  /**
   * Rejects every result of {@code id}: none is ever served, the consumer learns {@code reason},
   * and the results are deleted in the backend; the stage completes once they are.
   *
   * @throws NotFoundException ({@link ErrorCode#JOB_NOT_FOUND}) if there is no such job
   * @throws JobStateException ({@link ErrorCode#JOB_NOT_AWAITING_RELEASE}) if it does not wait
   * @throws InvalidRequestException ({@code "reviewer"}, {@code "reason"}) if one is malformed
   * @throws UnavailableException (also in the stage) if the audit record cannot be written, or the
   *     backend cannot delete the results
   */
  public CompletionStage<ComputeJob> reject(JobId id, String reviewer, String reason) {
    return release.reject(id, reviewer, reason);
  }

  /**
   * Every decision about results so far, oldest first: durable in {@code audit/} below the state
   * directory, in memory without one.
   */
  public List<AuditEntry> auditRecord() {
    return release.gate().journal().entries();
  }

  /** The decisions about the results of {@code id}, oldest first. */
  public List<AuditEntry> auditRecord(JobId id) {
    requireNonNull(id, "id");
    return release.gate().journal().entries(id);
  }
}
