package io.c2d;

import static io.c2d.EngineAssertions.assertThat;
import static io.c2d.EngineFixture.WAIT;
import static io.c2d.EngineFixture.engineBuilder;
import static io.c2d.EngineFixture.environment;
import static io.c2d.EngineFixture.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.JobStatus;
import io.c2d.model.OutputOptions;
import io.c2d.model.PhaseTimeouts;
import io.c2d.ocean.OceanJson;
import io.c2d.spi.publish.DerivedAsset;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Step 9: a completed job that asked for it becomes a derived asset with its provenance. */
final class PublishingTest {
  private static final byte[] SUMMARY = "region,total\nnorth,42\n".getBytes(StandardCharsets.UTF_8);

  private final RecordingPublisher publisher = new RecordingPublisher();

  @Test
  void aCompletedJobThatAskedForItIsPublishedWithItsProvenance() throws Exception {
    try (EngineFixture f = fixture(environment("local", 2, 2, 10))) {
      ComputeJob started = start(f, new OutputOptions(true, "Regional totals"));
      f.backend.awaitSubmitted(1, WAIT);
      f.backend.job(started.id()).advance(JobStatus.RUNNING_ALGORITHM);
      f.backend.job(started.id()).complete(Map.of("summary.csv", SUMMARY));

      ComputeJob done = f.waiter.awaitTerminal(started.id(), WAIT);

      assertThat(done).hasStatus(JobStatus.COMPLETED).hasResultNamed("summary.csv");
      assertThat(done.derivedAssetDid()).contains(RecordingPublisher.didOf(started.id()));
      assertThat(f.waiter.statusesOf(started.id()))
          .containsSubsequence(
              JobStatus.RUNNING_ALGORITHM, JobStatus.PUBLISHING_RESULTS, JobStatus.COMPLETED);
      DerivedAsset asset = publisher.assetOf(started.id()).orElseThrow();
      assertThat(asset.name()).isEqualTo("Regional totals");
      assertThat(asset.owner()).isEqualTo(TestKey.ALICE.address());
      assertThat(asset.inputs()).containsExactly(SignedRequests.did(1));
      assertThat(asset.environmentId()).isEqualTo("local");
      assertThat(asset.outputs())
          .singleElement()
          .satisfies(
              output -> {
                assertThat(output.result().name()).isEqualTo("summary.csv");
                assertThat(output.result().size()).isEqualTo(SUMMARY.length);
                assertThat(output.sha256()).isEqualTo(sha256(SUMMARY));
              });
      String ddo = OceanJson.writeDerivedDdo(asset, done.derivedAssetDid().orElseThrow(), 8996);
      assertThat(ddo)
          .contains("\"jobId\":\"" + started.id().value() + "\"")
          .contains("\"sha256\":\"" + sha256(SUMMARY) + "\"")
          .contains(SignedRequests.did(1).value());
    }
  }

  @Test
  void aJobThatDidNotAskIsNotPublished() throws Exception {
    try (EngineFixture f = fixture(environment("local", 2, 2, 10))) {
      ComputeJob started = start(f, OutputOptions.KEEP);
      f.backend.awaitSubmitted(1, WAIT);
      f.backend.job(started.id()).complete(Map.of("summary.csv", SUMMARY));

      ComputeJob done = f.waiter.awaitTerminal(started.id(), WAIT);

      assertThat(done).hasStatus(JobStatus.COMPLETED);
      assertThat(done.derivedAssetDid()).isEmpty();
      assertThat(publisher.calls()).isEmpty();
    }
  }

  @Test
  void aFailedJobIsNotPublished() throws Exception {
    try (EngineFixture f = fixture(environment("local", 2, 2, 10))) {
      ComputeJob started = start(f, new OutputOptions(true, null));
      f.backend.awaitSubmitted(1, WAIT);
      f.backend.job(started.id()).fail(JobStatus.ALGORITHM_FAILED, 3, "exit 3");

      ComputeJob done = f.waiter.awaitTerminal(started.id(), WAIT);

      assertThat(done).hasStatus(JobStatus.ALGORITHM_FAILED);
      assertThat(done.derivedAssetDid()).isEmpty();
      assertThat(publisher.calls()).isEmpty();
    }
  }

