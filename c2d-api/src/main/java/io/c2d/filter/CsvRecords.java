package io.c2d.filter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads a CSV or TSV stream one record at a time, as the record's raw bytes (line end included, so
 * that kept records are passed on byte for byte) and, on demand, its fields. Quoted fields (RFC
 * 4180: {@code "a, ""b"""}) may hold delimiters and line breaks. Holds one record, at most {@code
 * maxRecord} bytes: a longer one is an error rather than a reason to buffer without bound.
 *
 * <p>Not thread-safe; the caller closes the stream.
 */
final class CsvRecords {
  private final InputStream in;
  private final byte delimiter;
  private final int maxRecord;
  private final byte[] buffer = new byte[64 * 1024];
  private int bufferPos;
  private int bufferLen;
  private byte[] record = new byte[1024];
  private int recordLen;
  private long records;

  CsvRecords(InputStream in, byte delimiter, int maxRecord) {
    this.in = in;
    this.delimiter = delimiter;
    this.maxRecord = maxRecord;
  }

  /**
   * Loads the next record; false at the end of the stream.
   *
   * @throws IOException if the stream fails or a record is longer than the bound ({@link
   *     RecordTooLongException})
   */
  boolean next() throws IOException {
    recordLen = 0;
    boolean quoted = false;
    while (true) {
      if (bufferPos == bufferLen) {
        bufferLen = in.read(buffer);
        bufferPos = 0;
        if (bufferLen <= 0) {
          bufferLen = 0;
          if (recordLen > 0) {
            records++;
            return true;
          }
          return false;
        }
      }
      int start = bufferPos;
      int i = start;
      boolean end = false;
      while (i < bufferLen) {
        byte c = buffer[i++];
        if (c == '"') {
          quoted = !quoted;
        } else if (c == '\n' && !quoted) {
          end = true;
          break;
        }
      }
      append(start, i - start);
      bufferPos = i;
      if (end) {
        records++;
        return true;
      }
    }
  }

  /** Records read so far. */
  long count() {
    return records;
  }

  /** The current record's bytes, line end included: {@code bytes()[0..length())}. */
  byte[] bytes() {
    return record;
  }

  int length() {
    return recordLen;
  }

  /** Whether the current record is a blank line. */
  boolean blank() {
    for (int i = 0; i < recordLen; i++) {
      byte c = record[i];
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') {
        return false;
      }
    }
    return true;
  }

  /** The current record's fields, unquoted. */
  List<String> fields() {
    List<String> fields = new ArrayList<>();
    for (int i = 0; ; i++) {
      String f = field(i);
      if (f == null) {
        return fields;
      }
      fields.add(f);
    }
  }

  /** Field {@code index} of the current record, unquoted and stripped, or null past the last. */
  @Nullable String field(int index) {
    int end = recordLen;
    while (end > 0 && (record[end - 1] == '\n' || record[end - 1] == '\r')) {
      end--;
    }
    int field = 0;
    int i = 0;
    while (true) {
      // one field from i
      boolean want = field == index;
      boolean quoted = false;
      int j = i;
      byte[] raw = new byte[0];
      int rawLen = 0;
      while (j < end) {
        byte c = record[j];
        if (c == '"') {
          if (quoted && j + 1 < end && record[j + 1] == '"') {
            if (want) {
              raw = push(raw, rawLen++, c);
            }
            j += 2;
            continue;
          }
          quoted = !quoted;
          j++;
          continue;
        }
        if (c == delimiter && !quoted) {
          break;
        }
        if (want) {
          raw = push(raw, rawLen++, c);
        }
        j++;
      }
      if (want) {
        return new String(raw, 0, rawLen, StandardCharsets.UTF_8).strip();
      }
      if (j >= end) {
        return null;
      }
      i = j + 1;
      field++;
    }
  }

  private static byte[] push(byte[] raw, int at, byte c) {
    byte[] out = at < raw.length ? raw : Arrays.copyOf(raw, Math.max(16, raw.length * 2));
    out[at] = c;
    return out;
  }

  private void append(int from, int len) throws RecordTooLongException {
    if (recordLen + len > maxRecord) {
      throw new RecordTooLongException(maxRecord);
    }
    if (recordLen + len > record.length) {
      record =
          Arrays.copyOf(record, Math.min(maxRecord, Math.max(recordLen + len, record.length * 2)));
    }
    System.arraycopy(buffer, from, record, recordLen, len);
    recordLen += len;
  }

  /** A record is longer than the reader's bound. */
  static final class RecordTooLongException extends IOException {
    private static final long serialVersionUID = 1L;

    RecordTooLongException(int max) {
      super("a row is longer than " + max + " bytes");
    }
  }
}
