package io.c2d.keeper;

import io.c2d.AuthenticationException;
import io.c2d.ErrorCode;
import io.c2d.model.EthAddress;
import io.c2d.spi.auth.ConsumerAuthenticator;
import java.math.BigInteger;
import java.security.SignatureException;
import java.util.Arrays;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * The production {@link ConsumerAuthenticator}: recovers the signer of an EIP-191 {@code
 * personal_sign} signature with web3j's secp256k1 (BouncyCastle).
 *
 * <p>Accepts 65-byte {@code r || s || v} signatures with {@code v} of 27/28 or 0/1; refuses
 * anything else with {@link ErrorCode#SIGNATURE_INVALID}. Stateless and thread-safe.
 */
public final class Web3jAuthenticator implements ConsumerAuthenticator {
  private static final int SIGNATURE_BYTES = 65;

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
    Sign.SignatureData data =
        new Sign.SignatureData(
            (byte) v, Arrays.copyOfRange(bytes, 0, 32), Arrays.copyOfRange(bytes, 32, 64));
    try {
      BigInteger publicKey = Sign.signedPrefixedMessageToKey(message, data);
      return EthAddress.of("0x" + Keys.getAddress(publicKey));
    } catch (SignatureException | IllegalArgumentException e) {
      throw new AuthenticationException(
          ErrorCode.SIGNATURE_INVALID, "no key can be recovered from the signature", e);
    }
  }

  private static byte[] decode(String signature) {
    if (signature == null || !signature.startsWith("0x") || signature.length() != 132) {
      throw invalid("expected 0x and 130 hex digits");
    }
    try {
      byte[] bytes = Numeric.hexStringToByteArray(signature);
      if (bytes.length != SIGNATURE_BYTES) {
        throw invalid("expected 65 bytes");
      }
      return bytes;
    } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
      throw new AuthenticationException(ErrorCode.SIGNATURE_INVALID, "signature is not hex", e);
    }
  }

  private static AuthenticationException invalid(String why) {
    return new AuthenticationException(ErrorCode.SIGNATURE_INVALID, "malformed signature: " + why);
  }
}
