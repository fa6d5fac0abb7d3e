package io.c2d.backend.k8s;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The staged archive's way into a pod through {@link PodExec}, in chunks that survive a broken
 * WebSocket: what is written is kept in a spool file on this side until a chunk is full, then sent
 * with one exec that appends exactly that many bytes to the archive in the pod ({@value #ARCHIVE}),
 * checks their SHA-256 and the archive's new length, and ends by itself: its exit code 0 is the
 * pod's receipt. A chunk whose stream broke (or that arrived short or wrong) is sent again from its
 * start, the archive first cut back to where it began, so a broken stream costs one chunk, not the
 * job. {@link #finish} sends the last chunk and has the pod unpack the archive, which counts as
 * uploaded only when it is whole and its end marker arrived (as before: {@value
 * Manifests#UPLOAD_END_MARKER}).
 *
 * <p>The spool holds one chunk on this side's disk, never in memory (64 KiB of buffers); the pod
 * holds the archive beside what it unpacks until it is unpacked. Not thread-safe: one writer.
 */
final class ChunkedUpload implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(ChunkedUpload.class);

  /** The archive as it arrives in the pod, at the root of {@code /data} (never mounted). */
  static final String ARCHIVE = "/data/.c2d-upload";

  /** How many bytes go in one chunk by default. */
  static final long CHUNK_BYTES = 32L << 20;

  /** How often one chunk is sent before the upload fails. */
  static final int MAX_ATTEMPTS = 5;

  /** The exit code of the unpacking command while another one runs. */
  static final int EXIT_BUSY = 9;

  private static final Duration POLL = Duration.ofSeconds(1);

  private final PodExec exec;
  private final String pod;
  private final Path spool;
  private final long chunkBytes;
  private final Duration timeout;
  private final Duration pause;
  private final MessageDigest digest;
  private OutputStream out;

  /** What the archive is written to; closing it only flushes it (there is nothing to flush). */
  private final OutputStream input =
      new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          take(b, off, len);
        }
      };

  private long inChunk;
  private long sent;
  private int chunks;
  private int resent;
  private boolean closed;
  private @Nullable IOException failed;

  /**
   * @param spool the file that holds one chunk on this side (made, and deleted by {@link #close})
   * @param timeout how long the pod may take to take in the end of one chunk, and to unpack
   * @param pause the wait before a chunk is sent again, times its attempts
   */
  ChunkedUpload(
      PodExec exec, String pod, Path spool, long chunkBytes, Duration timeout, Duration pause)
      throws IOException {
    this.exec = exec;
    this.pod = pod;
    this.spool = spool;
    this.chunkBytes = chunkBytes;
    this.timeout = timeout;
    this.pause = pause;
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    this.out = openSpool();
  }

  /** How many bytes went into the pod so far. */
  long sent() {
    return sent;
  }

  /** How many chunks went into the pod so far. */
  int chunks() {
    return chunks;
  }

  /** How many chunks had to be sent again. */
  int resent() {
    return resent;
  }

  /**
   * Where the archive is written. Closing it only flushes it: {@link #finish} ends the upload,
   * {@link #close} drops it.
   */
  OutputStream input() {
    return input;
  }

  private void take(byte[] b, int off, int len) throws IOException {
    checkNotFailed();
    while (len > 0) {
      int n = (int) Math.min(len, chunkBytes - inChunk);
      out.write(b, off, n);
      digest.update(b, off, n);
      inChunk += n;
      off += n;
      len -= n;
      if (inChunk == chunkBytes) {
        sendChunk();
      }
    }
  }

  /**
   * Sends what is left and has the pod unpack the archive; returns once it is unpacked.
   *
   * @throws IOException if a chunk could not be sent, or the pod refused the archive
   */
  void finish() throws IOException {
    checkNotFailed();
    if (closed) {
      throw new IOException("the upload was closed before it was finished");
    }
    if (inChunk > 0) {
      sendChunk();
    }
    String unpack = unpackCommand(sent);
    Duration waited = Duration.ZERO;
    int exit;
    try {
      exit = exec.run(pod, Manifests.STAGE_DATA, unpack, timeout);
    } catch (InterruptedIOException e) {
      throw e;
    } catch (IOException e) {
      log.warn("unpacking the inputs in pod {}: {}; waiting for its end", pod, e.getMessage());
      exit = EXIT_BUSY;
    }
    // A stream that broke while the pod unpacks leaves the unpacking running: wait for its end.
    while (exit == EXIT_BUSY) {
      if (waited.compareTo(timeout) >= 0) {
        throw new IOException("pod " + pod + " did not unpack its inputs within " + timeout);
      }
      LockSupport.parkNanos(POLL.toNanos());
      waited = waited.plus(POLL);
      try {
        // the same command: it waits while another unpacking runs, and takes over a dead one's
        exit = exec.run(pod, Manifests.STAGE_DATA, unpack, timeout);
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        exit = EXIT_BUSY;
      }
    }
    if (exit != 0) {
      throw new IOException(
          "pod " + pod + " refused the inputs' archive (" + sent + " bytes): exit " + exit);
    }
  }

  /** Deletes the spool; the pod is left as it is (an archive never unpacked is refused). */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      out.close();
    } finally {
      Files.deleteIfExists(spool);
    }
  }

  private void checkNotFailed() throws IOException {
    if (failed != null) {
      throw new IOException("the upload failed before: " + failed.getMessage(), failed);
    }
  }

  private void sendChunk() throws IOException {
    try {
      sendChunkOnce();
    } catch (IOException e) {
      failed = e;
      throw e;
    }
  }

  private void sendChunkOnce() throws IOException {
    out.close();
    long length = inChunk;
    String sha = HexFormat.of().formatHex(digest.digest());
    String command = chunkCommand(sent, length, sha);
    for (int attempt = 1; ; attempt++) {
      String failure;
      try (InputStream in = Files.newInputStream(spool)) {
        int exit = exec.send(pod, Manifests.STAGE_DATA, command, in, timeout);
        if (exit == 0) {
          break;
        }
        failure = "exit " + exit;
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        failure = e.getMessage();
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new IOException(
            "chunk "
                + (chunks + 1)
                + " of the inputs (bytes "
                + sent
                + " to "
                + (sent + length)
                + ") did not arrive in pod "
                + pod
                + " after "
                + attempt
                + " attempts: "
                + failure);
      }
      resent++;
      log.warn(
          "chunk {} of the inputs (bytes {} to {}) did not arrive in pod {} ({}); sending it again",
          chunks + 1,
          sent,
          sent + length,
          pod,
          failure);
      LockSupport.parkNanos(pause.multipliedBy(attempt).toNanos());
    }
    sent += length;
    chunks++;
    inChunk = 0;
    out = openSpool();
  }

  private OutputStream openSpool() throws IOException {
    return new BufferedOutputStream(
        Files.newOutputStream(
            spool,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE),
        64 * 1024);
  }

  /**
   * Appends exactly {@code length} bytes of standard input to the archive at {@code offset} (cut
   * back there first: an earlier attempt may have left part of this chunk), and exits with 0 only
   * if they have SHA-256 {@code sha} and the archive is then {@code offset + length} bytes long.
   * Once the archive was unpacked (a restarted provider sends it again), it swallows the chunk.
   */
  static String chunkCommand(long offset, long length, String sha) {
    return "if [ -e "
        + Manifests.CONTROL
        + "/uploaded ]; then head -c "
        + length
        + " > /dev/null; exit 0; fi;"
        + " [ \"$(stat -c %s "
        + ARCHIVE
        + " 2> /dev/null || echo 0)\" -ge "
        + offset
        + " ] && truncate -s "
        + offset
        + " "
        + ARCHIVE
        + " && s=$(head -c "
        + length
        + " | tee -a "
        + ARCHIVE
        + " | sha256sum) && [ \"${s%% *}\" = "
        + sha
        + " ] && [ \"$(stat -c %s "
        + ARCHIVE
        + ")\" = "
        + (offset + length)
        + " ]";
  }

  /**
   * Unpacks the archive once it is {@code length} bytes long and holds the end marker, deleting it
   * before the staging step may go on: exit 0 if the inputs are unpacked (now or before), 1 if the
   * archive was refused, {@value #EXIT_BUSY} if another unpacking still runs.
   */
  static String unpackCommand(long length) {
    String control = Manifests.CONTROL;
    String marker = "/data/" + Manifests.UPLOAD_END_MARKER;
    return "if [ -e "
        + control
        + "/uploaded ]; then exit 0; fi;"
        + " if ! mkdir "
        + control
        + "/unpacking 2> /dev/null; then p=$(cat "
        + control
        + "/unpacking/pid 2> /dev/null);"
        + " if [ -n \"$p\" ] && kill -0 \"$p\" 2> /dev/null; then exit "
        + EXIT_BUSY
        + "; fi; fi; echo $$ > "
        + control
        + "/unpacking/pid;"
        + " if [ \"$(stat -c %s "
        + ARCHIVE
        + " 2> /dev/null)\" = "
        + length
        + " ] && tar x -C /data -f "
        + ARCHIVE
        + " 2> "
        + control
        + "/upload-error && [ -e "
        + marker
        + " ]; then rm -f "
        + marker
        + " "
        + ARCHIVE
        + "; : > "
        + control
        + "/uploaded; exit 0; fi;"
        + " echo 'the archive was cut before its end marker' >> "
        + control
        + "/upload-error; rm -f "
        + ARCHIVE
        + "; : > "
        + control
        + "/upload-failed; exit 1";
  }
}
