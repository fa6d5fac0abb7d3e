package io.c2d;

import static io.c2d.EngineAssertions.assertThat;
import static io.c2d.EngineAssertions.assertThatThrownBy;
import static io.c2d.EngineFixture.WAIT;
import static io.c2d.EngineFixture.environment;
import static io.c2d.EngineFixture.failureOf;

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
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ocean's signed format (consumerAddress + nonce + command, keccak256, EIP-191 over the digest) and
 * its counter nonces through the engine, and free compute within an environment's free limits.
 */
final class OceanAuthenticationTest {
  private static final EthAddress ALICE = TestKey.ALICE.address();
  private static final String STOP = OceanSignature.STOP_COMPUTE;

  @TempDir Path dir;

  // ---------------------------------------------------------------------------------------------
  // authenticate and currentNonce

  @Test
  void aSignedCallSpendsItsNonceAndAReplayOrALowerNonceIsRefused() {
    try (EngineFixture f = paidFixture()) {
      assertThat(f.engine.currentNonce(ALICE)).isEqualTo(BigInteger.ZERO);

      OceanSignature first = TestKey.ALICE.oceanSign(1, STOP);
      assertThat(f.engine.authenticate(first, STOP)).isEqualTo(ALICE);
      assertThat(f.engine.currentNonce(ALICE)).isEqualTo(BigInteger.ONE);

      assertThat(failure(() -> f.engine.authenticate(first, STOP)))
          .hasCode(ErrorCode.NONCE_REPLAYED)
          .hasMessageContaining("not greater than the last one used (1)");
      OceanSignature sameNonceOtherCommand =
          TestKey.ALICE.oceanSign(1, OceanSignature.GET_COMPUTE_RESULT);
      assertThat(
              failure(
                  () ->
                      f.engine.authenticate(
                          sameNonceOtherCommand, OceanSignature.GET_COMPUTE_RESULT)))
          .hasCode(ErrorCode.NONCE_REPLAYED);

      assertThat(f.engine.authenticate(TestKey.ALICE.oceanSign(5, STOP), STOP)).isEqualTo(ALICE);
      assertThat(failure(() -> f.engine.authenticate(TestKey.ALICE.oceanSign(4, STOP), STOP)))
          .as("lower than the last one")
          .hasCode(ErrorCode.NONCE_REPLAYED);
      assertThat(f.engine.currentNonce(ALICE)).isEqualTo(BigInteger.valueOf(5));
      assertThat(f.engine.currentNonce(TestKey.BOB.address())).isEqualTo(BigInteger.ZERO);
    }
  }

  @Test
  void theAddressIsSignedAsSentInAnyCase() {
    try (EngineFixture f = paidFixture()) {
      String lower = ALICE.value();
      OceanSignature signed = TestKey.ALICE.oceanSignAs(lower, "1", STOP);
      assertThat(f.engine.authenticate(signed, STOP)).isEqualTo(ALICE);

      // Signed over the EIP-55 form but sent lower-cased: another message, another signer.
      OceanSignature checksummed = TestKey.ALICE.oceanSign(2, STOP);
      OceanSignature resent = OceanSignature.of(lower, "2", checksummed.signature());
      assertThat(failure(() -> f.engine.authenticate(resent, STOP)))
          .hasCode(ErrorCode.WRONG_SIGNER);
      // The counter is shared by both spellings of the address.
      assertThat(f.engine.currentNonce(ALICE)).isEqualTo(BigInteger.ONE);
    }
  }

  @Test
  void aSignatureByAnotherKeyOrForAnotherCommandIsRefusedAndSpendsNothing() {
    try (EngineFixture f = paidFixture()) {
      OceanSignature byBob = TestKey.BOB.oceanSignAs(TestKey.ALICE.checksumAddress(), "1", STOP);
      assertThat(failure(() -> f.engine.authenticate(byBob, STOP)))
          .hasCode(ErrorCode.WRONG_SIGNER)
          .hasMessageContaining(TestKey.BOB.address().value());

      OceanSignature forResults = TestKey.ALICE.oceanSign(1, OceanSignature.GET_COMPUTE_RESULT);
      assertThat(failure(() -> f.engine.authenticate(forResults, STOP)))
          .as("signed for getComputeResult, used for stopCompute")
          .hasCode(ErrorCode.WRONG_SIGNER);

      OceanSignature garbage =
          OceanSignature.of(TestKey.ALICE.checksumAddress(), "1", "0x" + "00".repeat(64) + "1b");
      assertThat(failure(() -> f.engine.authenticate(garbage, STOP)))
          .hasCode(ErrorCode.SIGNATURE_INVALID);

      // Nobody could advance Alice's counter without her key.
      assertThat(f.engine.currentNonce(ALICE)).isEqualTo(BigInteger.ZERO);
      assertThat(f.engine.authenticate(TestKey.ALICE.oceanSign(1, STOP), STOP)).isEqualTo(ALICE);
    }
  }

