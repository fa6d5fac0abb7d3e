package io.c2d;

import io.c2d.model.EthAddress;
import io.c2d.spi.auth.NonceStore;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default {@link NonceStore}: used nonces in memory until their request expires. Expired
 * entries are swept every {@value #SWEEP_EVERY} insertions, so memory stays bounded by the number
 * of requests within one signature lifetime.
 */
final class InMemoryNonceStore implements NonceStore {
  private static final int SWEEP_EVERY = 4096;

  private final ConcurrentHashMap<String, Instant> used = new ConcurrentHashMap<>();
  private final AtomicInteger insertions = new AtomicInteger();
  private final Clock clock;

  InMemoryNonceStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public boolean markUsed(EthAddress consumer, String nonce, Instant expiresAt) {
    boolean fresh = used.putIfAbsent(consumer.value() + '/' + nonce, expiresAt) == null;
    if (fresh && insertions.incrementAndGet() % SWEEP_EVERY == 0) {
      Instant now = clock.instant();
      used.values().removeIf(expiry -> expiry.isBefore(now));
    }
    return fresh;
  }

  int size() {
    return used.size();
  }
}
