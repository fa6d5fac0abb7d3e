package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c2d.model.EthAddress;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.web3j.abi.TypeEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * Signs Ocean {@link ProviderFee}s with the provider's key, exactly as the datatoken contract
 * (ERC20Template {@code _checkProviderFee}) checks them and as ocean-node's {@code
 * createProviderFee} makes them: keccak-256 of the packed {@code (bytes providerData, address
 * feeAddress, address feeToken, uint256 amount, uint256 validUntil)}, signed as an EIP-191 message
 * over the 32-byte digest, v as 27 or 28. The fee address is the key's address.
 *
 * <p>The contract checks only the signature; ocean-node (and {@link OrderVerifier}) then read the
 * fee back from the order's {@code ProviderFee} event, so {@link #computeProviderData} writes the
 * fields ocean-node looks for: the environment, the compute validity, the datatoken and the service
 * id.
 *
 * <p>Thread-safe. The key is kept in memory only and never appears in a message.
 */
public final class ProviderFeeSigner {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final EthAddress NO_TOKEN =
      EthAddress.of("0x0000000000000000000000000000000000000000");

  private final Credentials credentials;

  private ProviderFeeSigner(Credentials credentials) {
    this.credentials = credentials;
  }

  /**
   * A signer with the provider's private key: 0x and 64 hex digits.
   *
   * @throws IllegalArgumentException if it is not a private key (the message omits the key)
   */
  public static ProviderFeeSigner create(String providerKey) {
    return new ProviderFeeSigner(PrivateKeys.credentialsOf(providerKey));
  }

  /** The provider's address: the fee address of every fee this signer makes. */
  public EthAddress address() {
    return EthAddress.of(credentials.getAddress());
  }

  /**
   * The {@code providerData} ocean-node signs into a compute fee: the JSON text {@code
   * {"environment":…,"timestamp":…,"dt":…,"id":…}}, with the compute validity as epoch seconds.
   */
  public static String computeProviderData(
      String environmentId, EthAddress datatoken, String serviceId, Instant computeValidUntil) {
    requireNonNull(environmentId, "environmentId");
    requireNonNull(datatoken, "datatoken");
    requireNonNull(serviceId, "serviceId");
    requireNonNull(computeValidUntil, "computeValidUntil");
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("environment", environmentId);
    data.put("timestamp", computeValidUntil.getEpochSecond());
    data.put("dt", datatoken.value());
    data.put("id", serviceId);
    try {
      return JSON.writeValueAsString(data);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write provider data", e);
    }
  }

  /**
   * A fee of nothing (the zero token, amount zero), as ocean-node signs for an escrow-paid compute
   * order: the order then proves only that this provider agreed to serve it.
   */
  public ProviderFee signFree(String providerData, Instant validUntil) {
    return sign(NO_TOKEN, BigInteger.ZERO, providerData, validUntil);
  }

  /**
   * Signs a fee of {@code amount} wei of {@code feeToken} to this provider, over {@code
   * providerData} (a text, signed as its UTF-8 bytes), valid until {@code validUntil} (whole
   * seconds; {@link Instant#EPOCH} for ever).
   *
   * @throws IllegalArgumentException if the amount or the validity is negative
   */
  public ProviderFee sign(
      EthAddress feeToken, BigInteger amount, String providerData, Instant validUntil) {
    requireNonNull(feeToken, "feeToken");
    requireNonNull(amount, "amount");
    requireNonNull(providerData, "providerData");
    requireNonNull(validUntil, "validUntil");
    if (amount.signum() < 0) {
      throw new IllegalArgumentException("amount must not be negative but is " + amount);
    }
    if (validUntil.getEpochSecond() < 0) {
      throw new IllegalArgumentException("validUntil must not be before 1970 but is " + validUntil);
    }
    byte[] data = providerData.getBytes(StandardCharsets.UTF_8);
    BigInteger until = BigInteger.valueOf(validUntil.getEpochSecond());
    String packed =
        TypeEncoder.encodePacked(new DynamicBytes(data))
            + TypeEncoder.encodePacked(new Address(credentials.getAddress()))
            + TypeEncoder.encodePacked(new Address(feeToken.value()))
            + TypeEncoder.encodePacked(new Uint256(amount))
            + TypeEncoder.encodePacked(new Uint256(until));
    byte[] digest = Hash.sha3(Numeric.hexStringToByteArray(packed));
    // signPrefixedMessage adds "\x19Ethereum Signed Message:\n32" and answers v as 27 or 28
    Sign.SignatureData signature = Sign.signPrefixedMessage(digest, credentials.getEcKeyPair());
    return new ProviderFee(
        address(),
        feeToken,
        amount,
        Numeric.toHexString(data),
        Byte.toUnsignedInt(signature.getV()[0]),
        Numeric.toHexString(signature.getR()),
        Numeric.toHexString(signature.getS()),
        Instant.ofEpochSecond(validUntil.getEpochSecond()));
  }

  @Override
  public String toString() {
    return "ProviderFeeSigner{address=" + credentials.getAddress() + "}";
  }
}
