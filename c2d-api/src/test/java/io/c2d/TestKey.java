package io.c2d;

import io.c2d.model.EthAddress;
import io.c2d.model.OceanSignature;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
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

  /** The EIP-55 form of the address, which ocean.js sends. */
  String checksumAddress() {
    return Keys.toChecksumAddress(address.value());
  }

  /** Signs an Ocean call as ocean.js does, sending the EIP-55 address. */
  OceanSignature oceanSign(long nonce, String command) {
    return oceanSignAs(checksumAddress(), Long.toString(nonce), command);
  }

  /**
   * Signs {@code keccak256(sentAddress + nonce + command)} with {@code personal_sign}, as
   * ocean.js's {@code signRequest} does, and returns the fields as sent.
   */
  OceanSignature oceanSignAs(String sentAddress, String nonce, String command) {
    byte[] digest = Hash.sha3((sentAddress + nonce + command).getBytes(StandardCharsets.UTF_8));
    return OceanSignature.of(
        sentAddress, nonce, personalSign(OceanSignature.signedDigestBytes(digest)));
  }
}
