package io.c2d;

import static io.c2d.EngineAssertions.assertThat;
import static io.c2d.EngineAssertions.assertThatThrownBy;
import static io.c2d.EngineFixture.WAIT;
import static io.c2d.EngineFixture.environment;
import static io.c2d.EngineFixture.failureOf;

import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The catalogue of input a caller can get wrong, each refused with its typed error and leaving
 * nothing behind (the model's own field checks are in c2d-api's ModelValidationTest).
 */
final class BadInputTest {
  private final EngineFixture f =
      new EngineFixture(
          ScriptedBackend.of(environment("local", 2, 1, 10)), ScriptedVerifier.allowAll());

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void unknownEnvironment() {
    ComputeRequest request = f.requests.by(TestKey.ALICE).dataset(1).environment("gpu-huge").sign();

    assertThat(failureOf(f.engine.start(request)))
        .hasCode(ErrorCode.ENVIRONMENT_UNKNOWN)
        .hasField("environment")
        .hasMessageContaining("available: local");
    assertNothingLeft();
  }

  @Test
  void resourcesOverTheEnvironmentsLimits() {
    ComputeRequest cpu =
        f.requests
            .by(TestKey.ALICE)
            .dataset(1)
            .configure(b -> b.resources(Resources.of(4, 512, 512, 0)))
            .sign();
    ComputeRequest memory =
        f.requests
            .by(TestKey.ALICE)
            .dataset(1)
            .configure(b -> b.resources(Resources.of(1, 4096, 512, 0)))
            .sign();
    ComputeRequest gpu =
        f.requests
            .by(TestKey.ALICE)
            .dataset(1)
            .configure(b -> b.resources(Resources.of(1, 512, 512, 1)))
            .sign();

    assertThat(failureOf(f.engine.start(cpu)))
        .hasCode(ErrorCode.RESOURCES_EXCEEDED)
        .hasField("resources.cpu");
    assertThat(failureOf(f.engine.start(memory)))
        .hasCode(ErrorCode.RESOURCES_EXCEEDED)
        .hasField("resources.memory");
    assertThat(failureOf(f.engine.start(gpu)))
        .hasCode(ErrorCode.RESOURCES_EXCEEDED)
        .hasField("resources.gpu");
    assertNothingLeft();
  }

  @Test
  void durationOverTheEnvironmentsMaximum() {
    ComputeRequest request =
        f.requests
            .by(TestKey.ALICE)
            .dataset(1)
            .configure(b -> b.maxDuration(Duration.ofHours(2)))
            .sign();

    assertThat(failureOf(f.engine.start(request)))
        .hasCode(ErrorCode.RESOURCES_EXCEEDED)
        .hasField("maxJobDuration");
    assertNothingLeft();
  }

  @Test
  void wrongSigner() {
    ComputeRequest request = f.requests.by(TestKey.ALICE).dataset(1).signWith(TestKey.BOB);

    assertThat(failureOf(f.engine.start(request)))
        .hasCode(ErrorCode.WRONG_SIGNER)
        .hasMessageContaining(TestKey.BOB.address().value());
    assertNothingLeft();
  }

  @Test
  void aSignatureForAnotherProviderOrChainIsRefused() {
    ComputeRequest otherProvider =
        new SignedRequests(
                EngineFixture.CHAIN_ID, TestKey.BOB.address(), java.time.Clock.systemUTC())
            .by(TestKey.ALICE)
            .dataset(1)
            .sign();
    ComputeRequest otherChain =
        new SignedRequests(1, EngineFixture.PROVIDER, java.time.Clock.systemUTC())
            .by(TestKey.ALICE)
            .dataset(1)
            .sign();

    assertThat(failureOf(f.engine.start(otherProvider))).hasCode(ErrorCode.WRONG_SIGNER);
    assertThat(failureOf(f.engine.start(otherChain))).hasCode(ErrorCode.WRONG_SIGNER);
    assertNothingLeft();
  }

  @Test
  void aTamperedRequestIsRefused() {
    ComputeRequest signed = f.requests.by(TestKey.ALICE).dataset(1).rawAlgorithm("echo ok").sign();
    ComputeRequest tampered =
        ComputeRequest.builder()
            .consumer(signed.consumer())
            .addDataset(signed.datasets().get(0))
            .algorithm(
                io.c2d.model.Algorithm.raw(signed.algorithm().container(), "cat /etc/passwd")
                    .build())
            .environment(signed.environmentId())
            .nonce(signed.nonce())
            .expiresAt(signed.expiresAt().orElseThrow())
            .signature(signed.signature())
            .build();

    assertThat(failureOf(f.engine.start(tampered))).hasCode(ErrorCode.WRONG_SIGNER);
    assertNothingLeft();
  }

  @Test
  void replayedNonce() {
    ComputeRequest first = f.requests.by(TestKey.ALICE).dataset(1).nonce("42").sign();
    ComputeRequest replay =
        f.requests
            .by(TestKey.ALICE)
            .dataset(2)
            .nonce("42")
            .configure(b -> b.requestId("another"))
            .sign();
    f.engine.start(first).toCompletableFuture().join();

    assertThat(failureOf(f.engine.start(replay))).hasCode(ErrorCode.NONCE_REPLAYED);
    assertThat(f.engine.jobsOf(TestKey.ALICE.address())).hasSize(1);
  }

