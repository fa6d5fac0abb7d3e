package io.c2d.spi.filter;

import static java.util.Objects.requireNonNull;

import io.c2d.model.JobResult;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one {@link ResultFilter} answers for one job: a {@link ResultDecision} per result it does
 * not simply release, and a report for the publisher's reviewer (what it checked and found; the
 * consumer never sees it).
 *
 * <p>Immutable and thread-safe; built with {@link #builder()}, not thread-safe.
 */
public final class FilterOutcome {
  private static final int MAX_REPORT = 64 * 1024;

  private final Map<ResultKey, ResultDecision> decisions;
  private final String report;

  private FilterOutcome(Map<ResultKey, ResultDecision> decisions, String report) {
    this.decisions = decisions;
    this.report = report;
  }

  /** Releases every result, with {@code report} for the reviewer. */
  public static FilterOutcome releaseAll(String report) {
    return builder().report(report).build();
  }

  /** A builder of an outcome that releases everything until told otherwise. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The decision for {@code result}, matched by its kind and name: {@link ResultDecision#release()}
   * if the filter named no decision for it.
   */
  public ResultDecision decision(JobResult result) {
    ResultDecision decision = decisions.get(ResultKey.of(result));
    return decision != null ? decision : ResultDecision.release();
  }

  /** The report for the publisher's reviewer; may be empty. */
  public String report() {
    return report;
  }

  @Override
  public String toString() {
    return "FilterOutcome" + decisions.values();
  }

  /** Builds a {@link FilterOutcome}; not thread-safe. */
  public static final class Builder {
    private final Map<ResultKey, ResultDecision> decisions = new LinkedHashMap<>();
    private String report = "";

    private Builder() {}

    /**
     * Decides for {@code result} (as given in {@link FilterSubject#results()}). Deciding again for
     * the same result keeps the stricter decision, the later one on a tie.
     */
    public Builder decide(JobResult result, ResultDecision decision) {
      requireNonNull(result, "result");
      requireNonNull(decision, "decision");
      decisions.merge(
          ResultKey.of(result),
          decision,
          (earlier, later) -> earlier.action().compareTo(later.action()) > 0 ? earlier : later);
      return this;
    }

    /**
     * Sets the report for the reviewer, cut at 64 KiB.
     *
     * @throws NullPointerException if {@code report} is null
     */
    public Builder report(String report) {
      requireNonNull(report, "report");
      this.report = report.length() > MAX_REPORT ? report.substring(0, MAX_REPORT) : report;
      return this;
    }

    /** The outcome. */
    public FilterOutcome build() {
      return new FilterOutcome(Map.copyOf(decisions), report);
    }
  }

  private record ResultKey(String kind, String name) {
    static ResultKey of(JobResult result) {
      return new ResultKey(result.kind().name(), result.name());
    }
  }
}
