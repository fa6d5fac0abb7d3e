package io.c2d.spi.auth;

import io.c2d.AuthenticationException;
import io.c2d.model.EthAddress;

/**
 * Recovers the address that signed a message. The Ethereum implementation (EIP-191 {@code
 * personal_sign} over secp256k1) prefixes the message with {@code "\x19Ethereum Signed Message:\n"
 * + length}, hashes it with Keccak-256 and recovers the public key from the 65-byte {@code r || s
 * || v} signature ({@code v} 27/28 or 0/1).
 *
 * <p>The engine calls it exactly once per request, on its executor. Implementations must be
 * thread-safe and must not block on I/O.
 */
public interface ConsumerAuthenticator {

  /**
   * Returns the address whose key signed {@code message}.
   *
   * @param message the exact bytes that were signed (before any EIP-191 prefix)
   * @param signature the signature as {@code 0x}-prefixed hex
   * @throws AuthenticationException with {@link io.c2d.ErrorCode#SIGNATURE_INVALID} if the
   *     signature is malformed or no key can be recovered from it
   */
  EthAddress recoverSigner(byte[] message, String signature);
}
