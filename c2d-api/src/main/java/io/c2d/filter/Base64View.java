package io.c2d.filter;

import java.util.Arrays;

/**
 * Decodes the base64 text in a stream (standard and URL-safe alphabets, lines broken by {@code \n}
 * or {@code \r\n}) and passes the decoded bytes on, so that a base64 copy of an input is chunked
 * like the input. Any other character, padding included, ends a base64 run; a line whose length is
 * not a multiple of four (prose before the base64 on its own line) restarts the quad alignment, so
 * the lines of {@code base64}'s output decode in step whatever precedes them. Bytes are passed on
 * only once a run reaches 16 characters: words of prose decode to nothing.
 *
 * <p>What it cannot see: base64 whose first line shares a line with other alphabet characters (only
 * that line is lost when the text is wrapped; all of it without line breaks), and nested or custom
 * encodings. Memory: two small buffers. Not thread-safe.
 */
final class Base64View extends RunDecoder {
  private static final byte NEWLINE = -2;
  private static final byte OTHER = -1;
  private static final byte[] VALUES = values();
  private static final byte[] ADD = classTable(VALUES, false);
  private static final byte[] KEEP = classTable(VALUES, true);

  /** Run length (characters) from which decoded bytes are passed on. */
  private static final int MIN_RUN = 16;

  private int quad;
  private int quadChars;
  private int lineChars;
  private int run;

  /** Decoded bytes of a run not yet known to be long enough: at most MIN_RUN / 4 * 3. */
  private final byte[] pending = new byte[MIN_RUN / 4 * 3];

  private int pendingLen;

  Base64View(ByteSink next) {
    super(next, new RunTrigger(ADD, KEEP, MIN_RUN));
  }

  @Override
  void startRun() {
    reset();
  }

  /**
   * Decodes {@code b[i..end)}; when {@code mayExit}, stops after the first reset (the run ended)
   * and returns the index after it, the fast path taking over.
   */
  @Override
  int decode(byte[] b, int i, int end, boolean mayExit) {
    final byte[] values = VALUES;
    for (; i < end; i++) {
      int v = values[b[i] & 0xff];
      if (v >= 0) {
        quad = (quad << 6) | v;
        lineChars++;
        run++;
        if (++quadChars == 4) {
          put((byte) (quad >> 16));
          put((byte) (quad >> 8));
          put((byte) quad);
          quadChars = 0;
          quad = 0;
        }
      } else if (v == NEWLINE) {
        if ((lineChars & 3) != 0) {
          reset();
          if (mayExit) {
            return endRun(i);
          }
        }
        lineChars = 0;
      } else {
        if (b[i] == '=') {
          padding();
        }
        reset();
        if (mayExit) {
          return endRun(i);
        }
      }
    }
    return i;
  }

  @Override
  public void finish() {
    reset();
    finishNext();
  }

  private void padding() {
    // "xx==" and "xxx=" end a run with one or two bytes
    if (quadChars == 2) {
      put((byte) (quad >> 4));
    } else if (quadChars == 3) {
      put((byte) (quad >> 10));
      put((byte) (quad >> 2));
    }
  }

  private void put(byte value) {
    if (run < MIN_RUN) {
      if (pendingLen < pending.length) {
        pending[pendingLen++] = value;
      }
      return;
    }
    if (pendingLen > 0) {
      for (int i = 0; i < pendingLen; i++) {
        emit(pending[i]);
      }
      pendingLen = 0;
    }
    emit(value);
  }

  private void reset() {
    quad = 0;
    quadChars = 0;
    run = 0;
    lineChars = 0;
    pendingLen = 0;
  }

  private static byte[] classTable(byte[] values, boolean keepNewlines) {
    byte[] table = new byte[256];
    for (int c = 0; c < 256; c++) {
      table[c] = (byte) (values[c] >= 0 || (keepNewlines && values[c] == NEWLINE) ? 1 : 0);
    }
    return table;
  }

  private static byte[] values() {
    byte[] values = new byte[256];
    Arrays.fill(values, OTHER);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < alphabet.length(); i++) {
      values[alphabet.charAt(i)] = (byte) i;
    }
    values['-'] = 62;
    values['_'] = 63;
    values['\n'] = NEWLINE;
    values['\r'] = NEWLINE;
    return values;
  }
}