  @Test
  void startCommandsAreNotForAuthenticate() {
    try (EngineFixture f = paidFixture()) {
      OceanSignature start = TestKey.ALICE.oceanSign(1, OceanSignature.START_COMPUTE);
      assertThatThrownBy(() -> f.engine.authenticate(start, OceanSignature.START_COMPUTE))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> f.engine.authenticate(start, "not a command"))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(f.engine.currentNonce(ALICE)).isEqualTo(BigInteger.ZERO);
    }
  }

  @Test
  void aRestartedEngineKeepsTheCountersOfItsStateDirectory() {
    OceanSignature used = TestKey.ALICE.oceanSign(7, STOP);
    try (EngineFixture f = durableFixture()) {
      f.engine.authenticate(used, STOP);
    }
    try (EngineFixture restarted = durableFixture()) {
      assertThat(restarted.engine.currentNonce(ALICE)).isEqualTo(BigInteger.valueOf(7));
      assertThat(failure(() -> restarted.engine.authenticate(used, STOP)))
          .hasCode(ErrorCode.NONCE_REPLAYED);
      assertThat(restarted.engine.authenticate(TestKey.ALICE.oceanSign(8, STOP), STOP))
          .isEqualTo(ALICE);
    }
  }

  @Test
  void anAuthenticatorThatCannotHashRefusesOceanCallsWithAConfigurationError() {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 2, 2, 10)),
            ScriptedVerifier.allowAll(),
            b -> b.authenticator((message, signature) -> ALICE))) {
      assertThat(failure(() -> f.engine.authenticate(TestKey.ALICE.oceanSign(1, STOP), STOP)))
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("cannot check Ocean-format signatures");
      assertThat(f.engine.currentNonce(ALICE)).isEqualTo(BigInteger.ZERO);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Ocean-format starts

  @Test
  void anOceanSignedPaidStartIsVerifiedAndItsReplayRefusedEvenWithTheSameBody() {
    try (EngineFixture f = paidFixture()) {
      ComputeRequest request =
          oceanStart(TestKey.ALICE.oceanSign(1, OceanSignature.START_COMPUTE), "local", true)
              .build();

      ComputeJob job = f.engine.start(request).toCompletableFuture().join();

      assertThat(job).hasStatus(JobStatus.WARMING_UP).isOwnedBy(ALICE);
      assertThat(job.requestId()).isEqualTo("ocean:1");
      assertThat(f.verifier.queries()).hasSize(1);
      assertThat(f.engine.currentNonce(ALICE)).isEqualTo(BigInteger.ONE);
      assertThat(failureOf(f.engine.start(request))).hasCode(ErrorCode.NONCE_REPLAYED);
      assertThat(f.engine.jobsOf(ALICE)).hasSize(1);
      // The counter is one per consumer, shared by every command.
      assertThat(failure(() -> f.engine.authenticate(TestKey.ALICE.oceanSign(1, STOP), STOP)))
          .hasCode(ErrorCode.NONCE_REPLAYED);
    }
  }

  @Test
  void anExplicitRequestIdKeepsOceanStartsIdempotentAcrossFreshNonces() {
    try (EngineFixture f = paidFixture()) {
      ComputeJob first =
          f.engine
              .start(
                  oceanStart(
                          TestKey.ALICE.oceanSign(1, OceanSignature.START_COMPUTE), "local", true)
                      .requestId("order-1")
                      .build())
              .toCompletableFuture()
              .join();
      ComputeJob retried =
          f.engine
              .start(
                  oceanStart(
                          TestKey.ALICE.oceanSign(2, OceanSignature.START_COMPUTE), "local", true)
                      .requestId("order-1")
                      .build())
              .toCompletableFuture()
              .join();

      assertThat(retried.id()).isEqualTo(first.id());
      assertThat(f.engine.jobsOf(ALICE)).hasSize(1);
      assertThat(f.engine.currentNonce(ALICE)).isEqualTo(BigInteger.TWO);
    }
  }

  @Test
  void anOceanStartSignedByAnotherKeyOrForTheOtherStartIsRefused() {
    try (EngineFixture f = freeFixture(freeLimits(2, 1), ScriptedVerifier.allowAll())) {
      OceanSignature forged =
          TestKey.BOB.oceanSignAs(
              TestKey.ALICE.checksumAddress(), "1", OceanSignature.START_COMPUTE);
      assertThat(failureOf(f.engine.start(oceanStart(forged, "free", true).build())))
          .hasCode(ErrorCode.WRONG_SIGNER);

      OceanSignature signedForPaid = TestKey.ALICE.oceanSign(1, OceanSignature.START_COMPUTE);
      assertThat(failureOf(f.engine.start(oceanStart(signedForPaid, "free", false).build())))
          .as("signed startCompute, sent as freeStartCompute")
          .hasCode(ErrorCode.WRONG_SIGNER);

      assertThat(f.engine.jobsOf(ALICE)).isEmpty();
      assertThat(f.engine.currentNonce(ALICE)).isZero();
    }
  }

  @Test
  void theBuilderRefusesToMixTheFormats() {
    OceanSignature start = TestKey.ALICE.oceanSign(1, OceanSignature.START_COMPUTE);
    OceanSignature free = TestKey.ALICE.oceanSign(1, OceanSignature.FREE_START_COMPUTE);

    assertThatThrownBy(
            () ->
                oceanStart(start, "local", true)
                    .expiresAt(java.time.Instant.now().plusSeconds(60))
                    .build())
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("expiresAt");
    assertThatThrownBy(() -> oceanStart(start, "local", true).free(true).build())
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("free");
    assertThatThrownBy(() -> oceanStart(free, "local", false).free(false).build())
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("free");
    assertThatThrownBy(() -> ComputeRequest.builder().oceanSignature(start, STOP))
        .isInstanceOf(IllegalArgumentException.class);
    ComputeRequest built = oceanStart(start, "local", true).build();
    assertThat(built.expiresAt()).isEmpty();
    assertThat(built.oceanCommand()).contains(OceanSignature.START_COMPUTE);
    assertThatThrownBy(() -> built.signingMessage(8996, ALICE))
        .isInstanceOf(IllegalStateException.class);
  }

  // ---------------------------------------------------------------------------------------------
  // Free compute

  @Test
  void aFreeStartSkipsTheVerifierAndKeepsToTheFreeLimits() {
    try (EngineFixture f = freeFixture(freeLimits(2, 1), ScriptedVerifier.unknownAll("no chain"))) {
      ComputeRequest request =
          oceanStart(TestKey.ALICE.oceanSign(1, OceanSignature.FREE_START_COMPUTE), "free", false)
              .build();

      ComputeJob job = f.engine.start(request).toCompletableFuture().join();

      assertThat(job).hasStatus(JobStatus.WARMING_UP).isOwnedBy(ALICE);
      assertThat(f.verifier.queries()).as("the verifier is not asked").isEmpty();
      JobSpecCheck.of(f.backend.awaitSubmitted(1, WAIT).get(0))
          .hasDuration(Duration.ofMinutes(2))
          .hasResources(Resources.of(0.5, 512, 1024, 0));
      assertThat(f.engine.freeJobs("free")).isEqualTo(1);
    }
  }

  @Test
  void aFreeRequestOnAnEnvironmentWithoutFreeLimitsIsRefused() {
    try (EngineFixture f = paidFixture()) {
      ComputeRequest request =
          oceanStart(TestKey.ALICE.oceanSign(1, OceanSignature.FREE_START_COMPUTE), "local", false)
              .build();

      C2dException failure = failureOf(f.engine.start(request));

      assertThat(failure).hasCode(ErrorCode.FREE_COMPUTE_NOT_OFFERED).hasField("environment");
      assertThat(f.verifier.queries()).isEmpty();
      assertThat(f.engine.currentNonce(ALICE)).as("refused before authentication").isZero();
    }
  }

  @Test
  void aFreeRequestOverTheFreeDurationOrResourcesIsRefused() {
    try (EngineFixture f = freeFixture(freeLimits(2, 1), ScriptedVerifier.allowAll())) {
      ComputeRequest tooLong =
          oceanStart(TestKey.ALICE.oceanSign(1, OceanSignature.FREE_START_COMPUTE), "free", false)
              .maxDuration(Duration.ofMinutes(3))
              .build();
      ComputeRequest tooBig =
          oceanStart(TestKey.ALICE.oceanSign(2, OceanSignature.FREE_START_COMPUTE), "free", false)
              .resources(Resources.of(1, 512, 1024, 0))
              .build();
      ComputeRequest paidSize =
          oceanStart(TestKey.ALICE.oceanSign(3, OceanSignature.START_COMPUTE), "free", true)
              .resources(Resources.of(1, 512, 1024, 0))
              .maxDuration(Duration.ofMinutes(3))
              .build();

      assertThat(failureOf(f.engine.start(tooLong)))
          .hasCode(ErrorCode.RESOURCES_EXCEEDED)
          .hasField("maxJobDuration")
          .hasMessageContaining("free jobs");
      assertThat(failureOf(f.engine.start(tooBig)))
          .hasCode(ErrorCode.RESOURCES_EXCEEDED)
          .hasField("resources.cpu");
      assertThat(f.engine.start(paidSize).toCompletableFuture().join())
          .as("a paid job in the same environment has the environment's limits")
          .hasStatus(JobStatus.WARMING_UP);
    }
  }

  @Test
  void freeJobsAreCountedInAllAndPerConsumerUntilTheyEnd() {
    try (EngineFixture f = freeFixture(freeLimits(2, 1), ScriptedVerifier.allowAll())) {
      ComputeJob alice = f.engine.start(free(TestKey.ALICE, 1)).toCompletableFuture().join();

      assertThat(failureOf(f.engine.start(free(TestKey.ALICE, 2))))
          .as("Alice's second free job")
          .isInstanceOf(CapacityExceededException.class)
          .hasCode(ErrorCode.FREE_LIMIT_REACHED);
      f.engine.start(free(TestKey.BOB, 1)).toCompletableFuture().join();
      assertThat(failureOf(f.engine.start(free(TestKey.CAROL, 1))))
          .as("a third free job in the environment")
          .hasCode(ErrorCode.FREE_LIMIT_REACHED);
      assertThat(f.engine.freeJobs("free")).isEqualTo(2);
      ComputeRequest paid =
          oceanStart(TestKey.CAROL.oceanSign(2, OceanSignature.START_COMPUTE), "free", true)
              .build();
      assertThat(f.engine.start(paid).toCompletableFuture().join())
          .as("paid jobs are not free jobs")
          .hasStatus(JobStatus.WARMING_UP);

      f.backend.awaitSubmitted(3, WAIT);
      f.backend.job(alice.id()).complete(Map.of());
      f.waiter.awaitTerminal(alice.id(), WAIT);

      assertThat(f.engine.freeJobs("free")).isEqualTo(1);
      assertThat(f.engine.start(free(TestKey.ALICE, 3)).toCompletableFuture().join())
          .hasStatus(JobStatus.WARMING_UP);
    }
  }

  @Test
  void aRestartedEngineCountsTheFreeJobsItRecovers() {
    ScriptedBackend backend = ScriptedBackend.of(freeEnvironment(freeLimits(2, 1)));
    try (EngineFixture f = new EngineFixture(backend, ScriptedVerifier.allowAll())) {
      f.engine.start(free(TestKey.ALICE, 1)).toCompletableFuture().join();
      f.engine
          .start(
              oceanStart(TestKey.BOB.oceanSign(1, OceanSignature.START_COMPUTE), "free", true)
                  .build())
          .toCompletableFuture()
          .join();
    }
    try (EngineFixture restarted = new EngineFixture(backend, ScriptedVerifier.allowAll())) {
      assertThat(restarted.engine.freeJobs("free")).as("Alice's, not Bob's paid one").isEqualTo(1);
      assertThat(failureOf(restarted.engine.start(free(TestKey.ALICE, 2))))
          .hasCode(ErrorCode.FREE_LIMIT_REACHED);
    }
  }

  @Test
  void aC2dSignedFreeRequestSignsTheFlagAndNeedsNoOrder() {
    try (EngineFixture f = freeFixture(freeLimits(2, 2), ScriptedVerifier.allowAll())) {
      DatasetInput noOrder =
          DatasetInput.builder(SignedRequests.did(1), "compute")
              .ddoJson(SignedRequests.ddo(1, "\"allowRawAlgorithm\": true"))
              .build();
      ComputeRequest request =
          f.requests
              .by(TestKey.ALICE)
              .environment("free")
              .dataset(noOrder)
              .configure(b -> b.free(true))
              .sign();
      ComputeRequest paidTwin =
          ComputeRequest.builder()
              .consumer(ALICE)
              .nonce(request.nonce())
              .expiresAt(request.expiresAt().orElseThrow())
              .environment("free")
              .addDataset(noOrder)
              .algorithm(request.algorithm())
              .agreementId("0x" + "11".repeat(32))
              .buildUnsigned();

      assertThat(request.bodySha256()).isNotEqualTo(paidTwin.bodySha256());
      assertThat(f.engine.start(request).toCompletableFuture().join())
          .hasStatus(JobStatus.WARMING_UP);
      assertThat(f.verifier.queries()).isEmpty();
      assertThatThrownBy(
              () ->
                  ComputeRequest.builder()
                      .consumer(ALICE)
                      .nonce("1")
                      .expiresAt(request.expiresAt().orElseThrow())
                      .environment("free")
                      .addDataset(noOrder)
                      .algorithm(request.algorithm())
                      .buildUnsigned())
          .as("a paid request still needs an agreement or orders")
          .isInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("agreementId");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Fixtures

  private EngineFixture paidFixture() {
    return new EngineFixture(
        ScriptedBackend.of(environment("local", 4, 4, 10)), ScriptedVerifier.allowAll());
  }

  private EngineFixture durableFixture() {
    return new EngineFixture(
        ScriptedBackend.of(environment("local", 4, 4, 10)),
        ScriptedVerifier.allowAll(),
        b -> b.properties(Map.of("c2d.state-dir", dir.toString())));
  }

  private static EngineFixture freeFixture(FreeLimits limits, ScriptedVerifier verifier) {
    return new EngineFixture(ScriptedBackend.of(freeEnvironment(limits)), verifier);
  }

  private static FreeLimits freeLimits(int maxJobs, int perConsumer) {
    return FreeLimits.of(
        Duration.ofMinutes(2), Resources.of(0.5, 512, 1024, 0), maxJobs, perConsumer);
  }

  /** 4 one-CPU slots, 10 minutes, and free jobs of half a CPU for 2 minutes. */
  private static ComputeEnvironment freeEnvironment(FreeLimits limits) {
    return ComputeEnvironment.builder("free")
        .capacity(Resources.of(4, 4096, 8192, 0))
        .maxPerJob(Resources.of(1, 1024, 2048, 0))
        .maxConcurrentJobs(4)
        .maxJobsPerConsumer(4)
        .maxDuration(Duration.ofMinutes(10))
        .freeLimits(limits)
        .build();
  }

  private static ComputeRequest free(TestKey key, long nonce) {
    return oceanStart(key.oceanSign(nonce, OceanSignature.FREE_START_COMPUTE), "free", false)
        .build();
  }

  /** A start as ocean.js sends it: a raw algorithm on dataset 1, with its order if paid. */
  private static ComputeRequest.Builder oceanStart(
      OceanSignature signature, String environment, boolean withOrder) {
    DatasetInput.Builder dataset =
        withOrder
            ? SignedRequests.dataset(1)
            : DatasetInput.builder(SignedRequests.did(1), "compute");
    String command = withOrder ? OceanSignature.START_COMPUTE : OceanSignature.FREE_START_COMPUTE;
    return ComputeRequest.builder()
        .oceanSignature(signature, command)
        .environment(environment)
        .addDataset(dataset.ddoJson(SignedRequests.ddo(1, "\"allowRawAlgorithm\": true")).build())
        .algorithm(
            Algorithm.raw(ContainerSpec.of("busybox", "stable", "sh $ALGO"), "true").build());
  }

  private static C2dException failure(Runnable call) {
    try {
      call.run();
    } catch (C2dException e) {
      return e;
    }
    throw new AssertionError("expected a C2dException");
  }

  /** Checks on what the backend was asked to run. */
  private record JobSpecCheck(io.c2d.spi.backend.JobSpec spec) {
    static JobSpecCheck of(io.c2d.spi.backend.JobSpec spec) {
      return new JobSpecCheck(spec);
    }

    JobSpecCheck hasDuration(Duration duration) {
      assertThat(spec.maxDuration()).isEqualTo(duration);
      return this;
    }

    JobSpecCheck hasResources(Resources resources) {
      assertThat(spec.resources()).isEqualTo(resources);
      return this;
    }
  }
}
