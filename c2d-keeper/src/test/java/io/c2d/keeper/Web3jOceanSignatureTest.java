package io.c2d.keeper;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;
import static io.c2d.testkit.assertj.C2dAssertions.failureOf;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.AuthenticationException;
import io.c2d.C2dException;
import io.c2d.ComputeEngine;
import io.c2d.ErrorCode;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.EthAddress;
import io.c2d.model.FreeLimits;
import io.c2d.model.JobStatus;
import io.c2d.model.OceanSignature;
import io.c2d.model.Resources;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.InMemoryComputeBackend;
import io.c2d.testkit.TestRequests;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * Ocean's signed format with {@link Web3jAuthenticator#recoverDigestSigner}: signatures made by
 * ocean.js itself, the same bytes built with web3j, and the engine's counter rule over them.
 */
final class Web3jOceanSignatureTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ECKeyPair KEY =
      ECKeyPair.create(
          new BigInteger("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", 16));
  private static final String CONSUMER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
  private static final EthAddress ADDRESS = EthAddress.of(CONSUMER);

  /**
   * Made by ocean.js 8.6.2's own {@code signRequest(wallet, consumerAddress + nonce + command)}
   * (ethers 6.17, the anvil/Hardhat development key #0), the function its {@code HttpProvider}
   * signs every compute call with; the same as {@code wallet.signMessage(getBytes(keccak256(
   * toUtf8Bytes(message))))}.
   */
  private static final String[][] OCEAN_JS =
      new String[][] {
        {
          "1",
          "startCompute",
          "0x532411ee5d24ce2b37d7c11035a4a104f61082bd3a78a0eb278655e8944f7fd5"
              + "5feccb3d8baf15732c3257ca62d5cd651bfc7319e830d3a9d69c6ddf272fc7cf1b"
        },
        {
          "2",
          "freeStartCompute",
          "0x51a6b0feef84d17e94a61b9dcca8082dc2fdf915852f6109b86b2f00d7bed5fa"
              + "6fde629fbe2af23054bd8f8d77c70759f01c833a3fbf1a5a0e27afa189fa3b391c"
        },
        {
          "7",
          "getComputeResult",
          "0x59c0b64a735a6c7ded3493b6d0aa2b0d63f089b176718ac2dac2ad432e99fe21"
              + "38349815cc8bf41cfe199011f9ca1bf29155c900c0ae5161d9824797e20c66bb1c"
        },
      };

  /**
   * Made the same way, for nonces whose digest starts with {@code 0x00} (one in 256): ocean.js's
   * {@code toBeArray} drops that byte, so it signs a 31-byte message ({@code "\x19Ethereum Signed
   * Message:\n31"}); over all 32 bytes these recover someone else. Seen on the wire as a random 401
   * of one call in 256 before c2d signed and checked the same bytes.
   */
  private static final String[][] OCEAN_JS_LEADING_ZERO =
      new String[][] {
        {
          "288",
          "getComputeResult",
          "0x53af0681978c1fcc8e3caffe78efdbc1483e64f035d0ab3e101f5882935c6bd9"
              + "6aa5cddb77a800d46de689081109add86673002663c4a98fc550a1b62d24847e1c"
        },
        {
          "138",
          "getComputeStreamableLogs",
          "0xc1513bb3353032616b4812ca29a1bb37f50543acb5b68680b2de1ec4e2aa4944"
              + "6f43441ffb7ebf316fb78e66a5ab906d19b5165182aab81b14c0ea4d76c627ce1c"
        },
      };

  private final Web3jAuthenticator authenticator = Web3jAuthenticator.create();
  private final InMemoryComputeBackend backend =
      InMemoryComputeBackend.create(
          ComputeEnvironment.builder("free")
              .maxPerJob(Resources.of(1, 1024, 2048, 0))
              .freeLimits(FreeLimits.of(Duration.ofMinutes(5), Resources.of(1, 512, 1024, 0), 2, 1))
              .build());
  private final ComputeEngine engine =
      ComputeEngine.builder()
          .backend(backend)
          .verifier(FakeAgreementVerifier.refuseAll("no order is valid here"))
          .authenticator(authenticator)
          .chainId(8996)
          .providerAddress(EthereumKey.CAROL.address())
          .build();

  @AfterEach
  void close() {
    engine.close();
  }

  @Test
  void recoversTheSignerOfWhatOceanJsSigned() {
    for (String[] vector : OCEAN_JS) {
      OceanSignature signature = OceanSignature.of(CONSUMER, vector[0], vector[2]);

      assertThat(authenticator.recoverDigestSigner(signature.message(vector[1]), vector[2]))
          .as(vector[1])
          .isEqualTo(ADDRESS);
    }
  }

  @Test
  void recoversWhatOceanJsSignedForADigestThatStartsWithZero() {
    for (String[] vector : OCEAN_JS_LEADING_ZERO) {
      byte[] message = (CONSUMER + vector[0] + vector[1]).getBytes(StandardCharsets.UTF_8);
      byte[] digest = Hash.sha3(message);
      assertThat(digest[0]).as("the vector's digest starts with a zero byte").isZero();

      assertThat(authenticator.recoverDigestSigner(message, vector[2]))
          .as(vector[1])
          .isEqualTo(ADDRESS);
      assertThat(authenticator.recoverSigner(digest, vector[2]))
          .as("over all 32 bytes: someone else")
          .isNotEqualTo(ADDRESS);
      assertThat(EthereumKey.ALICE.oceanSign(vector[0], vector[1]).signature())
          .as("the testkit's signer signs the same bytes")
          .isEqualTo(vector[2]);
    }
  }

  @Test
  void web3jBuildsTheSameSignatureAsOceanJs() {
    for (String[] vector : OCEAN_JS) {
      byte[] digest =
          Hash.sha3((CONSUMER + vector[0] + vector[1]).getBytes(StandardCharsets.UTF_8));
      Sign.SignatureData signed = Sign.signPrefixedMessage(digest, KEY);
      String hex =
          Numeric.toHexString(signed.getR())
              + Numeric.cleanHexPrefix(Numeric.toHexString(signed.getS()))
              + Numeric.cleanHexPrefix(Numeric.toHexString(signed.getV()));

      assertThat(hex).as("RFC 6979 in both: %s", vector[1]).isEqualTo(vector[2]);
      assertThat(EthereumKey.ALICE.oceanSign(vector[0], vector[1]).signature())
          .as("the testkit's signer")
          .isEqualTo(vector[2]);
    }
  }

  @Test
  void theDigestFormIsNotThePlainFormNorTheHexTextForm() {
    String[] vector = OCEAN_JS[0];
    byte[] message = (CONSUMER + vector[0] + vector[1]).getBytes(StandardCharsets.UTF_8);
    assertThat(authenticator.recoverSigner(message, vector[2]))
        .as("the plain personal_sign of the message recovers someone else")
        .isNotEqualTo(ADDRESS);

    // ocean-node's second form, personal_sign over the digest's 66-character hex text, is not
    // what ocean.js makes, and c2d does not accept it.
    byte[] hexText =
        ("0x" + HexFormat.of().formatHex(Hash.sha3(message))).getBytes(StandardCharsets.UTF_8);
    String overHexText = EthereumKey.ALICE.personalSign(hexText);
    assertThat(authenticator.recoverDigestSigner(message, overHexText)).isNotEqualTo(ADDRESS);
  }

  @Test
  void aMalformedSignatureIsInvalid() {
    byte[] message = OceanSignature.of(CONSUMER, "1", OCEAN_JS[0][2]).message("startCompute");
    String badV = OCEAN_JS[0][2].substring(0, 130) + "05";
    String zeroR = "0x" + "00".repeat(32) + OCEAN_JS[0][2].substring(66);

    assertThatThrownBy(() -> authenticator.recoverDigestSigner(message, badV))
        .isInstanceOf(AuthenticationException.class)
        .extracting(e -> ((AuthenticationException) e).code())
        .isEqualTo(ErrorCode.SIGNATURE_INVALID);
    assertThatThrownBy(() -> authenticator.recoverDigestSigner(message, zeroR))
        .isInstanceOf(AuthenticationException.class);
  }

  @Test
  void theEngineTakesOceanJsCallsOnceEach() {
    OceanSignature result = OceanSignature.of(CONSUMER, OCEAN_JS[2][0], OCEAN_JS[2][2]);

    assertThat(engine.authenticate(result, OceanSignature.GET_COMPUTE_RESULT)).isEqualTo(ADDRESS);
    assertThat(engine.currentNonce(ADDRESS)).isEqualTo(BigInteger.valueOf(7));
    assertThatThrownBy(() -> engine.authenticate(result, OceanSignature.GET_COMPUTE_RESULT))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("not greater than the last one used (7)");
  }

  @Test
  void anOceanJsFreeStartRunsWithoutAnyOrderWhileTheVerifierRefusesEverything() {
    OceanSignature free = OceanSignature.of(CONSUMER, OCEAN_JS[1][0], OCEAN_JS[1][2]);
    ComputeRequest request =
        ComputeRequest.builder()
            .oceanSignature(free, OceanSignature.FREE_START_COMPUTE)
            .environment("free")
            .addDataset(
                DatasetInput.builder(TestRequests.did(1), "compute")
                    .ddoJson(TestRequests.openDdo(1))
                    .build())
            .algorithm(
                Algorithm.raw(ContainerSpec.of("busybox", "stable", "sh $ALGO"), "true").build())
            .build();

    ComputeJob job = engine.start(request).toCompletableFuture().join();

    assertThat(job).hasStatus(JobStatus.WARMING_UP).isOwnedBy(ADDRESS);
    C2dException replayed = failureOf(engine.start(request), WAIT);
    assertThat(replayed).hasCode(ErrorCode.NONCE_REPLAYED);
  }
}
