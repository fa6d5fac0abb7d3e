package io.c2d.filter;

import java.util.Arrays;

/**
 * Decodes the hexadecimal text in a stream and passes the bytes on, so that a hex copy of an input
 * is chunked like the input: plain hex ({@code xxd -p}, one long line or many), hex with separators
 * ({@code od -An -tx1}, {@code 0x41, 0x42}) and the dump formats with an offset column and an ASCII
 * column ({@code hexdump -C}, {@code od -tx1}, {@code xxd}).
 *
 * <p>Text is cut into tokens at blanks, commas and semicolons. A token of an even number of hex
 * digits decodes (an optional {@code 0x} prefix dropped); any other token is skipped. The first
 * token of a line is taken for an offset, and skipped, when the line's second token has another
 * length (the offset column of the dump formats); an ASCII column is mostly not hex and skipped.
 * The few stray bytes that a dump's ASCII column or a last offset line can add only cost the
 * content-defined chunker one chunk.
 *
 * <p>What it cannot see: dumps of 16-bit words in little-endian order (plain {@code hexdump},
 * {@code od -x}), octal or decimal dumps, nested or custom encodings. Memory: small fixed buffers.
 * Not thread-safe.
 */
final class HexView extends RunDecoder {
  private static final byte BLANK = -2;
  private static final byte NEWLINE = -3;
  private static final byte OTHER = -1;
  private static final byte[] CLASSES = classes();
  private static final byte[] ADD = table(false);
  private static final byte[] KEEP = table(true);

  /** Hex digits in a run (blanks, line breaks and x between them) that start decoding. */
  private static final int MIN_RUN = 24;

  /** Tokens up to this many digits are held until their end; longer ones are data and stream. */
  private static final int HOLD = 16;

  /** Digits of the current token while it is short (values 0 to 15). */
  private final byte[] token = new byte[HOLD];

  private int tokenLen;
  private boolean tokenBad;
  private boolean streaming;
  private int streamNibble = -1;
  private boolean inToken;

  /** The line's first token, held until the second shows whether it is an offset. */
  private final byte[] first = new byte[HOLD];

  private int firstLen = -1; // -1: none held
  private int tokensInLine;

  HexView(ByteSink next) {
    super(next, new RunTrigger(ADD, KEEP, MIN_RUN));
  }

  @Override
  void startRun() {
    resetState();
  }

  /**
   * Decodes {@code b[i..end)}; when {@code mayExit}, stops at the first character that cannot be
   * part of hex text (the run ended) and returns the index after it, the fast path taking over.
   */
  @Override
  int decode(byte[] b, int i, int end, boolean mayExit) {
    final byte[] classes = CLASSES;
    for (; i < end; i++) {
      int c = b[i] & 0xff;
      int v = classes[c];
      if (v >= 0) {
        digit(v);
      } else if (v == BLANK) {
        endToken();
      } else if (v == NEWLINE) {
        endToken();
        endLine();
      } else if (!other(c) && mayExit) {
        resetState();
        return endRun(i);
      }
    }
    return i;
  }

  private void resetState() {
    inToken = false;
    tokenBad = false;
    streaming = false;
    streamNibble = -1;
    tokenLen = 0;
    firstLen = -1;
    tokensInLine = 0;
  }

  @Override
  public void finish() {
    endToken();
    endLine();
    finishNext();
  }

  private void digit(int v) {
    inToken = true;
    if (tokenBad) {
      return;
    }
    if (streaming) {
      if (streamNibble < 0) {
        streamNibble = v;
      } else {
        emit((byte) ((streamNibble << 4) | v));
        streamNibble = -1;
      }
      return;
    }
    if (tokenLen < HOLD) {
      token[tokenLen++] = (byte) v;
      return;
    }
    // a long run of digits is data, not an offset: decide the held first token, then stream
    if (tokensInLine == 1) {
      releaseFirst(Integer.MAX_VALUE);
    }
    streaming = true;
    for (int k = 0; k < HOLD; k += 2) {
      emit((byte) ((token[k] << 4) | token[k + 1]));
    }
    streamNibble = v;
  }

  /** A character that is no hex digit or separator; whether it was a {@code 0x} prefix's x. */
  private boolean other(int c) {
    if (inToken && !tokenBad && !streaming && tokenLen == 1 && token[0] == 0 && (c | 0x20) == 'x') {
      tokenLen = 0; // a 0x prefix
      return true;
    }
    inToken = true;
    tokenBad = true;
    return false;
  }

  private void endToken() {
    if (!inToken) {
      return;
    }
    boolean good = !tokenBad && (streaming || (tokenLen > 0 && (tokenLen & 1) == 0));
    if (streaming) {
      // already passed on; a long token in second place has decided the first
    } else if (tokensInLine == 0) {
      if (good) {
        System.arraycopy(token, 0, first, 0, tokenLen);
        firstLen = tokenLen;
      } else {
        firstLen = -1;
      }
    } else {
      if (tokensInLine == 1) {
        releaseFirst(good ? tokenLen : -1);
      }
      if (good) {
        for (int k = 0; k < tokenLen; k += 2) {
          emit((byte) ((token[k] << 4) | token[k + 1]));
        }
      }
    }
    tokensInLine++;
    inToken = false;
    tokenBad = false;
    streaming = false;
    streamNibble = -1;
    tokenLen = 0;
  }

  /** Passes the held first token on unless the second (of {@code secondLen}) marks it an offset. */
  private void releaseFirst(int secondLen) {
    if (firstLen > 0 && (secondLen < 0 || secondLen == firstLen)) {
      for (int k = 0; k < firstLen; k += 2) {
        emit((byte) ((first[k] << 4) | first[k + 1]));
      }
    }
    firstLen = -1;
  }

  private void endLine() {
    if (tokensInLine == 1) {
      releaseFirst(-1);
    }
    firstLen = -1;
    tokensInLine = 0;
  }

  private static byte[] table(boolean separators) {
    byte[] classes = classes();
    byte[] table = new byte[256];
    for (int c = 0; c < 256; c++) {
      boolean digit = classes[c] >= 0;
      boolean separator = classes[c] == BLANK || classes[c] == NEWLINE || c == 'x' || c == 'X';
      table[c] = (byte) (digit || (separators && separator) ? 1 : 0);
    }
    return table;
  }

  private static byte[] classes() {
    byte[] classes = new byte[256];
    Arrays.fill(classes, OTHER);
    for (int c = '0'; c <= '9'; c++) {
      classes[c] = (byte) (c - '0');
    }
    for (int c = 'a'; c <= 'f'; c++) {
      classes[c] = (byte) (c - 'a' + 10);
      classes[c - 32] = (byte) (c - 'a' + 10);
    }
    classes[' '] = BLANK;
    classes['\t'] = BLANK;
    classes[','] = BLANK;
    classes[';'] = BLANK;
    classes['\n'] = NEWLINE;
    classes['\r'] = NEWLINE;
    return classes;
  }
}
