package io.c2d.testkit;

import static java.util.Objects.requireNonNull;

import io.c2d.AuthenticationException;
import io.c2d.ErrorCode;
import io.c2d.model.EthAddress;
import io.c2d.model.OceanSignature;
import io.c2d.spi.auth.ConsumerAuthenticator;
import java.security.SignatureException;
import java.util.Arrays;
import java.util.HexFormat;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * A {@link ConsumerAuthenticator} for engines under test: recovers the signer of an EIP-191 {@code
 * personal_sign} signature, such as those {@link EthereumKey#personalSign} and {@link TestRequests}
 * make, with web3j's secp256k1 ({@code org.web3j:crypto}).
 *
 * <pre>{@code
 * ComputeEngine engine = ComputeEngine.builder()
 *     .backend(InMemoryComputeBackend.create(environment))
 *     .verifier(FakeAgreementVerifier.allowAll())
 *     .authenticator(TestAuthenticator.create())
 *     .chainId(8996).providerAddress(EthereumKey.CAROL.address())
 *     .build();
 * }</pre>
 *
 * <p><b>For tests.</b> The production authenticator is c2d-keeper's {@code Web3jAuthenticator},
 * selected with {@code c2d.authenticator=web3j} (or its older name {@code eip191}); it also refuses
 * {@code r} and {@code s} outside the secp256k1 group. This one exists because the testkit's
 * conformance kits build engines and cannot depend on c2d-keeper, whose own tests use the testkit.
 * It is registered under no provider name, so configuration never selects it.
 *
 * <p>Signatures must be {@code 0x} and 130 hexadecimal digits ({@code r || s || v}, {@code v} 27,
 * 28, 0 or 1); anything else, or a signature from which no key can be recovered, fails with an
 * {@link AuthenticationException} whose code is {@link ErrorCode#SIGNATURE_INVALID}. Stateless and
 * thread-safe; arguments must not be null.
 */
public final class TestAuthenticator implements ConsumerAuthenticator {
  private static final TestAuthenticator INSTANCE = new TestAuthenticator();

  private TestAuthenticator() {}

  /** Returns the authenticator; it holds no state, so every call returns the same instance. */
  public static TestAuthenticator create() {
    return INSTANCE;
  }

  /**
   * {@inheritDoc}
   *
   * @throws AuthenticationException with {@link ErrorCode#SIGNATURE_INVALID} if {@code signature}
   *     is not {@code 0x} and 130 hex digits, {@code v} is not 27, 28, 0 or 1, or no key can be
   *     recovered
   */
  @Override
  public EthAddress recoverSigner(byte[] message, String signature) {
    requireNonNull(message, "message");
    requireNonNull(signature, "signature");
    if (signature.length() != 132 || !signature.startsWith("0x")) {
      throw invalid("expected 0x and 130 hex digits but got " + signature.length() + " characters");
    }
    byte[] bytes;
    try {
      bytes = HexFormat.of().parseHex(signature, 2, signature.length());
    } catch (IllegalArgumentException e) {
      throw invalid("a character of the signature is not hex");
    }
    int v = bytes[64] & 0xFF;
    if (v == 0 || v == 1) {
      v += 27;
    }
    if (v != 27 && v != 28) {
      throw invalid("expected v to be 27, 28, 0 or 1 but got " + v);
    }
    Sign.SignatureData data =
        new Sign.SignatureData(
            (byte) v, Arrays.copyOfRange(bytes, 0, 32), Arrays.copyOfRange(bytes, 32, 64));
    try {
      return EthAddress.of("0x" + Keys.getAddress(Sign.signedPrefixedMessageToKey(message, data)));
    } catch (SignatureException | IllegalArgumentException e) {
      throw invalid("no public key can be recovered: " + e.getMessage());
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Recovers over web3j's {@code Hash.sha3(message)} without its leading zero bytes ({@link
   * OceanSignature#signedDigestBytes}), as ocean.js signs; the signature checks are those of {@link
   * #recoverSigner}.
   */
  @Override
  public EthAddress recoverDigestSigner(byte[] message, String signature) {
    requireNonNull(message, "message");
    return recoverSigner(OceanSignature.signedDigestBytes(Hash.sha3(message)), signature);
  }

  private static AuthenticationException invalid(String message) {
    return new AuthenticationException(ErrorCode.SIGNATURE_INVALID, message);
  }

  @Override
  public String toString() {
    return "TestAuthenticator";
  }
}
