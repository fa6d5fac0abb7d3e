package io.c2d.filter;

import java.io.IOException;
import java.io.InputStream;

/**
 * A table's content without its small rows, produced as it is read: the header and every row whose
 * count passes the {@link CountRule} come through byte for byte, the others are left out. Holds one
 * row at a time.
 *
 * <p>Not thread-safe; closing it closes the table's stream.
 */
final class SuppressingStream extends InputStream {
  private final InputStream source;
  private final CsvRecords records;
  private final CountRule rule;
  private final int column;
  private boolean header = true;
  private int pos;
  private int len;
  private boolean done;

  SuppressingStream(InputStream source, byte delimiter, CountRule rule, int column) {
    this.source = source;
    this.records = new CsvRecords(source, delimiter, CountRule.MAX_ROW);
    this.rule = rule;
    this.column = column;
  }

  @Override
  public int read() throws IOException {
    if (!fill()) {
      return -1;
    }
    return records.bytes()[pos++] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int n) throws IOException {
    if (n == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int give = Math.min(n, len - pos);
    System.arraycopy(records.bytes(), pos, b, off, give);
    pos += give;
    return give;
  }

  /** Makes the next kept row current when the last one is used up; false at the end. */
  private boolean fill() throws IOException {
    while (pos == len) {
      if (done || !records.next()) {
        done = true;
        return false;
      }
      pos = 0;
      len = records.length();
      if (header) {
        header = false;
      } else if (!records.blank() && rule.small(records.field(column))) {
        len = 0; // suppressed
      }
    }
    return true;
  }

  @Override
  public void close() throws IOException {
    source.close();
  }
}
