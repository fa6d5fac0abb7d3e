package io.c2d;

import static java.util.Objects.requireNonNull;

import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.ResultKind;
import io.c2d.model.ResultNotice;
import java.time.Instant;
import java.util.List;

/**
 * One decision about a job's results, as the publisher's audit record keeps it ({@link
 * ResultReview#auditRecord()}): which job and assets, who decided (a filter, the filter chain, a
 * reviewer, the review's time limit), what, why, and the SHA-256 of what was released.
 *
 * <p>Actors are {@code filter:<name>} (one filter's decision, and its report to the reviewer),
 * {@code chain} (what the filters decided together), {@code reviewer:<name>} and {@code
 * review-timeout}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param sequence the entry's position in the record, from 1
 * @param at when it was decided
 * @param jobId the job
 * @param assets the job's input assets
 * @param actor who decided
 * @param resultName the result decided on, or empty for a filter's report on the whole job
 * @param resultKind the result's kind ({@link ResultKind#OUTPUT} for a job-wide report)
 * @param state what was decided
 * @param reason why, as the consumer reads it; empty for a release
 * @param sha256 the SHA-256 (64 hex digits) of the content released or redacted, or empty
 * @param report a filter's report for the reviewer, or empty
 */
public record AuditEntry(
    long sequence,
    Instant at,
    JobId jobId,
    List<Did> assets,
    String actor,
    String resultName,
    ResultKind resultKind,
    ResultNotice.State state,
    String reason,
    String sha256,
    String report) {

  /** Validates and copies. */
  public AuditEntry {
    requireNonNull(at, "at");
    requireNonNull(jobId, "jobId");
    assets = List.copyOf(assets);
    requireNonNull(actor, "actor");
    requireNonNull(resultName, "resultName");
    requireNonNull(resultKind, "resultKind");
    requireNonNull(state, "state");
    requireNonNull(reason, "reason");
    requireNonNull(sha256, "sha256");
    requireNonNull(report, "report");
  }
}
