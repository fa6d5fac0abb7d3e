package io.c2d.filter;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One job's search for copies of its inputs in its results. Each result is read once and chunked,
 * at every {@link ChunkLevel} the inputs use, as it is and as decoded by the gzip, base64 and hex
 * views (and gzip inside base64 or hex); each chunk's fingerprint is looked up in every input's
 * fingerprints. Matches count per input across all of the job's results, each distinct input chunk
 * once, so that a copy split over several results adds up. Cost: linear in the bytes read (and
 * decoded, bounded); memory: the views' buffers and the matched fingerprints, never the data.
 *
 * <p>Not thread-safe: one job, one thread.
 */
final class CopyScan {
  private final List<InputPrint> inputs;
  private final Map<ChunkLevel, int[]> inputsByLevel = new EnumMap<>(ChunkLevel.class);
  private final FingerprintMap[] matched;
  private final List<long[]> perResult = new ArrayList<>();
  private final long maxDecoded;
  private long bytesRead;

  CopyScan(List<InputPrint> inputs) {
    this.inputs = List.copyOf(inputs);
    this.matched = new FingerprintMap[inputs.size()];
    long total = 0;
    for (int i = 0; i < inputs.size(); i++) {
      matched[i] = new FingerprintMap(16);
      total += inputs.get(i).size();
      ChunkLevel level = inputs.get(i).level();
      int[] old = inputsByLevel.get(level);
      int[] grown = old == null ? new int[1] : Arrays.copyOf(old, old.length + 1);
      grown[grown.length - 1] = i;
      inputsByLevel.put(level, grown);
    }
    // a copy shows long before this much has been decompressed; more would only cost time
    this.maxDecoded = 2 * total + (1 << 20);
  }

  /**
   * Reads one result to its end and counts its matches; results are numbered in the order they are
   * scanned, from 0.
   *
   * @throws IOException if the stream fails or the thread is interrupted ({@link
   *     InterruptedIOException})
   */
  int scan(InputStream in) throws IOException {
    long[] tally = new long[inputs.size()];
    perResult.add(tally);
    if (inputs.isEmpty()) {
      return perResult.size() - 1; // nothing to find
    }
    ByteSink raw = views(tally);
    byte[] buffer = new byte[InputPrint.BUFFER];
    int n;
    while ((n = in.read(buffer)) != -1) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedIOException("interrupted while checking a result for input copies");
      }
      raw.write(buffer, 0, n);
      bytesRead += n;
    }
    raw.finish();
    return perResult.size() - 1;
  }

  /** Bytes read from results so far. */
  long bytesRead() {
    return bytesRead;
  }

  /** Distinct bytes of input {@code input} found in the job's results so far. */
  long matchedBytes(int input) {
    return matched[input].totalLength();
  }

  /** Bytes of input {@code input} found in result {@code result} (repeats counted). */
  long matchedBytes(int result, int input) {
    return perResult.get(result)[input];
  }

  InputPrint input(int input) {
    return inputs.get(input);
  }

  int inputCount() {
    return inputs.size();
  }

  private ByteSink views(long[] tally) {
    ByteSink decodedGzip = new GzipView(chunkers(tally), maxDecoded);
    ByteSink base64 =
        new Base64View(fanOut(chunkers(tally), new GzipView(chunkers(tally), maxDecoded)));
    ByteSink hex = new HexView(fanOut(chunkers(tally), new GzipView(chunkers(tally), maxDecoded)));
    return fanOut(chunkers(tally), decodedGzip, base64, hex);
  }

  private ByteSink chunkers(long[] tally) {
    List<ByteSink> chunkers = new ArrayList<>();
    for (Map.Entry<ChunkLevel, int[]> e : inputsByLevel.entrySet()) {
      int[] candidates = e.getValue();
      chunkers.add(
          new Chunker(e.getKey(), (fingerprint, length) -> match(candidates, tally, fingerprint)));
    }
    return fanOut(chunkers.toArray(new ByteSink[0]));
  }

  private void match(int[] candidates, long[] tally, long fingerprint) {
    for (int input : candidates) {
      int length = inputs.get(input).chunkLength(fingerprint);
      if (length >= 0) {
        tally[input] += length;
        matched[input].add(fingerprint, length);
      }
    }
  }

  private static ByteSink fanOut(ByteSink... sinks) {
    if (sinks.length == 1) {
      return sinks[0];
    }
    return new ByteSink() {
      @Override
      public void write(byte[] b, int off, int len) {
        for (ByteSink sink : sinks) {
          sink.write(b, off, len);
        }
      }

      @Override
      public void finish() {
        for (ByteSink sink : sinks) {
          sink.finish();
        }
      }
    };
  }
}
