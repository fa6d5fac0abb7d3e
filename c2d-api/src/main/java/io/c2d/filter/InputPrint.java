package io.c2d.filter;

import io.c2d.model.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.jspecify.annotations.Nullable;

/**
 * The chunk fingerprints of one input file, computed in one read of it (with its SHA-256, which
 * keys the {@link PrintCache}), at the {@link ChunkLevel} its size calls for. Holds about 12 bytes
 * per distinct chunk: about 4 MiB for a 1 GiB input of random bytes, never the data.
 *
 * <p>Immutable once computed; thread-safe.
 */
final class InputPrint {
  static final int BUFFER = 64 * 1024;

  private final Sha256 sha256;
  private final long size;
  private final ChunkLevel level;
  private final FingerprintMap chunks;

  private InputPrint(Sha256 sha256, long size, ChunkLevel level, FingerprintMap chunks) {
    this.sha256 = sha256;
    this.size = size;
    this.level = level;
    this.chunks = chunks;
  }

  /**
   * Reads {@code in} to its end and fingerprints it; checks the content against {@code expected}
   * when given.
   *
   * @throws IOException if the stream fails, the thread is interrupted ({@link
   *     InterruptedIOException}), or the content's SHA-256 is not {@code expected}
   */
  static InputPrint compute(InputStream in, @Nullable Sha256 expected) throws IOException {
    MessageDigest digest = newDigest();
    FingerprintMap fine = new FingerprintMap(1024);
    FingerprintMap coarse = new FingerprintMap(1024);
    Chunker fineChunker = new Chunker(ChunkLevel.FINE, fine::add);
    Chunker coarseChunker = new Chunker(ChunkLevel.COARSE, coarse::add);
    byte[] buffer = new byte[BUFFER];
    long size = 0;
    boolean fineActive = true;
    int n;
    while ((n = in.read(buffer)) != -1) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedIOException("interrupted while fingerprinting an input");
      }
      digest.update(buffer, 0, n);
      coarseChunker.write(buffer, 0, n);
      size += n;
      if (fineActive) {
        if (size < ChunkLevel.FINE_BELOW) {
          fineChunker.write(buffer, 0, n);
        } else {
          // too large for fine chunks: drop them rather than hold millions of fingerprints
          fineActive = false;
          fine = new FingerprintMap(0);
        }
      }
    }
    coarseChunker.finish();
    fineChunker.finish();
    byte[] actual = digest.digest();
    if (expected != null && !expected.matches(actual)) {
      throw new IOException(
          "an input's content does not match its SHA-256 " + expected.hex() + " (changed?)");
    }
    ChunkLevel level = ChunkLevel.forSize(size);
    return new InputPrint(
        Sha256.ofDigest(actual), size, level, level == ChunkLevel.FINE ? fine : coarse);
  }

  Sha256 sha256() {
    return sha256;
  }

  long size() {
    return size;
  }

  ChunkLevel level() {
    return level;
  }

  /** Number of distinct chunks. */
  int chunks() {
    return chunks.size();
  }

  /** Bytes of the input's distinct chunks (less than its size when content repeats). */
  long distinctBytes() {
    return chunks.totalLength();
  }

  /** The length of the chunk with {@code fingerprint}, or -1 if the input has none. */
  int chunkLength(long fingerprint) {
    return chunks.get(fingerprint);
  }

  /** Heap held, roughly, for the cache's bound. */
  long weight() {
    return 12L * chunks.capacity() + 64;
  }

  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
