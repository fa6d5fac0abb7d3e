package io.c2d.filter;

import io.c2d.model.Sha256;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * The inputs' fingerprints, by content SHA-256, least recently used evicted first once their weight
 * (about 12 bytes a fingerprint) passes the bound. An input is fingerprinted once and reused by
 * every later job on it for as long as it stays in the cache.
 *
 * <p>Thread-safe (one lock; the work of fingerprinting happens outside it).
 */
final class PrintCache {
  private final long maxWeight;
  private final LinkedHashMap<String, InputPrint> prints = new LinkedHashMap<>(16, 0.75f, true);
  private final ConcurrentHashMap<String, CompletableFuture<InputPrint>> inFlight =
      new ConcurrentHashMap<>();
  private long weight;

  PrintCache(long maxWeight) {
    this.maxWeight = maxWeight;
  }

  /** Computes a print from an input. */
  @FunctionalInterface
  interface Computation {
    InputPrint compute() throws IOException;
  }

  /**
   * The cached print of the input with {@code sha256}, else the one {@code computation} makes
   * (cached then), else, when another thread is computing it, that one's.
   *
   * @throws IOException if the computation fails, or the thread is interrupted while it waits
   */
  InputPrint getOrCompute(Sha256 sha256, Computation computation) throws IOException {
    InputPrint cached = get(sha256);
    if (cached != null) {
      return cached;
    }
    String key = sha256.hex();
    CompletableFuture<InputPrint> mine = new CompletableFuture<>();
    CompletableFuture<InputPrint> other = inFlight.putIfAbsent(key, mine);
    if (other != null) {
      try {
        return other.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for an input's fingerprints");
      } catch (ExecutionException e) {
        // the other job could not read it; this one tries on its own
        InputPrint print = computation.compute();
        put(print);
        return print;
      }
    }
    try {
      InputPrint print = get(sha256);
      if (print == null) {
        print = computation.compute();
        put(print);
      }
      mine.complete(print);
      return print;
    } catch (IOException | RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.remove(key, mine);
    }
  }

  synchronized @Nullable InputPrint get(Sha256 sha256) {
    return prints.get(sha256.hex());
  }

  synchronized void put(InputPrint print) {
    InputPrint old = prints.put(print.sha256().hex(), print);
    if (old != null) {
      weight -= old.weight();
    }
    weight += print.weight();
    var it = prints.entrySet().iterator();
    while (weight > maxWeight && it.hasNext()) {
      Map.Entry<String, InputPrint> eldest = it.next();
      if (eldest.getValue() == print) {
        continue; // the newest stays, even alone over the bound
      }
      weight -= eldest.getValue().weight();
      it.remove();
    }
  }

  synchronized int size() {
    return prints.size();
  }

  synchronized long weight() {
    return weight;
  }

  synchronized void clear() {
    prints.clear();
    weight = 0;
  }
}
