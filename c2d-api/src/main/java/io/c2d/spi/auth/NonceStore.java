package io.c2d.spi.auth;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.model.EthAddress;
import java.math.BigInteger;
import java.time.Instant;

/**
 * Remembers which nonces each consumer has used, so a replayed signed request is refused. The
 * engine's default is the durable {@code io.c2d.FileNonceStore} below its state directory, or,
 * without one, memory (a restart then forgets them); another durable store plugs in here.
 *
 * <p>It keeps two kinds of nonce, in separate namespaces:
 *
 * <ul>
 *   <li>c2d's own signed requests: nonces used once ({@link #markUsed}), remembered until the
 *       request's expiry;
 *   <li>Ocean's signed calls ({@link io.c2d.model.OceanSignature}): one counter per consumer
 *       ({@link #advanceCounter}), which only grows and never expires, because Ocean's signed
 *       message has no expiry.
 * </ul>
 *
 * <p>Implementations must be thread-safe, and {@link #markUsed} and {@link #advanceCounter} must be
 * atomic: of two concurrent calls with the same consumer and nonce, exactly one returns true. A
 * store that cannot record a nonce fails closed: it throws (a {@code C2dException} such as {@code
 * UnavailableException}, which the engine passes on as the request's refusal) rather than return
 * true. A durable store must never return a counter lower than one it accepted before a restart.
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

  /**
   * The last Ocean counter value accepted for {@code consumer} ({@link #advanceCounter}), or zero
   * if none was; what Ocean's {@code GET nonce?userAddress=} answers.
   *
   * <p>The default refuses: a store written before Ocean's counters cannot keep them.
   *
   * @throws ConfigurationException ({@link ErrorCode#CONFIGURATION_INVALID}) if this store keeps no
   *     counters
   */
  default BigInteger counter(EthAddress consumer) {
    throw noCounters(this);
  }

  /**
   * Advances {@code consumer}'s Ocean counter to {@code nonce} if {@code nonce} is strictly greater
   * than the last value accepted (zero if none), atomically, and durably before it returns true.
   * Gaps are allowed.
   *
   * <p>The default refuses: a store written before Ocean's counters cannot keep them.
   *
   * @param nonce a non-negative value
   * @return true if the counter advanced to {@code nonce}; false if {@code nonce} is not greater
   *     than the last value accepted (a replayed or stale call)
   * @throws ConfigurationException ({@link ErrorCode#CONFIGURATION_INVALID}) if this store keeps no
   *     counters
   */
  default boolean advanceCounter(EthAddress consumer, BigInteger nonce) {
    throw noCounters(this);
  }

  private static ConfigurationException noCounters(NonceStore store) {
    return new ConfigurationException(
        ErrorCode.CONFIGURATION_INVALID,
        "the nonce store "
            + store.getClass().getName()
            + " keeps no Ocean nonce counters, so Ocean-format signed calls are refused; "
            + "implement NonceStore.counter and advanceCounter or use FileNonceStore");
  }
}
