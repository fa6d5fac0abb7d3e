package io.c2d.filter;

/**
 * The fast path shared by the text decoders ({@link Base64View}, {@link HexView}): most bytes of
 * most results (binary data, prose) hold no encoded copy, and a decoder that branches on every byte
 * class mispredicts on random data. This scans without data-dependent branches for the first place
 * where a run of at least {@code minRun} encoding characters (with neutral characters such as line
 * breaks allowed inside) ends, remembering where the run began, even in an earlier piece: the last
 * {@value #TAIL} bytes are kept so that the decoder can replay the run from its start.
 *
 * <p>Not thread-safe.
 */
final class RunTrigger {
  static final int TAIL = 256;

  private final byte[] add;
  private final byte[] keep;
  private final int minRun;
  private final byte[] tail = new byte[TAIL];
  private int tailLen;
  private int run;

  /** Absolute stream offset where the current run began. */
  private long runStart;

  /** Absolute stream offset of the piece being written, index 0 of it: {@code base + i}. */
  private long base;

  /** Absolute stream offset before which no run may start: where the decoder last left one. */
  private long floor;

  /** Absolute stream offset of the piece's first byte. */
  private long pieceOffset;

  /**
   * @param add per byte value: 1 if it counts towards a run, else 0
   * @param keep per byte value: 1 if it continues a run (counted or neutral), 0 if it ends it
   */
  RunTrigger(byte[] add, byte[] keep, int minRun) {
    this.add = add;
    this.keep = new byte[256];
    for (int c = 0; c < 256; c++) {
      this.keep[c] = (byte) (keep[c] != 0 ? -1 : 0); // a mask: all ones or zero
    }
    this.minRun = minRun;
  }

  /** Starts a piece {@code b[off..off+len)} that follows the previous one in the stream. */
  void begin(long streamOffset, int off) {
    base = streamOffset - off;
    pieceOffset = streamOffset;
  }

  /**
   * Scans {@code b[i..end)}; returns the index of the byte that completes a long run, or {@code
   * end} when none does.
   */
  int scan(byte[] b, int i, int end) {
    final byte[] add = this.add;
    final byte[] mask = this.keep;
    int r = run;
    for (; i < end; i++) {
      int c = b[i] & 0xff;
      // no branch on the byte's class: random data would mispredict every fourth byte
      r = (r + add[c]) & mask[c];
      if (r >= minRun) {
        break;
      }
    }
    run = r;
    if (i < end) {
      // never back before the last restart: the decoder left the run there, and replaying from
      // before it would find the same end again and again
      runStart = Math.max(floor, base + backToStart(b, i));
    }
    return i;
  }

  /**
   * The index where the run ending at {@code b[i]} began: after the last byte before it that ends
   * runs, searched back through this piece and the kept tail (relative to {@code base}, so possibly
   * negative for a start in the tail).
   */
  private long backToStart(byte[] b, int i) {
    int pieceStart = (int) (pieceOffset - base);
    int j = i;
    while (j > pieceStart && keep[b[j - 1] & 0xff] != 0) {
      j--;
    }
    if (j > pieceStart) {
      return j;
    }
    int t = tailLen;
    while (t > 0 && keep[tail[t - 1] & 0xff] != 0) {
      t--;
    }
    return (long) pieceStart - (tailLen - t);
  }

  /** Where the last run began (absolute), no earlier than what the tail still holds. */
  long runStart(long streamOffsetOfPiece) {
    return Math.max(runStart, streamOffsetOfPiece - tailLen);
  }

  /** The kept last bytes of earlier pieces: {@code tail()[0..tailLength())}. */
  byte[] tail() {
    return tail;
  }

  int tailLength() {
    return tailLen;
  }

  /** The run is being decoded, or it ended: counting starts afresh after absolute {@code next}. */
  void restart(long next) {
    run = 0;
    runStart = next;
    floor = next;
  }

  /** Keeps the last bytes of a piece for a later replay. */
  void keepTail(byte[] b, int off, int len) {
    if (len >= TAIL) {
      System.arraycopy(b, off + len - TAIL, tail, 0, TAIL);
      tailLen = TAIL;
    } else {
      int keepOld = Math.min(tailLen, TAIL - len);
      System.arraycopy(tail, tailLen - keepOld, tail, 0, keepOld);
      System.arraycopy(b, off, tail, keepOld, len);
      tailLen = keepOld + len;
    }
  }
}
