package io.c2d;

import io.c2d.model.EthAddress;
import io.c2d.spi.auth.NonceStore;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link NonceStore} without a state directory: used nonces in memory until their request
 * expires, and Ocean's counters in memory for the life of the process (a restart resets them to
 * zero, which reopens every earlier Ocean-format signature: production uses {@link
 * FileNonceStore}). Nonces are also filed by the second they expire in, so that a sweep (every
 * {@value #SWEEP_EVERY} insertions) touches only the expired ones, never the whole store.
 * Thread-safe.
 */
final class InMemoryNonceStore implements NonceStore {
  private static final int SWEEP_EVERY = 1024;

  private final ConcurrentHashMap<String, Instant> used = new ConcurrentHashMap<>();
  private final ConcurrentSkipListMap<Long, Queue<String>> byExpirySecond =
      new ConcurrentSkipListMap<>();
  private final ConcurrentHashMap<EthAddress, BigInteger> counters = new ConcurrentHashMap<>();
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

  @Override
  public BigInteger counter(EthAddress consumer) {
    return counters.getOrDefault(consumer, BigInteger.ZERO);
  }

  @Override
  public boolean advanceCounter(EthAddress consumer, BigInteger nonce) {
    if (nonce.signum() <= 0) {
      return false;
    }
    // The map's per-key atomic update is the compare-and-advance: one of two racing calls wins.
    boolean[] advanced = new boolean[1];
    counters.compute(
        consumer,
        (key, last) -> {
          if (last == null || nonce.compareTo(last) > 0) {
            advanced[0] = true;
            return nonce;
          }
          return last;
        });
    return advanced[0];
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
