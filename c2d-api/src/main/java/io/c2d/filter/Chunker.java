package io.c2d.filter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Content-defined chunking with a gear hash (as in FastCDC): a boundary falls where the top bits of
 * a rolling hash over the last 64 bytes are all zero, never before {@code minSize} bytes (which are
 * skipped, not hashed) and at the latest at {@code maxSize}. Because boundaries depend on content,
 * not on offsets, a copy of an input inside a result, behind any prefix, is cut into the same
 * chunks as the input after its first boundary: the chunkers fall back in step.
 *
 * <p>Each chunk is handed to the {@link ChunkSink} as a 64-bit fingerprint of its bytes (read eight
 * at a time) and its length. The chunker keeps at most {@code maxSize} bytes, of a chunk that spans
 * two writes; never the data. Cost: one table lookup, shift and add per hashed byte.
 *
 * <p>Not thread-safe.
 */
final class Chunker implements ByteSink {
  /** Fixed, so that fingerprints of inputs and results agree in every JVM. */
  private static final long[] GEAR = gear(0x6332642d63686e6bL);

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long P1 = 0x9E3779B97F4A7C15L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;

  private final int minSize;
  private final int maxSize;
  private final long mask;
  private final ChunkSink sink;
  private final byte[] carry;
  private int carryLen;
  private long hash;
  private long bytes;

  Chunker(ChunkLevel level, ChunkSink sink) {
    this.minSize = level.minSize;
    this.maxSize = level.maxSize;
    this.mask = level.mask;
    this.sink = sink;
    this.carry = new byte[level.maxSize];
  }

  /** Bytes written so far. */
  long bytes() {
    return bytes;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    final int end = off + len;
    final long[] gear = GEAR;
    final long m = mask;
    int start = off; // where the current chunk's bytes in b begin
    int i = off;
    long h = hash;
    while (i < end) {
      int have = carryLen + (i - start);
      if (have < minSize) {
        i += Math.min(minSize - have, end - i);
        continue;
      }
      int limit = Math.min(end, i + (maxSize - have));
      boolean cut = false;
      while (i < limit) {
        h = (h << 1) + gear[b[i] & 0xff];
        i++;
        if ((h & m) == 0) {
          cut = true;
          break;
        }
      }
      if (cut || carryLen + (i - start) == maxSize) {
        emit(b, start, i - start);
        start = i;
        h = 0;
      }
    }
    int rest = end - start;
    if (rest > 0) {
      System.arraycopy(b, start, carry, carryLen, rest);
      carryLen += rest;
    }
    hash = h;
    bytes += len;
  }

  @Override
  public void finish() {
    if (carryLen > 0) {
      sink.chunk(fingerprint(carry, 0, carryLen), carryLen);
      carryLen = 0;
    }
    hash = 0;
  }

  private void emit(byte[] b, int off, int len) {
    if (carryLen == 0) {
      sink.chunk(fingerprint(b, off, len), len);
    } else {
      System.arraycopy(b, off, carry, carryLen, len);
      int total = carryLen + len;
      carryLen = 0;
      sink.chunk(fingerprint(carry, 0, total), total);
    }
  }

  /** A 64-bit hash of the bytes, eight at a time; never 0 (0 marks an empty slot in the maps). */
  static long fingerprint(byte[] b, int off, int len) {
    long h1 = P1 ^ len;
    long h2 = P2 + len;
    int i = off;
    int end = off + len;
    // two lanes, so that the multiplications of consecutive words overlap
    for (; i + 16 <= end; i += 16) {
      h1 = Long.rotateLeft(h1 ^ ((long) LONGS.get(b, i) * P2), 31) * P1;
      h2 = Long.rotateLeft(h2 ^ ((long) LONGS.get(b, i + 8) * P1), 29) * P2;
    }
    for (; i + 8 <= end; i += 8) {
      h1 = Long.rotateLeft(h1 ^ ((long) LONGS.get(b, i) * P2), 31) * P1;
    }
    long tail = 0;
    for (int shift = 0; i < end; i++, shift += 8) {
      tail |= (b[i] & 0xffL) << shift;
    }
    h2 = Long.rotateLeft(h2 ^ (tail * P1), 29) * P2;
    long h = h1 ^ Long.rotateLeft(h2, 17);
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h == 0 ? 1 : h;
  }

  private static long[] gear(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long[] table = new long[256];
    for (int i = 0; i < table.length; i++) {
      table[i] = random.nextLong();
    }
    return table;
  }
}
