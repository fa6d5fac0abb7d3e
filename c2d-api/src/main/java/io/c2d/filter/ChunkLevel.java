package io.c2d.filter;

/**
 * The two chunk sizes of content-defined chunking. An input is fingerprinted at one level, chosen
 * by its size: small inputs at {@link #FINE} so that a copy of a few kilobytes still spans several
 * chunks, large ones at {@link #COARSE} so that a 1 GiB input gives about 200,000 fingerprints (a
 * few MiB), not millions. Results are chunked at every level the job's inputs use.
 */
enum ChunkLevel {
  /** Chunks of 64 B to 1 KiB, about 190 B on average. */
  FINE(64, 7, 1024),
  /** Chunks of 1 KiB to 32 KiB, about 5 KiB on average. */
  COARSE(1024, 12, 32 * 1024);

  /** Inputs below this size are fingerprinted at {@link #FINE}. */
  static final long FINE_BELOW = 1024 * 1024;

  final int minSize;
  final long mask;
  final int maxSize;

  ChunkLevel(int minSize, int maskBits, int maxSize) {
    this.minSize = minSize;
    // the top bits of the gear hash depend on the last 64 bytes only, the low bits on the last few
    // (the hash shifts left): a boundary test on the top bits sees a 64-byte window
    this.mask = -1L << (64 - maskBits);
    this.maxSize = maxSize;
  }

  static ChunkLevel forSize(long size) {
    return size < FINE_BELOW ? FINE : COARSE;
  }
}
