package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import io.c2d.model.EthAddress;
import java.math.BigInteger;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.web3j.crypto.Keys;

/**
 * Ocean's {@code providerFee} object, signed by the provider: what {@code initializeCompute}
 * returns and what the consumer passes to the datatoken's {@code startOrder}, whose {@code
 * _checkProviderFee} recovers the signer from {@code keccak256(providerData ‖ feeAddress ‖ feeToken
 * ‖ uint256 amount ‖ uint256 validUntil)} (packed, EIP-191 prefixed) and requires it to be {@code
 * feeAddress}. Made by {@link ProviderFeeSigner}.
 *
 * <p>Immutable and thread-safe; nothing is null.
 *
 * @param feeAddress the provider's address, the signer and the receiver of the fee
 * @param feeToken the ERC-20 the fee is paid in; the zero address for none
 * @param amount the fee in the token's wei; zero for none
 * @param providerData the signed data, 0x and hex (the UTF-8 bytes of a JSON text)
 * @param v the signature's recovery byte, 27 or 28
 * @param r the signature's r, 0x and 64 hex digits
 * @param s the signature's s, 0x and 64 hex digits
 * @param validUntil until when the fee is valid (whole seconds); {@link Instant#EPOCH} for ever
 */
public record ProviderFee(
    EthAddress feeAddress,
    EthAddress feeToken,
    BigInteger amount,
    String providerData,
    int v,
    String r,
    String s,
    Instant validUntil) {

  /** Checks the components. */
  public ProviderFee {
    requireNonNull(feeAddress, "feeAddress");
    requireNonNull(feeToken, "feeToken");
    requireNonNull(amount, "amount");
    requireNonNull(providerData, "providerData");
    requireNonNull(r, "r");
    requireNonNull(s, "s");
    requireNonNull(validUntil, "validUntil");
    if (amount.signum() < 0) {
      throw new IllegalArgumentException("amount must not be negative but is " + amount);
    }
  }

  /**
   * The object in Ocean's JSON field names and shapes, as ocean-node answers it: checksummed
   * addresses, {@code providerFeeAmount} as a decimal string, {@code v} and {@code validUntil} as
   * numbers. Insertion-ordered; a new map each call.
   */
  public Map<String, Object> toOceanJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("providerFeeAddress", Keys.toChecksumAddress(feeAddress.value()));
    json.put("providerFeeToken", Keys.toChecksumAddress(feeToken.value()));
    json.put("providerFeeAmount", amount.toString());
    json.put("providerData", providerData);
    json.put("v", v);
    json.put("r", r);
    json.put("s", s);
    json.put("validUntil", validUntil.getEpochSecond());
    return json;
  }
}
