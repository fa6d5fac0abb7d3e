package io.c2d;

import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import io.c2d.model.ResultNotice;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the result filters and the publisher's review decided for one job: a {@link Decision} per
 * result, the filters' reports for the reviewer, and since when the job waits for review. Guarded
 * by {@link ResultGate}'s lock; the decisions are replaced, never changed in place.
 */
final class Verdicts {
  final JobId jobId;
  final List<Did> assets;
  final boolean review;
  final Map<Key, Decision> decisions = new LinkedHashMap<>();
  final List<PendingReview.Report> reports = new ArrayList<>();
  @Nullable Instant heldAt;

  Verdicts(JobId jobId, List<Did> assets, boolean review) {
    this.jobId = jobId;
    this.assets = List.copyOf(assets);
    this.review = review;
  }

  boolean pending() {
    return decisions.values().stream()
        .anyMatch(d -> d.state() == ResultNotice.State.PENDING_REVIEW);
  }

  @Nullable Decision decision(JobResult result) {
    return decisions.get(Key.of(result));
  }

  List<ResultNotice> notices() {
    List<ResultNotice> notices = new ArrayList<>(decisions.size());
    for (Decision d : decisions.values()) {
      notices.add(new ResultNotice(d.result().name(), d.result().kind(), d.state(), d.reason()));
    }
    return notices;
  }

  /** One line per result that is not simply released: what the consumer reads in the detail. */
  String summary() {
    List<String> parts = new ArrayList<>();
    for (Decision d : decisions.values()) {
      switch (d.state()) {
        case RELEASED -> {}
        case REDACTED -> parts.add(d.result().name() + " redacted (" + d.reason() + ")");
        case WITHHELD -> parts.add(d.result().name() + " withheld (" + d.reason() + ")");
        case PENDING_REVIEW -> parts.add(d.result().name() + " awaits the publisher's review");
      }
    }
    return parts.isEmpty()
        ? "results released by the publisher's result filters"
        : "results filtered: " + String.join("; ", parts);
  }

  /** What {@code publish.log} gets appended: every decision and its reason, never content. */
  byte[] publishLogSuffix() {
    StringBuilder text = new StringBuilder("\n--- the publisher's result filters ---\n");
    for (Decision d : decisions.values()) {
      text.append(d.result().name())
          .append(": ")
          .append(d.state().name().toLowerCase(java.util.Locale.ROOT));
      if (!d.reason().isEmpty()) {
        text.append(" (").append(d.reason()).append(')');
      }
      text.append('\n');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A result's decision.
   *
   * @param result the result as the backend listed it
   * @param state what was decided
   * @param reason why, for the consumer
   * @param replacement the redacted content, for a redaction (also a proposed one under review)
   * @param sha256 the SHA-256 of what is served, once released; else empty
   */
  record Decision(
      JobResult result,
      ResultNotice.State state,
      String reason,
      @Nullable Path replacement,
      String sha256) {}

  /** A result by kind and name (sizes change when a filter redacts). */
  record Key(ResultKind kind, String name) {
    static Key of(JobResult result) {
      return new Key(result.kind(), result.name());
    }
  }
}