  @Test
  void theDefaultNameNamesTheJob() throws Exception {
    try (EngineFixture f = fixture(environment("local", 2, 2, 10))) {
      ComputeJob started = start(f, new OutputOptions(true, null));
      f.backend.awaitSubmitted(1, WAIT);
      f.backend.job(started.id()).complete(Map.of("summary.csv", SUMMARY));
      f.waiter.awaitTerminal(started.id(), WAIT);

      assertThat(publisher.assetOf(started.id()).orElseThrow().name())
          .isEqualTo("Results of job " + started.id());
    }
  }

  @Test
  void aPublisherThatFailsEndsTheJobAsUploadFailedAndKeepsItsResults() throws Exception {
    publisher.failWith(new IllegalStateException("the chain refused the transaction"));
    try (EngineFixture f = fixture(environment("local", 2, 2, 10))) {
      ComputeJob started = start(f, new OutputOptions(true, null));
      f.backend.awaitSubmitted(1, WAIT);
      f.backend.job(started.id()).complete(Map.of("summary.csv", SUMMARY));

      ComputeJob done = f.waiter.awaitTerminal(started.id(), WAIT);

      assertThat(done).hasStatus(JobStatus.RESULTS_UPLOAD_FAILED).hasResultNamed("summary.csv");
      assertThat(done.detail()).hasValueSatisfying(d -> assertThat(d).contains("chain refused"));
      assertThat(done.derivedAssetDid()).isEmpty();
      try (InputStream in =
          f.engine
              .openResult(started.id(), TestKey.ALICE.address(), "summary.csv")
              .toCompletableFuture()
              .get()) {
        assertThat(in.readAllBytes()).isEqualTo(SUMMARY);
      }
      assertThat(f.engine.runningJobs("local")).isZero();
    }
  }

