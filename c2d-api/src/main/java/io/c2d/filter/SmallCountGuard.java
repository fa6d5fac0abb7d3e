package io.c2d.filter;

import io.c2d.spi.ProviderConfig;
import io.c2d.spi.filter.FilterOutcome;
import io.c2d.spi.filter.FilterResult;
import io.c2d.spi.filter.FilterSubject;
import io.c2d.spi.filter.ResultDecision;
import io.c2d.spi.filter.ResultFilter;
import io.c2d.spi.filter.ResultFilterProvider;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Set;

/**
 * The small-count guard, the built-in result filter {@value #NAME}: in every CSV or TSV result
 * ({@code .csv}, {@code .tsv}, {@code .tab}), the rows whose count is below a minimum are
 * suppressed, as DataSHIELD's and AWS Clean Rooms' minimum-count rules do, so that no published
 * figure describes fewer than {@code k} people.
 *
 * <p>The count column is the one the parameter {@code column} names, else the first whose header is
 * {@code count}, {@code counts}, {@code n}, {@code freq}, {@code frequency}, {@code cnt}, {@code
 * num} or {@code number} (case-insensitive); a table without one is released as it is, and the
 * report says so. A row is small when its count is above zero and below {@code k}, or is not a
 * number (the rule fails closed). With {@code action=suppress} (the default) the consumer gets the
 * table without the small rows, byte for byte otherwise, and the reason says how many rows went;
 * with {@code action=withhold} the whole table is withheld. Each table is read once to count and,
 * when suppressed, once more as the consumer's copy is served; one row at a time is held (rows over
 * 1 MiB withhold the table).
 *
 * <p>Parameters (per asset, all optional): {@code k} (default 5), {@code column}, {@code action}
 * ({@code suppress} or {@code withhold}).
 *
 * <p>What it does not do: secondary suppression (a total row, or two overlapping tables, can still
 * reveal a suppressed cell by difference), rounding, dominance rules or differential privacy.
 *
 * <p>Stateless and thread-safe.
 */
public final class SmallCountGuard implements ResultFilter {
  /** The name chains select this filter by. */
  public static final String NAME = "small-count";

  private static final Set<String> ACTIONS = Set.of("suppress", "withhold");

  /** A guard; its rules come from each job's parameters. */
  public SmallCountGuard() {}

  @Override
  public FilterOutcome check(FilterSubject subject) throws IOException {
    long k = Parameters.whole(subject, NAME, "k", 5, 1);
    String column = subject.parameter("column", "");
    String action = Parameters.choice(subject, NAME, "action", "suppress", ACTIONS);
    CountRule rule = new CountRule(k, column);

    FilterOutcome.Builder outcome = FilterOutcome.builder();
    StringBuilder report = new StringBuilder();
    report.append(String.format(Locale.ROOT, "small-count: k=%d, action=%s%n", k, action));
    for (FilterResult result : subject.results()) {
      if (!CountRule.applies(result.name())) {
        continue;
      }
      byte delimiter = CountRule.delimiter(result.name());
      CountRule.Tally tally;
      try (InputStream in = result.open()) {
        tally = rule.tally(in, delimiter);
      } catch (CsvRecords.RecordTooLongException e) {
        outcome.decide(
            result.result(),
            ResultDecision.withhold("small-count: a row is too long to check (over 1 MiB)"));
        report.append(result.name()).append(": withheld, ").append(e.getMessage()).append('\n');
        continue;
      }
      if (tally.column() < 0) {
        report.append(result.name()).append(": no count column, released as it is\n");
        continue;
      }
      report.append(
          String.format(
              Locale.ROOT,
              "%s: %d rows, %d with a count below %d%n",
              result.name(),
              tally.rows(),
              tally.small(),
              k));
      if (tally.small() == 0) {
        continue;
      }
      if (action.equals("withhold")) {
        outcome.decide(
            result.result(),
            ResultDecision.withhold(
                String.format(
                    Locale.ROOT,
                    "small-count: %d of %d rows have a count below %d",
                    tally.small(),
                    tally.rows(),
                    k)));
      } else {
        int col = tally.column();
        outcome.decide(
            result.result(),
            ResultDecision.redact(
                String.format(
                    Locale.ROOT,
                    "small-count: %d of %d rows with a count below %d suppressed",
                    tally.small(),
                    tally.rows(),
                    k),
                () -> new SuppressingStream(result.open(), delimiter, rule, col)));
      }
    }
    return outcome.report(report.toString()).build();
  }

  /**
   * Creates the {@value #NAME} filter for {@link java.util.ServiceLoader}; stateless, thread-safe.
   */
  public static final class Provider implements ResultFilterProvider {
    /** For {@link java.util.ServiceLoader}. */
    public Provider() {}

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public ResultFilter create(ProviderConfig config) {
      return new SmallCountGuard();
    }
  }
}
