package io.c2d.filter;

/**
 * The shared frame of the text decoders ({@link Base64View}, {@link HexView}): a fast scan for a
 * long enough run of the encoding's characters ({@link RunTrigger}), then the decoder's own slow
 * path from the run's start (which may lie in an earlier piece, kept as the trigger's tail) until
 * the run ends, then the fast scan again. Decoded bytes are buffered and passed on to the next sink
 * in pieces.
 *
 * <p>Not thread-safe: one stream, one thread.
 */
abstract class RunDecoder implements ByteSink {
  private final ByteSink next;
  private final RunTrigger trigger;
  private final byte[] out = new byte[8192];
  private int outLen;

  /** Decoding a run (the slow path); else scanning for one. */
  private boolean active;

  /** Absolute offset of the piece being written. */
  private long position;

  /** {@code off} of the piece being written. */
  private int currentOff;

  RunDecoder(ByteSink next, RunTrigger trigger) {
    this.next = next;
    this.trigger = trigger;
  }

  @Override
  public final void write(byte[] b, int off, int len) {
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
        startRun();
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

  /** Forgets the decoder's state: a new run starts. */
  abstract void startRun();

  /**
   * Decodes {@code b[i..end)}; when {@code mayExit}, stops where the run ends (returning {@link
   * #endRun}'s answer), the fast path taking over.
   */
  abstract int decode(byte[] b, int i, int end, boolean mayExit);

  /** The run ended at {@code b[i]} of the piece being written: returns the index after it. */
  final int endRun(int i) {
    active = false;
    trigger.restart(position + (i + 1 - currentOff));
    return i + 1;
  }

  /** Buffers one decoded byte for the next sink. */
  final void emit(byte value) {
    if (outLen == out.length) {
      flush();
    }
    out[outLen++] = value;
  }

  /** Passes the buffered decoded bytes on. */
  final void flush() {
    if (outLen > 0) {
      next.write(out, 0, outLen);
      outLen = 0;
    }
  }

  /** Passes the buffered bytes on and ends the next sink's stream. */
  final void finishNext() {
    flush();
    next.finish();
  }
}
