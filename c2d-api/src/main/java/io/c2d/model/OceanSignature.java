package io.c2d.model;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.c2d.InvalidRequestException;
import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * The three fields of an Ocean-format signed call ({@code consumerAddress}, {@code nonce}, {@code
 * signature}), as ocean.js 8.x and ocean-node make and check them: the consumer signs, with EIP-191
 * {@code personal_sign}, the raw bytes of {@code keccak256(UTF-8(consumerAddress + nonce +
 * command))} as a minimal big-endian number ({@link #signedDigestBytes}: ethers' {@code toBeArray},
 * so a digest that starts with zero bytes is signed without them), where {@code consumerAddress} is
 * the address string exactly as sent (ocean.js sends the EIP-55 checksummed form), {@code nonce} a
 * decimal counter and {@code command} the call's name ({@code startCompute}, {@code
 * freeStartCompute}, {@code stopCompute}, {@code getComputeResult}, {@code
 * getComputeStreamableLogs}, ...). The engine checks it with {@code ComputeEngine.authenticate} or,
 * for a start, through {@code ComputeRequest.Builder.oceanSignature}.
 *
 * <h2>What the format does not bind</h2>
 *
 * Unlike c2d's own signed format ({@link ComputeRequest#signingMessage(long, EthAddress)}), the
 * signed message names neither the chain, nor the provider, nor the request's body (datasets,
 * algorithm, environment, resources, job id), and it has no expiry. c2d compensates with the nonce:
 * per consumer it is a counter that must be strictly greater than the last one accepted, checked
 * and advanced atomically and kept durably (a restart never lowers it), so a signature is accepted
 * at most once, by the first provider that sees it, and never again after a later one. What the
 * format still cannot prevent is that whoever holds a signed call before the provider does (a
 * proxy, a log) may send it first with another body, or to another provider that shares the
 * consumer's counter value; serve it over TLS only.
 *
 * <p>Immutable and thread-safe. Null-free: every accessor returns a value.
 */
public final class OceanSignature {
  /** Ocean's command of a paid start. */
  public static final String START_COMPUTE = "startCompute";

  /** Ocean's command of a free start. */
  public static final String FREE_START_COMPUTE = "freeStartCompute";

  /** Ocean's command of a stop. */
  public static final String STOP_COMPUTE = "stopCompute";

  /** Ocean's command of a result download. */
  public static final String GET_COMPUTE_RESULT = "getComputeResult";

  /** Ocean's command of the live logs of a running job. */
  public static final String GET_COMPUTE_STREAMABLE_LOGS = "getComputeStreamableLogs";

  /**
   * c2d's command of a job's deletion ({@code DELETE} on the compute endpoint, which ocean-node
   * does not implement and ocean.js 8.6.2 does not call).
   */
  public static final String DELETE_COMPUTE = "deleteCompute";

  /**
   * The bytes Ocean's clients sign for a Keccak-256 digest: the digest without its leading zero
   * bytes. ocean.js 8.6.2 signs {@code signer.signMessage(toBeArray(keccak256(...)))}, and ethers'
   * {@code toBeArray} gives a number's minimal big-endian bytes, so for the one digest in 256 that
   * starts with {@code 0x00} the EIP-191 message is 31 bytes long (one in 65,536: 30), with that
   * length in its prefix; ocean-node recovers over the same bytes. A signer or checker that used
   * all 32 bytes would disagree with them on those digests.
   *
   * @param digest a Keccak-256 digest, 32 bytes
   * @return a new array: {@code digest} without its leading zero bytes (empty if all are zero)
   * @throws IllegalArgumentException if {@code digest} is not 32 bytes long
   */
  public static byte[] signedDigestBytes(byte[] digest) {
    requireNonNull(digest, "digest");
    if (digest.length != 32) {
      throw new IllegalArgumentException("a digest is 32 bytes but got " + digest.length);
    }
    int start = 0;
    while (start < digest.length && digest[start] == 0) {
      start++;
    }
    return java.util.Arrays.copyOfRange(digest, start, digest.length);
  }

  private static final Pattern NONCE = Pattern.compile("[0-9]{1,78}");
  private static final Pattern SIGNATURE = Pattern.compile("0x[0-9a-fA-F]{130}");
  private static final Pattern COMMAND = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

  private final String consumerAddress;
  private final EthAddress consumer;
  private final String nonce;
  private final BigInteger nonceValue;
  private final String signature;

  private OceanSignature(String consumerAddress, String nonce, String signature) {
    this.consumer = EthAddress.parse(consumerAddress, "consumerAddress");
    this.consumerAddress = consumerAddress;
    if (nonce == null || !NONCE.matcher(nonce).matches()) {
      throw new InvalidRequestException(
          "nonce",
          nonce == null
              ? "is missing; expected a decimal number"
              : "expected a decimal number of 1 to 78 digits but got '"
                  + Text.abbreviate(nonce)
                  + "'");
    }
    this.nonce = nonce;
    this.nonceValue = new BigInteger(nonce);
    if (signature == null || !SIGNATURE.matcher(signature).matches()) {
      throw new InvalidRequestException(
          "signature",
          signature == null
              ? "is missing; expected 0x and 130 hex digits (65 bytes r || s || v)"
              : "expected 0x and 130 hex digits (65 bytes r || s || v)");
    }
    this.signature = signature;
  }

  /**
   * Validates the three fields as received.
   *
   * @param consumerAddress the consumer's address exactly as sent (kept verbatim: it is signed so)
   * @param nonce a decimal number of 1 to 78 digits
   * @param signature {@code 0x} and 130 hex digits, {@code r || s || v}
   * @throws InvalidRequestException naming {@code consumerAddress}, {@code nonce} or {@code
   *     signature} if one is null or malformed
   */
  public static OceanSignature of(String consumerAddress, String nonce, String signature) {
    return new OceanSignature(consumerAddress, nonce, signature);
  }

  /** The consumer's address as sent, such as its EIP-55 form; what the consumer signed. */
  public String consumerAddress() {
    return consumerAddress;
  }

  /** The consumer's address, normalised. */
  public EthAddress consumer() {
    return consumer;
  }

  /** The nonce as sent. */
  public String nonce() {
    return nonce;
  }

  /** The nonce's value, the counter the engine compares. */
  public BigInteger nonceValue() {
    return nonceValue;
  }

  /** The signature, {@code 0x} and 130 hex digits. */
  public String signature() {
    return signature;
  }

  /**
   * The bytes whose Keccak-256 digest the consumer signed for {@code command}: UTF-8 of {@code
   * consumerAddress + nonce + command}.
   *
   * @throws IllegalArgumentException if {@code command} is not 1 to 64 letters, digits or {@code _}
   *     starting with a letter
   */
  public byte[] message(String command) {
    return (consumerAddress + nonce + checkCommand(command)).getBytes(UTF_8);
  }

  /** Returns {@code command} if it is a plausible Ocean command name. */
  static String checkCommand(String command) {
    requireNonNull(command, "command");
    if (!COMMAND.matcher(command).matches()) {
      throw new IllegalArgumentException(
          "command must be 1 to 64 letters, digits or _ but was '" + command + "'");
    }
    return command;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OceanSignature that
        && consumerAddress.equals(that.consumerAddress)
        && nonce.equals(that.nonce)
        && signature.equals(that.signature);
  }

  @Override
  public int hashCode() {
    return signature.hashCode();
  }

  @Override
  public String toString() {
    return "OceanSignature{consumer=" + consumer + ", nonce=" + nonce + '}';
  }
}
