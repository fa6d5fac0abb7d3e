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
final class Base64View implements ByteSink {
  private static final byte NEWLINE = -2;
  private static final byte OTHER = -1;
  private static final byte[] VALUES = values();
  private static final byte[] ADD = classTable(VALUES, false);
  private static final byte[] KEEP = classTable(VALUES, true);

  /** Run length (characters) from which decoded bytes are passed on. */
  private static final int MIN_RUN = 16;

  private final ByteSink next;
  private final byte[] out = new byte[8192];
  private int outLen;
  private int quad;
  private int quadChars;
  private int lineChars;
  private int run;

  /** Decoded bytes of a run not yet known to be long enough: at most MIN_RUN / 4 * 3. */
  private final byte[] pending = new byte[MIN_RUN / 4 * 3];

  private int pendingLen;

  private final RunTrigger trigger = new RunTrigger(ADD, KEEP, MIN_RUN);

  /** Decoding a run (the slow path); else scanning for one. */
  private boolean active;

  /** Absolute offset of the piece being written. */
  private long position;

  /** {@code off} of the piece being written. */
  private int currentOff;

  Base64View(ByteSink next) {
    this.next = next;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    final int end = off + len;
    trigger.begin(position, off);
    currentOff = off;
    int i = off;
    while (i < end) {
      if (!active) {
        int hit = trigger.scan(b, i, end);
        if (hit == end) {
          break;
        }
        // a long run: decode it from its start, which may lie in an earlier piece
        long start = trigger.runStart(position);
        active = true;
        reset();
        if (start < position) {
          int n = (int) (position - start);
          int tailLen = trigger.tailLength();
          decode(trigger.tail(), tailLen - n, tailLen, false);
          i = off;
        } else {
          i = off + (int) (start - position);
        }
      }
      i = decode(b, i, end, true);
    }
    trigger.keepTail(b, off, len);
    position += len;
  }

  /**
   * Decodes {@code b[i..end)}; when {@code mayExit}, stops after the first reset (the run ended)
   * and returns the index after it, the fast path taking over.
   */
  private int decode(byte[] b, int i, int end, boolean mayExit) {
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
            return exit(i);
          }
        }
        lineChars = 0;
      } else {
        if (b[i] == '=') {
          padding();
        }
        reset();
        if (mayExit) {
          return exit(i);
        }
      }
    }
    return i;
  }

  private int exit(int i) {
    active = false;
    trigger.restart(position + (i + 1 - currentOff));
    return i + 1;
  }

  @Override
  public void finish() {
    reset();
    flush();
    next.finish();
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
        append(pending[i]);
      }
      pendingLen = 0;
    }
    append(value);
  }

  private void append(byte value) {
    if (outLen == out.length) {
      flush();
    }
    out[outLen++] = value;
  }

  private void flush() {
    if (outLen > 0) {
      next.write(out, 0, outLen);
      outLen = 0;
    }
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
