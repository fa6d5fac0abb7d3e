package io.c2d.backend.k8s;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A command's standard output read through {@link PodExec} that goes on where a broken stream left
 * off: the command is run again with its output's first bytes skipped in the pod ({@code tail -c
 * +N}), so a WebSocket that breaks costs a reconnection, not the transfer. For this the command
 * must write the same bytes every time (as {@code tar c} of files that no longer change does); to
 * hold it to that, each new stream starts {@value #OVERLAP} bytes early and those bytes must match
 * the last ones read. It ends (returns -1) only once the command exited with 0: a stream that just
 * stopped, however cleanly, is broken.
 *
 * <p>Holds {@value #OVERLAP} bytes besides fabric8's buffers. Not thread-safe: one reader.
 */
final class ResumableOutput extends InputStream {
  private static final Logger log = LoggerFactory.getLogger(ResumableOutput.class);

  /** How many bytes a resumed stream repeats, to check that the command wrote the same. */
  static final int OVERLAP = 64 * 1024;

  /** How many streams in a row may break before any byte of them came. */
  static final int MAX_FAILURES_IN_ROW = 5;

  /** How many streams one output may take in all. */
  static final int MAX_STREAMS = 32;

  /** How much may follow the end of what the reader wanted (a tar archive's padding) . */
  private static final long MAX_DRAIN = 1L << 20;

  private final PodExec exec;
  private final String pod;
  private final String container;
  private final String command;
  private final Duration exitTimeout;
  private final Duration pause;
  private final BooleanSupplier podGone;

  /** The last bytes read, a ring: byte {@code i} of the output is at {@code i % OVERLAP}. */
  private final byte[] recent = new byte[OVERLAP];

  private long position;
  private int streams;
  private int failuresInRow;
  private boolean ended;
  private PodExec.@Nullable Output current;

  /**
   * @param exitTimeout how long to wait for the command's exit once its output ended
   * @param pause the wait before a new stream, times the failures in a row
   * @param podGone asked after a stream broke: whether the pod can give no more output (evicted,
   *     say), so that no new stream is tried
   */
  ResumableOutput(
      PodExec exec,
      String pod,
      String container,
      String command,
      Duration exitTimeout,
      Duration pause,
      BooleanSupplier podGone) {
    this.podGone = podGone;
    this.exec = exec;
    this.pod = pod;
    this.container = container;
    this.command = command;
    this.exitTimeout = exitTimeout;
    this.pause = pause;
  }

  /** How many bytes were read so far. */
  long position() {
    return position;
  }

  /** How many streams were opened so far (1 if none broke). */
  int streams() {
    return streams;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (!ended) {
      PodExec.Output output = current;
      if (output == null) {
        output = open();
        if (output == null) {
          continue;
        }
      }
      int n;
      try {
        n = output.stream().read(b, off, len);
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        broken("the stream broke at byte " + position + ": " + e.getMessage());
        continue;
      }
      if (n > 0) {
        remember(b, off, n);
        failuresInRow = 0;
        return n;
      }
      if (n == 0) {
        continue;
      }
      int exit;
      try {
        exit = output.exitCode(exitTimeout);
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        broken(
            "the stream ended at byte "
                + position
                + " without the command's end: "
                + e.getMessage());
        continue;
      }
      if (exit != 0) {
        broken("'" + command + "' exited with " + exit + ": " + output.error());
        continue;
      }
      ended = true;
      closeCurrent();
    }
    return -1;
  }

  /**
   * Reads what follows where the reader stopped (at most a little padding) and makes sure the
   * command ended well: an output counts as whole only then.
   *
   * @throws IOException if the command failed, or more than padding followed
   */
  void finish() throws IOException {
    byte[] buffer = new byte[8192];
    long drained = 0;
    for (int n = read(buffer, 0, buffer.length); n >= 0; n = read(buffer, 0, buffer.length)) {
      drained += n;
      if (drained > MAX_DRAIN) {
        throw new IOException(
            "more than " + MAX_DRAIN + " bytes followed the end of '" + command + "''s output");
      }
    }
  }

  @Override
  public void close() {
    closeCurrent();
  }

  /** Opens the next stream, repeating the overlap; null if it broke (and may be tried again). */
  private PodExec.@Nullable Output open() throws IOException {
    streams++;
    long from = position - Math.min(position, OVERLAP);
    String resumed =
        from == 0 ? command : "set -o pipefail; (" + command + ") | tail -c +" + (from + 1);
    PodExec.Output output;
    try {
      output = exec.output(pod, container, resumed);
    } catch (InterruptedIOException e) {
      throw e;
    } catch (IOException e) {
      broken("could not open a stream from byte " + from + ": " + e.getMessage());
      return null;
    }
    current = output;
    int overlap = (int) (position - from);
    if (overlap > 0) {
      byte[] again = new byte[overlap];
      int got = 0;
      try {
        while (got < overlap) {
          int n = output.stream().read(again, got, overlap - got);
          if (n < 0) {
            break;
          }
          got += n;
        }
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        broken("the stream broke at byte " + (from + got) + ": " + e.getMessage());
        return null;
      }
      if (got < overlap) {
        broken("a resumed stream ended at byte " + (from + got) + ", before byte " + position);
        return null;
      }
      if (!Arrays.equals(again, 0, overlap, expected(from, overlap), 0, overlap)) {
        closeCurrent();
        throw new IOException(
            "'" + command + "' wrote other bytes the second time (before byte " + position + ")");
      }
    }
    if (streams > 1) {
      log.info(
          "reading the output of '{}' in {}/{} on from byte {}", command, pod, container, position);
    }
    return output;
  }

  private void broken(String why) throws IOException {
    closeCurrent();
    failuresInRow++;
    if (failuresInRow > MAX_FAILURES_IN_ROW || streams >= MAX_STREAMS) {
      throw new IOException(why + " (gave up after " + streams + " streams)");
    }
    if (podGone.getAsBoolean()) {
      throw new IOException(why + " (the pod is gone; " + streams + " streams)");
    }
    log.warn("the output of '{}' in {}/{}: {}; resuming", command, pod, container, why);
    LockSupport.parkNanos(pause.multipliedBy(failuresInRow).toNanos());
    if (Thread.interrupted()) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while resuming a stream");
    }
  }

  private void remember(byte[] b, int off, int n) {
    int from = n > OVERLAP ? off + n - OVERLAP : off;
    long at = position + (from - off);
    for (int i = from; i < off + n; ) {
      int slot = (int) (at % OVERLAP);
      int run = Math.min(off + n - i, OVERLAP - slot);
      System.arraycopy(b, i, recent, slot, run);
      i += run;
      at += run;
    }
    position += n;
  }

  /** The {@code length} bytes read from {@code from} on, out of the ring. */
  private byte[] expected(long from, int length) {
    byte[] out = new byte[length];
    for (int i = 0; i < length; ) {
      int slot = (int) ((from + i) % OVERLAP);
      int run = Math.min(length - i, OVERLAP - slot);
      System.arraycopy(recent, slot, out, i, run);
      i += run;
    }
    return out;
  }

  private void closeCurrent() {
    PodExec.Output output = current;
    current = null;
    if (output != null) {
      try {
        output.close();
      } catch (IOException | RuntimeException e) {
        log.debug("closing an exec stream failed", e);
      }
    }
  }
}
