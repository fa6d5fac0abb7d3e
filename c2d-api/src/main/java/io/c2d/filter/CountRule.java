package io.c2d.filter;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The small-count rule on one CSV or TSV table: which column holds the counts, and which rows fall
 * below the minimum. A row is small when its count is below {@code k} and not zero (a zero cell
 * names nobody, as in DataSHIELD's {@code nfilter.tab}); a count that is not a number counts as
 * small, so that the rule fails closed. The header row is always kept; blank lines are kept.
 *
 * <p>Immutable and thread-safe.
 */
final class CountRule {
  /** Header names taken for a count column when none is named, compared case-insensitively. */
  static final Set<String> COUNT_NAMES =
      Set.of("count", "counts", "n", "freq", "frequency", "cnt", "num", "number");

  static final int MAX_ROW = 1024 * 1024;

  private final long k;
  private final @Nullable String column;

  CountRule(long k, @Nullable String column) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1 but was " + k);
    }
    this.k = k;
    this.column = column == null || column.isBlank() ? null : column.strip();
  }

  long k() {
    return k;
  }

  /** The delimiter for a result named {@code name}: tab for .tsv/.tab, else a comma. */
  static byte delimiter(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.endsWith(".tsv") || lower.endsWith(".tab") ? (byte) '\t' : (byte) ',';
  }

  /** Whether a result named {@code name} is a table this rule reads. */
  static boolean applies(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.endsWith(".csv") || lower.endsWith(".tsv") || lower.endsWith(".tab");
  }

  /** The index of the count column in {@code header}, or -1 when it has none. */
  int countColumn(List<String> header) {
    for (int i = 0; i < header.size(); i++) {
      String name = header.get(i).toLowerCase(Locale.ROOT);
      if (column != null
          ? name.equals(column.toLowerCase(Locale.ROOT))
          : COUNT_NAMES.contains(name)) {
        return i;
      }
    }
    return -1;
  }

  /** Whether a count cell's text is below the minimum (and not zero), or not a number. */
  boolean small(@Nullable String cell) {
    if (cell == null) {
      return true;
    }
    String text = cell.strip();
    double value;
    try {
      value = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      return true;
    }
    if (Double.isNaN(value)) {
      return true;
    }
    return value != 0 && value < k;
  }

  /**
   * Reads a table to its end and counts its rows and its small rows.
   *
   * @throws IOException if the stream fails or a row is longer than 1 MiB
   */
  Tally tally(InputStream in, byte delimiter) throws IOException {
    CsvRecords records = new CsvRecords(in, delimiter, MAX_ROW);
    if (!records.next()) {
      return new Tally(-1, 0, 0);
    }
    int col = countColumn(records.fields());
    if (col < 0) {
      return new Tally(-1, 0, 0);
    }
    long rows = 0;
    long small = 0;
    while (records.next()) {
      if (Thread.currentThread().isInterrupted()) {
        throw new java.io.InterruptedIOException("interrupted while checking counts");
      }
      if (records.blank()) {
        continue;
      }
      rows++;
      if (small(records.field(col))) {
        small++;
      }
    }
    return new Tally(col, rows, small);
  }

  /** What {@link #tally} found: the count column (-1: none), the data rows, the small ones. */
  record Tally(int column, long rows, long small) {}
}
