package io.c2d.keeper;

import io.c2d.AuthenticationException;
import io.c2d.ErrorCode;
import io.c2d.model.EthAddress;
import io.c2d.model.OceanSignature;
import io.c2d.spi.auth.ConsumerAuthenticator;
import java.math.BigInteger;
import java.security.SignatureException;
import java.util.Arrays;
import java.util.HexFormat;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * The production {@link ConsumerAuthenticator}: recovers the signer of an EIP-191 {@code
 * personal_sign} signature with web3j's secp256k1 (BouncyCastle).
 *
 * <p>Accepts {@code 0x} (or {@code 0X}) and 130 hexadecimal digits: a 65-byte {@code r || s || v}
 * signature with {@code v} of 27/28 or 0/1 and {@code r} and {@code s} in {@code [1, n - 1]} of
 * secp256k1. High-{@code s} signatures are accepted, for signers that do not normalise {@code s}.
 * Anything else, including a signature from which no key can be recovered, fails with an {@link
 * AuthenticationException} whose code is {@link ErrorCode#SIGNATURE_INVALID}. A well-formed
 * signature by another key recovers another address: comparing it with the consumer is the engine's
 * job. It is available to configuration as {@code c2d.authenticator=web3j} and under the older name
 * {@code eip191}.
 *
 * <p>It also checks Ocean's form ({@link #recoverDigestSigner}): the same recovery over the 32-byte
 * Keccak-256 digest of the message (web3j's {@code Hash.sha3}), which is what ocean.js signs.
 *
 * <p>Stateless and thread-safe. Arguments must not be null.
 */
public final class Web3jAuthenticator implements ConsumerAuthenticator {
  private static final int SIGNATURE_HEX_LENGTH = 2 + 2 * 65;
  private static final BigInteger N = Sign.CURVE_PARAMS.getN();

  private Web3jAuthenticator() {}

  /** Creates the authenticator. */
  public static Web3jAuthenticator create() {
    return new Web3jAuthenticator();
  }

  @Override
  public EthAddress recoverSigner(byte[] message, String signature) {
    byte[] bytes = decode(signature);
    int v = bytes[64] & 0xff;
    if (v == 0 || v == 1) {
      v = v + 27;
    }
    if (v != 27 && v != 28) {
      throw invalid("v must be 27, 28, 0 or 1 but is " + v);
    }
    // web3j does not check that r and s lie in [1, n - 1] (it works with s modulo n), so one
    // outside could still recover some key: refuse it, as the pure-Java eip191 one did
    byte[] r = requireInGroup("r", Arrays.copyOfRange(bytes, 0, 32));
    byte[] s = requireInGroup("s", Arrays.copyOfRange(bytes, 32, 64));
    Sign.SignatureData data = new Sign.SignatureData((byte) v, r, s);
    try {
      BigInteger publicKey = Sign.signedPrefixedMessageToKey(message, data);
      return EthAddress.of("0x" + Keys.getAddress(publicKey));
    } catch (SignatureException | IllegalArgumentException e) {
      throw new AuthenticationException(
          ErrorCode.SIGNATURE_INVALID, "no key can be recovered from the signature", e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Recovers from {@code keccak256("\x19Ethereum Signed Message:\n32" || keccak256(message))},
   * with the same checks of the signature as {@link #recoverSigner}; for a digest that starts with
   * zero bytes, over the digest without them, as ocean.js signs it ({@link
   * OceanSignature#signedDigestBytes}).
   */
  @Override
  public EthAddress recoverDigestSigner(byte[] message, String signature) {
    return recoverSigner(OceanSignature.signedDigestBytes(Hash.sha3(message)), signature);
  }

  private static byte[] decode(String signature) {
    if (signature == null
        || signature.length() != SIGNATURE_HEX_LENGTH
        || !(signature.startsWith("0x") || signature.startsWith("0X"))) {
      throw invalid("expected 0x and 130 hex digits");
    }
    try {
      // HexFormat, not web3j's Numeric.hexStringToByteArray: that one turns a non-hex character
      // into some byte, and a corrupted signature would recover a random address
      return HexFormat.of().parseHex(signature, 2, signature.length());
    } catch (IllegalArgumentException e) {
      throw new AuthenticationException(
          ErrorCode.SIGNATURE_INVALID, "malformed signature: a character is not hex", e);
    }
  }

  private static byte[] requireInGroup(String name, byte[] value) {
    BigInteger number = new BigInteger(1, value);
    if (number.signum() == 0 || number.compareTo(N) >= 0) {
      throw invalid(name + " must be in [1, n - 1] of secp256k1 but is not");
    }
    return value;
  }

  private static AuthenticationException invalid(String why) {
    return new AuthenticationException(ErrorCode.SIGNATURE_INVALID, "malformed signature: " + why);
  }
}
