package io.c2d.filter;

/**
 * Receives a stream of bytes in pieces: a chunker, or a decoder that passes its decoded bytes on.
 * Push-based so that one read of a result feeds every view of it (raw, gzip, base64, hex) without a
 * second read and without per-byte virtual calls.
 *
 * <p>Not thread-safe: one stream, one thread.
 */
interface ByteSink {

  /** Takes {@code len} bytes of {@code b} from {@code off}; must not keep {@code b}. */
  void write(byte[] b, int off, int len);

  /** The stream ended: flushes what is pending. */
  void finish();
}
