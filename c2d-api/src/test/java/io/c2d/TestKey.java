package io.c2d;

import io.c2d.model.EthAddress;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/** A consumer's secp256k1 key for the engine tests, signing EIP-191 messages with web3j. */
record TestKey(ECKeyPair pair, EthAddress address) {
  static final TestKey ALICE = of(0xA11CE);
  static final TestKey BOB = of(0xB0B);
  static final TestKey CAROL = of(0xCA801);

  static TestKey of(long secret) {
    return of(ECKeyPair.create(BigInteger.valueOf(secret).shiftLeft(128).add(BigInteger.ONE)));
  }

  static TestKey random() {
    try {
      return of(Keys.createEcKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no secure random for a key", e);
    }
  }

  private static TestKey of(ECKeyPair pair) {
    return new TestKey(pair, EthAddress.of("0x" + Keys.getAddress(pair)));
  }

  /** {@code personal_sign}: {@code 0x}, r, s and v (27 or 28) in hex. */
  String personalSign(byte[] message) {
    Sign.SignatureData signature = Sign.signPrefixedMessage(message, pair);
    HexFormat hex = HexFormat.of();
    return "0x"
        + hex.formatHex(signature.getR())
        + hex.formatHex(signature.getS())
        + hex.formatHex(signature.getV());
  }
}
