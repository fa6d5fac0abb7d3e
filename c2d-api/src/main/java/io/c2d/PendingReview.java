package io.c2d;

import static java.util.Objects.requireNonNull;

import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.ResultNotice;
import java.time.Instant;
import java.util.List;

/**
 * A job whose results wait for the publisher's review ({@link
 * io.c2d.model.JobStatus#AWAITING_RELEASE}), as {@link ResultReview#pending()} lists it: what each
 * filter proposed per result and reported, and until when the publisher may decide (after that the
 * results are rejected).
 *
 * <p>Immutable and thread-safe.
 *
 * @param jobId the job
 * @param owner the consumer who ran it
 * @param assets its input assets
 * @param heldAt when it started waiting
 * @param deadline when it is rejected if undecided
 * @param proposals per result, what the filters proposed ({@link ResultNotice.State#WITHHELD} is
 *     final; the others wait, with a redaction's replacement ready)
 * @param reports each filter's report, in chain order
 */
public record PendingReview(
    JobId jobId,
    EthAddress owner,
    List<Did> assets,
    Instant heldAt,
    Instant deadline,
    List<ResultNotice> proposals,
    List<Report> reports) {

  /** Validates and copies. */
  public PendingReview {
    requireNonNull(jobId, "jobId");
    requireNonNull(owner, "owner");
    assets = List.copyOf(assets);
    requireNonNull(heldAt, "heldAt");
    requireNonNull(deadline, "deadline");
    proposals = List.copyOf(proposals);
    reports = List.copyOf(reports);
  }

  /**
   * One filter's report for the reviewer.
   *
   * @param filter the filter's name
   * @param text what it checked and found
   */
  public record Report(String filter, String text) {
    /** Requires both. */
    public Report {
      requireNonNull(filter, "filter");
      requireNonNull(text, "text");
    }
  }
}
