package io.c2d.spi.backend.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.function.BooleanSupplier;

/**
 * Follows a growing file, as {@code tail -f} does: at the end of what is written so far it waits
 * and reads again, until {@code ended} says the writer is done; then it reads what is left and
 * ends. Confined to one reader thread.
 */
final class FollowingInputStream extends InputStream {
  private static final long POLL_MILLIS = 100;

  private final InputStream source;
  private final BooleanSupplier ended;

  FollowingInputStream(InputStream source, BooleanSupplier ended) {
    this.source = source;
    this.ended = ended;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    while (true) {
      // read "ended" before the source: what was written before the end is then read in full
      boolean done = ended.getAsBoolean();
      int n = source.read(buffer, offset, length);
      if (n > 0 || done) {
        return n == 0 ? -1 : n;
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while following a live log");
      }
    }
  }

  @Override
  public void close() throws IOException {
    source.close();
  }
}