  @Test
  void aPublisherThatNeverAnswersEndsInTheCollectingTimeLimit() throws Exception {
    publisher.hang();
    ManualTime time = new ManualTime();
    ComputeEnvironment quick =
        ComputeEnvironment.builder("local")
            .capacity(environment("local", 1, 1, 1).capacity())
            .maxPerJob(environment("local", 1, 1, 1).maxPerJob())
            .maxConcurrentJobs(1)
            .maxJobsPerConsumer(1)
            .queueCapacity(1)
            .maxDuration(Duration.ofMinutes(10))
            .phaseTimeouts(
                new PhaseTimeouts(
                    Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofMinutes(5)))
            .build();
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(quick),
            ScriptedVerifier.allowAll(),
            time,
            builder -> builder.publisher(publisher))) {
      ComputeJob started = start(f, new OutputOptions(true, null));
      f.backend.awaitSubmitted(1, WAIT);
      f.backend.job(started.id()).complete(Map.of("summary.csv", SUMMARY));
      f.waiter.awaitStatus(started.id(), JobStatus.PUBLISHING_RESULTS, WAIT);

      time.advance(Duration.ofMinutes(4));
      SchedulingPathTest.assertStillIn(f, started, JobStatus.PUBLISHING_RESULTS);
      time.advance(Duration.ofMinutes(2));
      ComputeJob done = f.waiter.awaitTerminal(started.id(), WAIT);

      assertThat(done).hasStatus(JobStatus.TIMED_OUT);
      assertThat(done.detail()).hasValueSatisfying(d -> assertThat(d).contains("collecting"));
      assertThat(f.engine.runningJobs("local")).isZero();
    }
  }

  @Test
  void aJobCanBeStoppedWhilePublishing() throws Exception {
    publisher.hang();
    try (EngineFixture f = fixture(environment("local", 2, 2, 10))) {
      ComputeJob started = start(f, new OutputOptions(true, null));
      f.backend.awaitSubmitted(1, WAIT);
      f.backend.job(started.id()).complete(Map.of("summary.csv", SUMMARY));
      f.waiter.awaitStatus(started.id(), JobStatus.PUBLISHING_RESULTS, WAIT);

      ComputeJob stopped =
          f.engine.stop(started.id(), TestKey.ALICE.address()).toCompletableFuture().get();

      assertThat(stopped).hasStatus(JobStatus.STOPPED);
      assertThat(f.engine.runningJobs("local")).isZero();
    }
  }

  @Test
  void withoutAPublisherARequestToPublishIsRefusedAndItsNonceStaysUnused() throws Exception {
    ScriptedBackend backend = ScriptedBackend.of(environment("local", 2, 2, 10));
    try (ComputeEngine engine = engineBuilder(backend, ScriptedVerifier.allowAll()).build()) {
      SignedRequests requests =
          new SignedRequests(
              EngineFixture.CHAIN_ID, EngineFixture.PROVIDER, java.time.Clock.systemUTC());
      ComputeRequest publishing =
          requests
              .by(TestKey.ALICE)
              .dataset(1)
              .nonce("77")
              .configure(b -> b.output(new OutputOptions(true, null)))
              .sign();

      C2dException refused = failureOf(engine.start(publishing));

      assertThat(refused)
          .isInstanceOf(InvalidRequestException.class)
          .hasCode(ErrorCode.INVALID_REQUEST);
      assertThat(refused.getMessage()).contains("output.publishAsAsset");
      assertThat(backend.submitted()).isEmpty();
      ComputeRequest keeping = requests.by(TestKey.ALICE).dataset(1).nonce("77").sign();
      assertThat(engine.start(keeping).toCompletableFuture().get()).hasStatus(JobStatus.WARMING_UP);
    }
  }

  @Test
  void aRestartDuringPublishingPublishesOnceMore() throws Exception {
    publisher.hang();
    ScriptedBackend backend = ScriptedBackend.of(environment("local", 2, 2, 10));
    ComputeJob started;
    try (EngineFixture f =
        new EngineFixture(backend, ScriptedVerifier.allowAll(), b -> b.publisher(publisher))) {
      started = start(f, new OutputOptions(true, null));
      f.backend.awaitSubmitted(1, WAIT);
      f.backend.job(started.id()).complete(Map.of("summary.csv", SUMMARY));
      f.waiter.awaitStatus(started.id(), JobStatus.PUBLISHING_RESULTS, WAIT);
    }
    publisher.recover();

    StatusLog waiter = new StatusLog();
    try (ComputeEngine restarted =
        engineBuilder(backend, ScriptedVerifier.allowAll())
            .publisher(publisher)
            .addListener(waiter)
            .build()) {
      restarted.ready().toCompletableFuture().get();
      // the republication may end before the waiter listens: its current state counts too
      ComputeJob now = restarted.status(started.id(), TestKey.ALICE.address());
      ComputeJob done = now.isTerminal() ? now : waiter.awaitTerminal(started.id(), WAIT);

      assertThat(done).hasStatus(JobStatus.COMPLETED).hasResultNamed("summary.csv");
      assertThat(done.derivedAssetDid()).contains(RecordingPublisher.didOf(started.id()));
      assertThat(publisher.calls()).hasSize(2);
    }
  }

  private EngineFixture fixture(ComputeEnvironment environment) {
    return new EngineFixture(
        ScriptedBackend.of(environment),
        ScriptedVerifier.allowAll(),
        builder -> builder.publisher(publisher));
  }

  private static ComputeJob start(EngineFixture f, OutputOptions output) {
    return f.engine
        .start(f.requests.by(TestKey.ALICE).dataset(1).configure(b -> b.output(output)).sign())
        .toCompletableFuture()
        .join();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
