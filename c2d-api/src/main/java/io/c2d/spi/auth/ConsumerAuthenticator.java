package io.c2d.spi.auth;

import io.c2d.AuthenticationException;
import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.model.EthAddress;

/**
 * Recovers the address that signed a message. The Ethereum implementation (EIP-191 {@code
 * personal_sign} over secp256k1) prefixes the message with {@code "\x19Ethereum Signed Message:\n"
 * + length}, hashes it with Keccak-256 and recovers the public key from the 65-byte {@code r || s
 * || v} signature ({@code v} 27/28 or 0/1).
 *
 * <p>Ocean's signed calls (ocean.js 8.x, ocean-node) sign a digest instead of the message: see
 * {@link #recoverDigestSigner}. An implementation that can hash with Keccak-256 overrides it; the
 * default refuses.
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

  /**
   * Returns the address whose key signed, with EIP-191 {@code personal_sign}, the raw bytes of
   * {@code keccak256(message)} without their leading zero bytes ({@link
   * io.c2d.model.OceanSignature#signedDigestBytes}): the recovery is over {@code
   * keccak256("\x19Ethereum Signed Message:\n32" || keccak256(message))}, or {@code \n31} and 31
   * bytes for a digest that starts with one zero byte. This is Ocean's form ({@code
   * signer.signMessage(toBeArray(keccak256(toUtf8Bytes(consumerAddress + nonce + command))))} in
   * ocean.js), see {@link io.c2d.model.OceanSignature}.
   *
   * <p>The default refuses: an authenticator that cannot hash with Keccak-256 cannot check Ocean's
   * calls. c2d-keeper's {@code Web3jAuthenticator} implements it.
   *
   * @param message the bytes whose digest was signed ({@code consumerAddress + nonce + command})
   * @param signature the signature as {@code 0x}-prefixed hex
   * @throws AuthenticationException with {@link io.c2d.ErrorCode#SIGNATURE_INVALID} if the
   *     signature is malformed or no key can be recovered from it
   * @throws ConfigurationException ({@link ErrorCode#CONFIGURATION_INVALID}) if this authenticator
   *     cannot check Ocean's signatures
   */
  default EthAddress recoverDigestSigner(byte[] message, String signature) {
    throw new ConfigurationException(
        ErrorCode.CONFIGURATION_INVALID,
        "the consumer authenticator "
            + getClass().getName()
            + " cannot check Ocean-format signatures (keccak256 digest signed with EIP-191); "
            + "configure one that can, such as c2d-keeper's Web3jAuthenticator");
  }
}
