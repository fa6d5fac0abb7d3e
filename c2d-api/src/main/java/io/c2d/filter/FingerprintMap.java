package io.c2d.filter;

/**
 * An open-addressing map from a chunk fingerprint (a non-zero {@code long}) to its chunk's length,
 * in two primitive arrays: 12 bytes a slot, at most half full, no boxing. Used both for an input's
 * fingerprints and for the fingerprints a job's results matched.
 *
 * <p>Not thread-safe while written; safe to read from several threads once published (the {@link
 * InputPrint} that holds it is immutable).
 */
final class FingerprintMap {
  private long[] keys;
  private int[] lengths;
  private int size;
  private long totalLength;

  FingerprintMap(int expected) {
    int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    keys = new long[capacity];
    lengths = new int[capacity];
  }

  /** Number of distinct fingerprints. */
  int size() {
    return size;
  }

  /** Sum of the lengths of the distinct chunks. */
  long totalLength() {
    return totalLength;
  }

  /** Slots allocated (for memory accounting). */
  int capacity() {
    return keys.length;
  }

  /** Adds {@code key} with {@code length} unless present; whether it was new. */
  boolean add(long key, int length) {
    if (size * 2 >= keys.length) {
      grow();
    }
    int mask = keys.length - 1;
    int i = spread(key) & mask;
    while (true) {
      long k = keys[i];
      if (k == 0) {
        keys[i] = key;
        lengths[i] = length;
        size++;
        totalLength += length;
        return true;
      }
      if (k == key) {
        return false;
      }
      i = (i + 1) & mask;
    }
  }

  /** The chunk length stored for {@code key}, or -1 if absent. */
  int get(long key) {
    long[] ks = keys;
    int mask = ks.length - 1;
    int i = spread(key) & mask;
    while (true) {
      long k = ks[i];
      if (k == key) {
        return lengths[i];
      }
      if (k == 0) {
        return -1;
      }
      i = (i + 1) & mask;
    }
  }

  private void grow() {
    long[] oldKeys = keys;
    int[] oldLengths = lengths;
    keys = new long[oldKeys.length * 2];
    lengths = new int[oldKeys.length * 2];
    size = 0;
    totalLength = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != 0) {
        add(oldKeys[i], oldLengths[i]);
      }
    }
  }

  private static int spread(long key) {
    // fingerprints are already mixed; fold the high half in for the index
    return (int) (key ^ (key >>> 32));
  }
}
