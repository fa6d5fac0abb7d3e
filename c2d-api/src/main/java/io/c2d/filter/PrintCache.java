package io.c2d.filter;

import io.c2d.model.Sha256;
import java.util.LinkedHashMap;
import java.util.Map;
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
  private long weight;

  PrintCache(long maxWeight) {
    this.maxWeight = maxWeight;
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