  @Test
  void expiredSignatureAndOneThatLastsTooLong() {
    ComputeRequest expired =
        f.requests.by(TestKey.ALICE).dataset(1).validFor(Duration.ofSeconds(-1)).sign();
    ComputeRequest forever =
        f.requests.by(TestKey.ALICE).dataset(1).validFor(Duration.ofDays(30)).sign();

    assertThat(failureOf(f.engine.start(expired))).hasCode(ErrorCode.SIGNATURE_EXPIRED);
    assertThat(failureOf(f.engine.start(forever))).hasCode(ErrorCode.SIGNATURE_EXPIRED);
    assertNothingLeft();
  }

  @Test
  void malformedSignature() {
    ComputeRequest signed = f.requests.by(TestKey.ALICE).dataset(1).sign();
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

    assertThat(failureOf(f.engine.start(request))).hasCode(ErrorCode.SIGNATURE_INVALID);
    assertNothingLeft();
  }

  @Test
  void rawAlgorithmOnADatasetThatForbidsIt() {
    ComputeRequest request =
        f.requests
            .by(TestKey.ALICE)
            .dataset(
                SignedRequests.dataset(1)
                    .ddoJson(SignedRequests.ddo(1, "\"allowRawAlgorithm\": false"))
                    .build())
            .sign();

    assertThat(failureOf(f.engine.start(request))).hasCode(ErrorCode.RAW_ALGORITHM_NOT_ALLOWED);
    assertNothingLeft();
  }

  @Test
  void unknownJob() {
    JobId nobody = JobId.derive(TestKey.ALICE.address(), "never");

    assertThatThrownBy(() -> f.engine.status(nobody, TestKey.ALICE.address()))
        .isInstanceOfSatisfying(
            NotFoundException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.JOB_NOT_FOUND));
    assertThatThrownBy(() -> f.engine.stop(nobody, TestKey.ALICE.address()))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> f.engine.delete(nobody, TestKey.ALICE.address()))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void someoneElseAsksForStatusResultsOrStop() {
    ComputeJob job =
        f.engine.start(f.requests.by(TestKey.ALICE).dataset(1).sign()).toCompletableFuture().join();
    f.backend.awaitSubmitted(1, WAIT);
    f.backend.job(job.id()).complete(Map.of("secret.csv", new byte[] {1, 2}));
    f.waiter.awaitTerminal(job.id(), WAIT);

    for (var call :
        new org.assertj.core.api.ThrowableAssert.ThrowingCallable[] {
          () -> f.engine.status(job.id(), TestKey.BOB.address()),
          () -> f.engine.results(job.id(), TestKey.BOB.address()),
          () -> f.engine.openResult(job.id(), TestKey.BOB.address(), 0),
          () -> f.engine.stop(job.id(), TestKey.BOB.address()),
          () -> f.engine.delete(job.id(), TestKey.BOB.address())
        }) {
      assertThatThrownBy(call)
          .isInstanceOfSatisfying(
              AccessDeniedException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_OWNER));
    }
    assertThat(f.engine.jobsOf(TestKey.BOB.address())).isEmpty();
  }

  @Test
  void resultNamesThatTryToLeaveTheResultArea() {
    ComputeJob job =
        f.engine.start(f.requests.by(TestKey.ALICE).dataset(1).sign()).toCompletableFuture().join();
    f.backend.awaitSubmitted(1, WAIT);
    f.backend.job(job.id()).complete(Map.of("ok.txt", new byte[] {1}));
    f.waiter.awaitTerminal(job.id(), WAIT);

    for (String name : new String[] {"../job.json", "/etc/passwd", "a/../../x"}) {
      assertThatThrownBy(() -> f.engine.openResult(job.id(), TestKey.ALICE.address(), name))
          .isInstanceOfSatisfying(
              InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("result.name"));
    }
    assertThatThrownBy(() -> f.engine.openResult(job.id(), TestKey.ALICE.address(), 99))
        .isInstanceOfSatisfying(
            NotFoundException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.RESULT_NOT_FOUND));
  }

  @Test
  void stopOfAFinishedJobAndDeleteOfARunningOne() {
    ComputeJob finished =
        f.engine.start(f.requests.by(TestKey.ALICE).dataset(1).sign()).toCompletableFuture().join();
    ComputeJob running =
        f.engine.start(f.requests.by(TestKey.BOB).dataset(1).sign()).toCompletableFuture().join();
    f.backend.awaitSubmitted(2, WAIT);
    f.backend.job(finished.id()).complete(Map.of());
    f.waiter.awaitTerminal(finished.id(), WAIT);

    assertThatThrownBy(() -> f.engine.stop(finished.id(), TestKey.ALICE.address()))
        .isInstanceOfSatisfying(
            JobStateException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.JOB_FINISHED));
    assertThatThrownBy(() -> f.engine.delete(running.id(), TestKey.BOB.address()))
        .isInstanceOfSatisfying(
            JobStateException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.JOB_RUNNING));
    assertThat(f.engine.status(running.id(), TestKey.BOB.address()))
        .hasStatus(JobStatus.WARMING_UP);
  }

  private void assertNothingLeft() {
    for (TestKey key : new TestKey[] {TestKey.ALICE, TestKey.BOB, TestKey.CAROL}) {
      assertThat(f.engine.jobsOf(key.address())).isEmpty();
    }
    assertThat(f.backend.submitted()).isEmpty();
    assertThat(f.engine.runningJobs("local")).isZero();
    assertThat(f.engine.queuedJobs("local")).isZero();
  }
}
