package io.c2d.filter;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Finds gzip members anywhere in a stream (the magic {@code 1f 8b 08}, a header with valid flags)
 * and passes their decompressed bytes on, so that a gzipped copy of an input is chunked like the
 * input. Push-based, with the JDK's {@link Inflater} over raw deflate: one read of the result feeds
 * this view beside the others. Concatenated members and members later in the stream (a gzip behind
 * a text header) are found; a member that turns out corrupt is dropped and the search goes on.
 *
 * <p>Decompression stops for good once {@code maxOut} bytes have come out of it, so a small result
 * that inflates to terabytes costs no more than {@code maxOut} (the caller sets it above the
 * inputs' total size: a copy is found long before). Memory: the inflater's window and one buffer.
 * Not thread-safe; {@link #finish()} frees the inflater.
 */
final class GzipView implements ByteSink {
  private static final int SEARCH = 0;
  private static final int HEADER = 1;
  private static final int INFLATE = 2;
  private static final int TRAILER = 3;
  private static final int DONE = 4;

  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;

  private final ByteSink next;
  private final long maxOut;
  private final Inflater inflater = new Inflater(true);
  private final byte[] out = new byte[32 * 1024];
  private long produced;
  private int state = SEARCH;
  private int magic; // bytes of 1f 8b 08 seen in a row
  // header parsing
  private static final int FIXED = 0;
  private static final int EXTRA_LENGTH_LOW = 1;
  private static final int EXTRA_LENGTH_HIGH = 2;
  private static final int EXTRA = 3;
  private static final int NAME = 4;
  private static final int COMMENT = 5;
  private static final int CRC = 6;
  private int part;
  private int headerPos;
  private int flags;
  private int skip;
  private int trailerLeft;

  GzipView(ByteSink next, long maxOut) {
    this.next = next;
    this.maxOut = maxOut;
  }

  /** Bytes decompressed so far. */
  long produced() {
    return produced;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    int i = off;
    final int end = off + len;
    while (i < end && state != DONE) {
      switch (state) {
        case SEARCH -> i = search(b, i, end);
        case HEADER -> i = header(b, i, end);
        case INFLATE -> i = inflate(b, i, end);
        case TRAILER -> {
          int n = Math.min(trailerLeft, end - i);
          trailerLeft -= n;
          i += n;
          if (trailerLeft == 0) {
            state = SEARCH;
          }
        }
        default -> throw new IllegalStateException("state " + state);
      }
    }
  }

  @Override
  public void finish() {
    inflater.end();
    state = DONE;
    next.finish();
  }

  private int search(byte[] b, int i, int end) {
    int m = magic;
    while (i < end) {
      int c = b[i++] & 0xff;
      if (m == 0) {
        // the common case, kept tight: most bytes are not 0x1f
        if (c == 0x1f) {
          m = 1;
        }
      } else if (m == 1) {
        m = c == 0x8b ? 2 : (c == 0x1f ? 1 : 0);
      } else {
        if (c == 0x08) {
          magic = 0;
          state = HEADER;
          part = FIXED;
          headerPos = 3;
          return i;
        }
        m = c == 0x1f ? 1 : 0;
      }
    }
    magic = m;
    return i;
  }

  private int header(byte[] b, int i, int end) {
    while (i < end && state == HEADER) {
      int c = b[i] & 0xff;
      switch (part) {
        case FIXED -> {
          if (headerPos == 3) {
            if ((c & 0xe0) != 0) {
              state = SEARCH; // reserved flag bits set: not a gzip header
              return i;
            }
            flags = c;
          }
          headerPos++;
          i++;
          if (headerPos == 10) {
            advance();
          }
        }
        case EXTRA_LENGTH_LOW -> {
          skip = c;
          i++;
          part = EXTRA_LENGTH_HIGH;
        }
        case EXTRA_LENGTH_HIGH -> {
          skip |= c << 8;
          i++;
          flags &= ~FEXTRA;
          if (skip == 0) {
            advance();
          } else {
            part = EXTRA;
          }
        }
        case EXTRA -> {
          int n = Math.min(skip, end - i);
          skip -= n;
          i += n;
          if (skip == 0) {
            advance();
          }
        }
        case NAME, COMMENT -> {
          i++;
          if (c == 0) {
            flags &= part == NAME ? ~FNAME : ~FCOMMENT;
            advance();
          }
        }
        case CRC -> {
          i++;
          if (--skip == 0) {
            flags &= ~FHCRC;
            advance();
          }
        }
        default -> throw new IllegalStateException("header part " + part);
      }
    }
    return i;
  }

  /** Moves to the next optional header field the flags announce, or to the deflate data. */
  private void advance() {
    if ((flags & FEXTRA) != 0) {
      part = EXTRA_LENGTH_LOW;
    } else if ((flags & FNAME) != 0) {
      part = NAME;
    } else if ((flags & FCOMMENT) != 0) {
      part = COMMENT;
    } else if ((flags & FHCRC) != 0) {
      part = CRC;
      skip = 2;
    } else {
      inflater.reset();
      state = INFLATE;
    }
  }

  private int inflate(byte[] b, int i, int end) {
    inflater.setInput(b, i, end - i);
    try {
      while (true) {
        int n = inflater.inflate(out);
        if (n > 0) {
          long room = maxOut - produced;
          int give = (int) Math.min(n, room);
          next.write(out, 0, give);
          produced += give;
          if (produced >= maxOut) {
            state = DONE;
            return end;
          }
        }
        if (inflater.finished()) {
          int consumed = (end - i) - inflater.getRemaining();
          state = TRAILER;
          trailerLeft = 8;
          return i + consumed;
        }
        if (inflater.needsInput() || inflater.needsDictionary()) {
          if (inflater.needsDictionary()) {
            state = SEARCH;
          }
          return end;
        }
      }
    } catch (DataFormatException e) {
      // not a deflate stream after all (or a corrupt one): look for the next member
      state = SEARCH;
      return end;
    }
  }
}
