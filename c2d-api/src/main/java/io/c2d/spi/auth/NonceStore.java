package io.c2d.spi.auth;

import io.c2d.model.EthAddress;
import java.time.Instant;

/**
 * Remembers which nonces each consumer has used, so a replayed signed request is refused. The
 * engine's default is the durable {@code io.c2d.FileNonceStore} below its state directory, or,
 * without one, memory until their request expires (a restart then forgets them); another durable
 * store plugs in here.
 *
 * <p>Implementations must be thread-safe, and {@link #markUsed} must be atomic: of two concurrent
 * calls with the same consumer and nonce, exactly one returns true. A store that cannot record a
 * nonce fails closed: it throws (a {@code C2dException} such as {@code UnavailableException}, which
 * the engine passes on as the request's refusal) rather than return true.
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
