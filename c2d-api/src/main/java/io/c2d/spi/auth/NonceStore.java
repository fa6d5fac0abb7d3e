package io.c2d.spi.auth;

import io.c2d.model.EthAddress;
import java.time.Instant;

/**
 * Remembers which nonces each consumer has used, so a replayed signed request is refused. The
 * engine's default keeps them in memory until their request expires; a provider that must refuse
 * replays across restarts plugs in a durable store.
 *
 * <p>Implementations must be thread-safe, and {@link #markUsed} must be atomic: of two concurrent
 * calls with the same consumer and nonce, exactly one returns true.
 */
@FunctionalInterface
public interface NonceStore {

  /**
   * Records that {@code consumer} used {@code nonce}, remembering it at least until {@code
   * expiresAt} (after which the signed request is refused anyway).
   *
   * @return true if the nonce was fresh, false if it had been used before
   */
  boolean markUsed(EthAddress consumer, String nonce, Instant expiresAt);
}
