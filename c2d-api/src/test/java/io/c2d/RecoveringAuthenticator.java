package io.c2d;

import io.c2d.model.EthAddress;
import io.c2d.model.OceanSignature;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.spi.auth.ConsumerAuthenticatorProvider;
import java.security.SignatureException;
import java.util.Arrays;
import java.util.HexFormat;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * Recovers the EIP-191 signer with web3j, also of Ocean's digest form; the engine tests'
 * authenticator and its provider.
 */
public final class RecoveringAuthenticator implements ConsumerAuthenticator {

  @Override
  public EthAddress recoverSigner(byte[] message, String signature) {
    try {
      byte[] bytes = HexFormat.of().parseHex(signature.substring(2));
      int v = bytes.length == 65 ? bytes[64] & 0xff : -1;
      if (v != 27 && v != 28 && v != 0 && v != 1) {
        throw new SignatureException("not an r, s, v signature");
      }
      Sign.SignatureData data =
          new Sign.SignatureData(
              (byte) (v < 27 ? v + 27 : v),
              Arrays.copyOfRange(bytes, 0, 32),
              Arrays.copyOfRange(bytes, 32, 64));
      return EthAddress.of("0x" + Keys.getAddress(Sign.signedPrefixedMessageToKey(message, data)));
    } catch (SignatureException | RuntimeException e) {
      throw new AuthenticationException(
          ErrorCode.SIGNATURE_INVALID, "no key can be recovered from the signature", e);
    }
  }

  /**
   * Ocean's form: the same recovery over web3j's Keccak-256 digest of the message, without its
   * leading zero bytes as ocean.js signs it.
   */
  @Override
  public EthAddress recoverDigestSigner(byte[] message, String signature) {
    return recoverSigner(OceanSignature.signedDigestBytes(Hash.sha3(message)), signature);
  }

  /** Found by the name {@code test-signer}. */
  public static final class Provider implements ConsumerAuthenticatorProvider {
    @Override
    public String name() {
      return "test-signer";
    }

    @Override
    public ConsumerAuthenticator create(ProviderConfig config) {
      return new RecoveringAuthenticator();
    }
  }
}
