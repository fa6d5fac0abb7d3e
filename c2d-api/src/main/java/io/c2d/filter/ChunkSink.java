package io.c2d.filter;

/** Receives the chunks a {@link Chunker} cuts: their fingerprint and length. */
@FunctionalInterface
interface ChunkSink {

  /** One chunk of {@code length} bytes whose content hashes to {@code fingerprint} (never 0). */
  void chunk(long fingerprint, int length);
}
