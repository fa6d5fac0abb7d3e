package io.c2d.server;

import static java.util.Objects.requireNonNull;

import io.c2d.model.ComputeRequest;
import io.c2d.model.EthAddress;
import java.math.BigInteger;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * A consumer's secp256k1 key, signing compute requests as a consumer's client does: EIP-191 {@code
 * personal_sign} of {@link ComputeRequest#signingMessage(long, EthAddress)}, with web3j.
 *
 * <p>Immutable and thread-safe; {@link #toString()} does not reveal the private key.
 */
final class ConsumerKey {
  /**
   * The main job's default consumer: anvil's and Hardhat's development account #0, {@code
   * 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266}. This private key is a PUBLIC TEST KEY, printed by
   * every anvil and Hardhat node: it protects nothing and must never hold real funds.
   */
  static final String DEMO_CONSUMER_PRIVATE_KEY =
      "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

  private final ECKeyPair keyPair;
  private final EthAddress address;

  private ConsumerKey(BigInteger privateKey) {
    this.keyPair = ECKeyPair.create(privateKey);
    this.address = EthAddress.of("0x" + Keys.getAddress(keyPair));
  }

  /**
   * The key with the private key {@code hex}: 1 to 64 hexadecimal digits, with or without {@code
   * 0x}.
   *
   * @throws IllegalArgumentException if it is not that, or not a valid secp256k1 private key; the
   *     message does not repeat the value
   */
  static ConsumerKey of(String hex) {
    requireNonNull(hex, "hex");
    String digits = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
    if (digits.isEmpty()
        || digits.length() > 64
        || !digits.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw new IllegalArgumentException(
          "the private key must be 1 to 64 hex digits, with or without 0x");
    }
    BigInteger key = new BigInteger(digits, 16);
    if (key.signum() == 0 || key.compareTo(Sign.CURVE_PARAMS.getN()) >= 0) {
      throw new IllegalArgumentException(
          "the private key must be in [1, n - 1] of secp256k1 but is not");
    }
    return new ConsumerKey(key);
  }

  /** The consumer's account address. */
  EthAddress address() {
    return address;
  }

  /**
   * Builds {@code request} for this consumer and signs it for {@code provider} on chain {@code
   * chainId}; the builder must have everything but the consumer and the signature.
   *
   * @throws io.c2d.InvalidRequestException if the request is incomplete or invalid
   */
  ComputeRequest sign(ComputeRequest.Builder request, long chainId, EthAddress provider) {
    ComputeRequest unsigned = request.consumer(address).buildUnsigned();
    return request.signature(personalSign(unsigned.signingMessage(chainId, provider))).build();
  }

  /** {@code personal_sign} of {@code message}: {@code 0x} and {@code r || s || v}, v 27 or 28. */
  String personalSign(byte[] message) {
    Sign.SignatureData signature = Sign.signPrefixedMessage(message, keyPair);
    byte[] out = new byte[65];
    System.arraycopy(signature.getR(), 0, out, 0, 32);
    System.arraycopy(signature.getS(), 0, out, 32, 32);
    out[64] = signature.getV()[0];
    return Numeric.toHexString(out);
  }

  @Override
  public String toString() {
    return "ConsumerKey[" + address + "]";
  }
}
