package io.c2d;

import io.c2d.model.EthAddress;
import io.c2d.spi.auth.NonceStore;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default {@link NonceStore}: used nonces in memory until their request expires. Nonces are
 * also filed by the second they expire in, so that a sweep (every {@value #SWEEP_EVERY} insertions)
 * touches only the expired ones, never the whole store.
 */
final class InMemoryNonceStore implements NonceStore {
  private static final int SWEEP_EVERY = 1024;

  private final ConcurrentHashMap<String, Instant> used = new ConcurrentHashMap<>();
  private final ConcurrentSkipListMap<Long, Queue<String>> byExpirySecond =
      new ConcurrentSkipListMap<>();
  private final AtomicInteger insertions = new AtomicInteger();
  private final Clock clock;

  InMemoryNonceStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public boolean markUsed(EthAddress consumer, String nonce, Instant expiresAt) {
    String key = consumer.value() + '/' + nonce;
    if (used.putIfAbsent(key, expiresAt) != null) {
      return false;
    }
    byExpirySecond
        .computeIfAbsent(expiresAt.getEpochSecond(), second -> new ConcurrentLinkedQueue<>())
        .add(key);
    if (insertions.incrementAndGet() % SWEEP_EVERY == 0) {
      sweep(clock.instant());
    }
    return true;
  }

  private void sweep(Instant now) {
    Map.Entry<Long, Queue<String>> expired;
    while ((expired = byExpirySecond.firstEntry()) != null
        && expired.getKey() < now.getEpochSecond()) {
      if (byExpirySecond.remove(expired.getKey(), expired.getValue())) {
        for (String key : expired.getValue()) {
          used.remove(key);
        }
      }
    }
  }

  int size() {
    return used.size();
  }
}
