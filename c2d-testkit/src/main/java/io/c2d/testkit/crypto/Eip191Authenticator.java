package io.c2d.testkit.crypto;

import static java.util.Objects.requireNonNull;

import io.c2d.AuthenticationException;
import io.c2d.ErrorCode;
import io.c2d.model.EthAddress;
import io.c2d.spi.auth.ConsumerAuthenticator;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A {@link ConsumerAuthenticator} for EIP-191 {@code personal_sign} signatures, in pure Java: it
 * hashes {@code "\x19Ethereum Signed Message:\n" + message.length + message} with Keccak-256 and
 * recovers the secp256k1 public key, and so the address, from the 65-byte {@code r || s || v}
 * signature.
 *
 * <p>Accepted signatures are {@code 0x} followed by exactly 130 hexadecimal digits, with {@code v}
 * 27, 28, 0 or 1 and {@code r} and {@code s} in {@code [1, n − 1]}. High-{@code s} signatures are
 * accepted, for compatibility with signers that do not normalise {@code s}. Anything else fails
 * with an {@link AuthenticationException} whose code is {@link ErrorCode#SIGNATURE_INVALID}, as
 * does a signature from which no public key can be recovered. A well-formed signature by another
 * key recovers another address; comparing it with the expected consumer is the caller's job.
 *
 * <p>This implementation is not constant-time and is meant for tests and development; production
 * deployments use the web3j-based implementation in {@code c2d-keeper}. A recovery takes on the
 * order of a millisecond.
 *
 * <p>Stateless and thread-safe. Arguments must not be null.
 */
public final class Eip191Authenticator implements ConsumerAuthenticator {
  private static final Eip191Authenticator INSTANCE = new Eip191Authenticator();
  private static final int SIGNATURE_HEX_LENGTH = 2 + 2 * 65;

  private Eip191Authenticator() {}

  /** Returns the authenticator; it holds no state, so every call returns the same instance. */
  public static Eip191Authenticator create() {
    return INSTANCE;
  }

  /**
   * {@inheritDoc}
   *
   * @throws AuthenticationException with {@link ErrorCode#SIGNATURE_INVALID} if {@code signature}
   *     is not {@code 0x} and 130 hex digits, {@code v} is not 27, 28, 0 or 1, {@code r} or {@code
   *     s} is out of range, or no public key can be recovered
   */
  @Override
  public EthAddress recoverSigner(byte[] message, String signature) {
    requireNonNull(message, "message");
    requireNonNull(signature, "signature");
    byte[] bytes = parse(signature);
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(bytes, 0, 32));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(bytes, 32, 64));
    int v = bytes[64] & 0xFF;
    int recId;
    if (v == 27 || v == 28) {
      recId = v - 27;
    } else if (v == 0 || v == 1) {
      recId = v;
    } else {
      throw invalid("expected v to be 27, 28, 0 or 1 but got " + v);
    }
    if (r.signum() == 0 || r.compareTo(Secp256k1.N) >= 0) {
      throw invalid("expected r in [1, n - 1] of secp256k1 but it is out of range");
    }
    if (s.signum() == 0 || s.compareTo(Secp256k1.N) >= 0) {
      throw invalid("expected s in [1, n - 1] of secp256k1 but it is out of range");
    }
    byte[] publicKey;
    try {
      publicKey = Secp256k1.recoverPublicKey(EthereumKey.personalMessageHash(message), r, s, recId);
    } catch (IllegalArgumentException e) {
      throw new AuthenticationException(
          ErrorCode.SIGNATURE_INVALID, "no public key can be recovered: " + e.getMessage(), e);
    }
    return EthereumKey.addressOf(publicKey);
  }

  private static byte[] parse(String signature) {
    if (signature.length() != SIGNATURE_HEX_LENGTH
        || !(signature.startsWith("0x") || signature.startsWith("0X"))) {
      throw invalid(
          "expected 0x and 130 hex digits (r || s || v, 65 bytes) but got "
              + signature.length()
              + " characters"
              + (signature.startsWith("0x") || signature.startsWith("0X") ? "" : " without 0x"));
    }
    try {
      return HexFormat.of().parseHex(signature, 2, signature.length());
    } catch (IllegalArgumentException e) {
      throw new AuthenticationException(
          ErrorCode.SIGNATURE_INVALID,
          "expected 0x and 130 hex digits but the signature contains a non-hex character",
          e);
    }
  }

  private static AuthenticationException invalid(String message) {
    return new AuthenticationException(ErrorCode.SIGNATURE_INVALID, message);
  }

  @Override
  public String toString() {
    return "Eip191Authenticator";
  }
}
