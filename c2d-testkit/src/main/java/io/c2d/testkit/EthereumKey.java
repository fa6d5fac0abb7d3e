package io.c2d.testkit;

import static java.util.Objects.requireNonNull;

import io.c2d.model.EthAddress;
import io.c2d.model.OceanSignature;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * An Ethereum key pair for tests: signs messages the way wallets do for {@code personal_sign}
 * (EIP-191) and knows its address in plain and EIP-55 checksum form. The cryptography is web3j's
 * ({@code org.web3j:crypto}); no web3j type appears in this class's API.
 *
 * <pre>{@code
 * EthereumKey key = EthereumKey.ALICE;
 * String signature = key.personalSign(body);           // 0x + r || s || v, v = 27 or 28
 * EthAddress signer = TestAuthenticator.create().recoverSigner(body, signature);
 * assertThat(signer).isEqualTo(key.address());
 * }</pre>
 *
 * <p><b>TEST-ONLY.</b> The constants {@link #ALICE}, {@link #BOB} and {@link #CAROL} are the first
 * development accounts of anvil and Hardhat, whose private keys are public knowledge: never send
 * real funds to them. Keys are held in ordinary heap memory; do not use this class to protect
 * anything of value.
 *
 * <p>Immutable and thread-safe. Arguments must not be null; {@link #toString()} does not reveal the
 * private key.
 */
public final class EthereumKey {
  private static final BigInteger N = Sign.CURVE_PARAMS.getN();

  /** Anvil/Hardhat account #0, {@code 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266}. TEST-ONLY. */
  public static final EthereumKey ALICE =
      fromPrivateKey("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");

  /** Anvil/Hardhat account #1, {@code 0x70997970C51812dc3A010C7d01b50e0d17dc79C8}. TEST-ONLY. */
  public static final EthereumKey BOB =
      fromPrivateKey("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

  /** Anvil/Hardhat account #2, {@code 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC}. TEST-ONLY. */
  public static final EthereumKey CAROL =
      fromPrivateKey("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");

  private final ECKeyPair keyPair;
  private final EthAddress address;

  private EthereumKey(BigInteger privateKey) {
    this.keyPair = ECKeyPair.create(privateKey);
    this.address = EthAddress.of("0x" + Keys.getAddress(keyPair));
  }

  /**
   * The key with the given private key: up to 64 hexadecimal digits, with or without {@code 0x}.
   *
   * @throws IllegalArgumentException if {@code hex} is not hexadecimal or the key is zero or not
   *     below the secp256k1 group order
   */
  public static EthereumKey fromPrivateKey(String hex) {
    requireNonNull(hex, "hex");
    String digits = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
    if (digits.isEmpty() || digits.length() > 64) {
      throw new IllegalArgumentException(
          "private key must be 1 to 64 hex digits but has " + digits.length());
    }
    BigInteger key;
    try {
      key = new BigInteger(digits, 16);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("private key must be hexadecimal", e);
    }
    if (key.signum() <= 0 || key.compareTo(N) >= 0) {
      throw new IllegalArgumentException(
          "private key must be in [1, n - 1] of secp256k1 but is not");
    }
    return new EthereumKey(key);
  }

  /** A fresh key from {@link SecureRandom}. */
  public static EthereumKey random() {
    SecureRandom random = new SecureRandom();
    while (true) {
      BigInteger key = new BigInteger(256, random);
      if (key.signum() > 0 && key.compareTo(N) < 0) {
        return new EthereumKey(key);
      }
    }
  }

  /** The account address: the last 20 bytes of the Keccak-256 hash of the public key. */
  public EthAddress address() {
    return address;
  }

  /** The address in EIP-55 mixed-case checksum form, such as {@code 0x7E5F4552…5Bdf}. */
  public String checksumAddress() {
    return Keys.toChecksumAddress(address.value());
  }

  /**
   * Signs {@code message} as {@code personal_sign} does: ECDSA over {@code keccak256("\x19Ethereum
   * Signed Message:\n" + message.length + message)} with an RFC 6979 deterministic nonce and low
   * {@code s}. The same key and message always give the same signature.
   *
   * @return {@code 0x} and 130 hex digits: {@code r} (32 bytes), {@code s} (32 bytes), {@code v}
   *     (27 or 28)
   */
  public String personalSign(byte[] message) {
    requireNonNull(message, "message");
    Sign.SignatureData signature = Sign.signPrefixedMessage(message, keyPair);
    byte[] out = new byte[65];
    System.arraycopy(signature.getR(), 0, out, 0, 32);
    System.arraycopy(signature.getS(), 0, out, 32, 32);
    out[64] = signature.getV()[0];
    return Numeric.toHexString(out);
  }

  /**
   * Signs an Ocean call as ocean.js 8.x does ({@code signer.signMessage(arrayify(keccak256(
   * toUtf8Bytes(consumerAddress + nonce + command))))}): {@link #personalSign} of the Keccak-256
   * digest of {@code checksumAddress() + nonce + command}, without its leading zero bytes as
   * ocean.js's {@code toBeArray} drops them ({@link OceanSignature#signedDigestBytes}).
   *
   * @param nonce the decimal nonce, usually the provider's current one plus one
   * @param command the Ocean command, such as {@value OceanSignature#START_COMPUTE}
   * @return the three fields ocean.js sends, with the EIP-55 address as {@code consumerAddress}
   */
  public OceanSignature oceanSign(String nonce, String command) {
    requireNonNull(nonce, "nonce");
    requireNonNull(command, "command");
    String consumerAddress = checksumAddress();
    byte[] digest =
        Hash.sha3(
            (consumerAddress + nonce + command).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return OceanSignature.of(
        consumerAddress, nonce, personalSign(OceanSignature.signedDigestBytes(digest)));
  }

  /** Shows the address only, never the private key. */
  @Override
  public String toString() {
    return "EthereumKey[" + checksumAddress() + "]";
  }
}
