package io.c2d.keeper;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;
import static io.c2d.testkit.assertj.C2dAssertions.failureOf;

import io.c2d.C2dException;
import io.c2d.ComputeEngine;
import io.c2d.ErrorCode;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.JobStatus;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.InMemoryComputeBackend;
import io.c2d.testkit.TestRequests;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's authentication step with {@link Web3jAuthenticator}: each way a consumer can get the
 * signature wrong ends in its own typed error, and nothing reaches the backend.
 */
final class Web3jAuthenticatorEngineTest {
  private static final long CHAIN_ID = 8996;
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final InMemoryComputeBackend backend =
      InMemoryComputeBackend.create(ComputeEnvironment.builder("local").build());
  private final ComputeEngine engine =
      ComputeEngine.builder()
          .backend(backend)
          .verifier(FakeAgreementVerifier.allowAll())
          .authenticator(Web3jAuthenticator.create())
          .chainId(CHAIN_ID)
          .providerAddress(EthereumKey.CAROL.address())
          .build();
  private final TestRequests requests = TestRequests.create(CHAIN_ID, EthereumKey.CAROL.address());

  @AfterEach
  void close() {
    engine.close();
  }

  @Test
  void aRequestSignedByItsConsumerStarts() {
    ComputeJob job =
        engine.start(requests.by(EthereumKey.ALICE).dataset(1).sign()).toCompletableFuture().join();

    assertThat(job).hasStatus(JobStatus.WARMING_UP).isOwnedBy(EthereumKey.ALICE.address());
  }

  @Test
  void aRequestSignedBySomeoneElseIsRefusedAsWrongSigner() {
    ComputeRequest forged = requests.by(EthereumKey.ALICE).dataset(1).signWith(EthereumKey.BOB);

    C2dException refused = failureOf(engine.start(forged), WAIT);

    assertThat(refused).hasCode(ErrorCode.WRONG_SIGNER);
    assertThat(backend.submitted()).isEmpty();
  }

  @Test
  void aMalformedSignatureIsRefusedAsInvalid() {
    ComputeRequest signed = requests.by(EthereumKey.ALICE).dataset(1).sign();
    // a recovery id of 5 names no point on the curve
    String broken = signed.signature().substring(0, 130) + "05";
    ComputeRequest request =
        ComputeRequest.builder()
            .consumer(signed.consumer())
            .addDataset(signed.datasets().get(0))
            .algorithm(signed.algorithm())
            .environment(signed.environmentId())
            .nonce(signed.nonce())
            .expiresAt(signed.expiresAt().orElseThrow())
            .signature(broken)
            .build();

    C2dException refused = failureOf(engine.start(request), WAIT);

    assertThat(refused).hasCode(ErrorCode.SIGNATURE_INVALID);
    assertThat(backend.submitted()).isEmpty();
  }

  @Test
  void aReplayedNonceIsRefused() {
    ComputeRequest first = requests.by(EthereumKey.ALICE).dataset(1).nonce("41").sign();
    ComputeRequest replay =
        requests
            .by(EthereumKey.ALICE)
            .dataset(2)
            .nonce("41")
            .configure(b -> b.requestId("another-request"))
            .sign();
    engine.start(first).toCompletableFuture().join();

    C2dException refused = failureOf(engine.start(replay), WAIT);

    assertThat(refused).hasCode(ErrorCode.NONCE_REPLAYED);
    assertThat(backend.submitted()).hasSize(1);
  }
}
