package io.c2d;

import static io.c2d.EngineAssertions.assertThat;
import static io.c2d.EngineFixture.WAIT;
import static io.c2d.EngineFixture.environment;
import static io.c2d.EngineFixture.failureOf;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.JobStatus;
import io.c2d.model.PhaseTimeouts;
import io.c2d.model.ResultKind;
import io.c2d.spi.agreement.AgreementQuery;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scheduling path, step by step, on the scripted in-memory backend. */
final class SchedulingPathTest {

  @Test
  void aJobMovesThroughEveryStatusAndItsOwnerGetsTheResults() throws Exception {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 2, 2, 10)), ScriptedVerifier.allowAll())) {
      ComputeRequest request = f.requests.by(TestKey.ALICE).dataset(1).sign();

      ComputeJob started = f.engine.start(request).toCompletableFuture().join();
      assertThat(started).hasStatus(JobStatus.WARMING_UP).isOwnedBy(TestKey.ALICE.address());
      f.backend.awaitSubmitted(1, WAIT);
      var handle = f.backend.job(started.id());
      handle.advance(JobStatus.JOB_STARTED);
      handle.advance(JobStatus.CONFIGURING_VOLUMES);
      handle.advance(JobStatus.PROVISIONING_SUCCESS);
      handle.advance(JobStatus.RUNNING_ALGORITHM);
      handle.complete(Map.of("result.csv", "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8)));

      ComputeJob done = f.waiter.awaitTerminal(started.id(), WAIT);
      assertThat(done).hasStatus(JobStatus.COMPLETED).hasResultNamed("result.csv");
      assertThat(f.waiter.statusesOf(started.id()))
          .startsWith(
              JobStatus.WARMING_UP,
              JobStatus.JOB_STARTED,
              JobStatus.CONFIGURING_VOLUMES,
              JobStatus.PROVISIONING_SUCCESS,
              JobStatus.RUNNING_ALGORITHM)
          .endsWith(JobStatus.COMPLETED)
          .doesNotHaveDuplicates();
      int index =
          done.results().stream()
              .filter(r -> r.name().equals("result.csv"))
              .findFirst()
              .orElseThrow()
              .index();
      try (InputStream in =
          f.engine
              .openResult(done.id(), TestKey.ALICE.address(), index)
              .toCompletableFuture()
              .join()) {
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("a,b\n1,2\n");
      }
      assertThat(f.engine.jobsOf(TestKey.ALICE.address()))
          .extracting(ComputeJob::id)
          .containsExactly(done.id());
      assertThat(f.engine.jobsOf(TestKey.BOB.address())).isEmpty();
    }
  }

  @Test
  void theVerifierIsAskedAboutEveryDatasetAndAPublishedAlgorithm() {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 2, 2, 10)), ScriptedVerifier.allowAll())) {
      ComputeRequest request = f.requests.by(TestKey.ALICE).dataset(1).dataset(2).sign();

      f.engine.start(request).toCompletableFuture().join();

      assertThat(f.verifier.queries())
          .extracting(AgreementQuery::did)
          .containsExactlyInAnyOrder(SignedRequests.did(1), SignedRequests.did(2));
      assertThat(f.verifier.queries())
          .allSatisfy(q -> assertThat(q.consumer()).isEqualTo(TestKey.ALICE.address()));
    }
  }

  @Test
  void aRefusedAgreementStartsNothing() {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 2, 2, 10)),
            ScriptedVerifier.allowAll().refuse(SignedRequests.did(2), "no order"))) {
      ComputeRequest request = f.requests.by(TestKey.ALICE).dataset(1).dataset(2).sign();

      assertThat(failureOf(f.engine.start(request)))
          .hasCode(ErrorCode.AGREEMENT_REFUSED)
          .hasMessageContaining("no order");
      assertThat(f.engine.jobsOf(TestKey.ALICE.address())).isEmpty();
      assertThat(f.backend.submitted()).isEmpty();
    }
  }

  @Test
  void anUnknownVerdictNeverStartsAJob() {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 2, 2, 10)),
            ScriptedVerifier.unknownAll("chain unreachable"))) {
      ComputeRequest request = f.requests.by(TestKey.ALICE).dataset(1).sign();

      assertThat(failureOf(f.engine.start(request))).hasCode(ErrorCode.AGREEMENT_UNKNOWN);
      assertThat(f.backend.submitted()).isEmpty();
    }
  }

  @Test
  void aVerifierThatHangsTimesOutAsUnknown() {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 2, 2, 10)),
            ScriptedVerifier.allowAll().hang(),
            b -> b.verifierTimeout(Duration.ofMillis(200)))) {
      ComputeRequest request = f.requests.by(TestKey.ALICE).dataset(1).sign();

      assertThat(failureOf(f.engine.start(request)))
          .hasCode(ErrorCode.AGREEMENT_UNKNOWN)
          .hasMessageContaining("did not answer");
    }
  }

  @Test
  void startingTheSameRequestTwiceGivesOneJob() {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 2, 2, 10)), ScriptedVerifier.allowAll())) {
      ComputeRequest request = f.requests.by(TestKey.ALICE).dataset(1).sign();

      ComputeJob first = f.engine.start(request).toCompletableFuture().join();
      ComputeJob again = f.engine.start(request).toCompletableFuture().join();

      assertThat(again.id()).isEqualTo(first.id());
      f.backend.awaitSubmitted(1, WAIT);
      assertThat(f.backend.submitted()).hasSize(1);
    }
  }

  @Test
  void aRequestIdReusedForAnotherRequestIsRefused() {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 2, 2, 10)), ScriptedVerifier.allowAll())) {
      f.engine
          .start(f.requests.by(TestKey.ALICE).dataset(1).configure(b -> b.requestId("r-1")).sign())
          .toCompletableFuture()
          .join();

      ComputeRequest other =
          f.requests.by(TestKey.ALICE).dataset(2).configure(b -> b.requestId("r-1")).sign();

      assertThat(failureOf(f.engine.start(other)))
          .hasCode(ErrorCode.REQUEST_ID_CONFLICT)
          .hasField("requestId");
    }
  }

  @Test
  void jobsBeyondCapacityWaitAndRunAsOthersEnd() {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 1, 1, 10)), ScriptedVerifier.allowAll())) {
      ComputeJob first =
          f.engine
              .start(f.requests.by(TestKey.ALICE).dataset(1).sign())
              .toCompletableFuture()
              .join();
      ComputeJob second =
          f.engine.start(f.requests.by(TestKey.BOB).dataset(1).sign()).toCompletableFuture().join();

      assertThat(first).hasStatus(JobStatus.WARMING_UP);
      assertThat(second).hasStatus(JobStatus.QUEUED);
      assertThat(f.engine.queuedJobs("local")).isEqualTo(1);

      f.backend.awaitSubmitted(1, WAIT);
      f.backend.job(first.id()).complete(Map.of());

      f.waiter.awaitStatus(second.id(), JobStatus.WARMING_UP, WAIT);
      f.backend.awaitSubmitted(2, WAIT);
      assertThat(f.engine.runningJobs("local")).isEqualTo(1);
      assertThat(f.engine.queuedJobs("local")).isZero();
    }
  }

  @Test
  void aFloodingConsumerDoesNotStarveTheOthers() {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 1, 1, 100)), ScriptedVerifier.allowAll())) {
      List<ComputeJob> flood = new java.util.ArrayList<>();
      for (int i = 0; i < 5; i++) {
        flood.add(
            f.engine
                .start(f.requests.by(TestKey.ALICE).dataset(1).sign())
                .toCompletableFuture()
                .join());
      }
      ComputeJob bobs =
          f.engine.start(f.requests.by(TestKey.BOB).dataset(1).sign()).toCompletableFuture().join();
      assertThat(bobs).hasStatus(JobStatus.QUEUED);

      f.backend.awaitSubmitted(1, WAIT);
      f.backend.job(flood.get(0).id()).complete(Map.of());

      // Bob queued after four of Alice's jobs, but he is next: round-robin between consumers.
      f.waiter.awaitStatus(bobs.id(), JobStatus.WARMING_UP, WAIT);
      assertThat(f.engine.status(flood.get(1).id(), TestKey.ALICE.address()))
          .hasStatus(JobStatus.QUEUED);
    }
  }

  @Test
  void aFullQueueRefusesWithAReasonAndKeepsNothing() {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 1, 1, 1)), ScriptedVerifier.allowAll())) {
      f.engine.start(f.requests.by(TestKey.ALICE).dataset(1).sign()).toCompletableFuture().join();
      f.engine.start(f.requests.by(TestKey.BOB).dataset(1).sign()).toCompletableFuture().join();

      assertThat(failureOf(f.engine.start(f.requests.by(TestKey.CAROL).dataset(1).sign())))
          .hasCode(ErrorCode.CAPACITY_EXHAUSTED)
          .hasMessageContaining("queue capacity 1");
      assertThat(f.engine.jobsOf(TestKey.CAROL.address())).isEmpty();
    }
  }

  @Test
  void stopWorksWhileQueuedAndWhileRunning() {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 1, 1, 10)), ScriptedVerifier.allowAll())) {
      ComputeJob running =
          f.engine
              .start(f.requests.by(TestKey.ALICE).dataset(1).sign())
              .toCompletableFuture()
              .join();
      ComputeJob queued =
          f.engine.start(f.requests.by(TestKey.BOB).dataset(1).sign()).toCompletableFuture().join();
      f.backend.awaitSubmitted(1, WAIT);
      f.backend.job(running.id()).advance(JobStatus.RUNNING_ALGORITHM);

      ComputeJob stoppedInQueue =
          f.engine.stop(queued.id(), TestKey.BOB.address()).toCompletableFuture().join();
      ComputeJob stoppedRunning =
          f.engine.stop(running.id(), TestKey.ALICE.address()).toCompletableFuture().join();

      assertThat(stoppedInQueue).hasStatus(JobStatus.STOPPED);
      assertThat(stoppedRunning).hasStatus(JobStatus.STOPPED);
      assertThat(f.engine.runningJobs("local")).isZero();
      assertThat(f.engine.queuedJobs("local")).isZero();
      assertThat(f.backend.submitted()).hasSize(1);
    }
  }

  @Test
  void deleteRemovesAnEndedJob() {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 1, 1, 10)), ScriptedVerifier.allowAll())) {
      ComputeJob job =
          f.engine
              .start(f.requests.by(TestKey.ALICE).dataset(1).sign())
              .toCompletableFuture()
              .join();
      f.backend.awaitSubmitted(1, WAIT);
      f.backend.job(job.id()).complete(Map.of("out.txt", new byte[] {1}));
      f.waiter.awaitTerminal(job.id(), WAIT);

      f.engine.delete(job.id(), TestKey.ALICE.address()).toCompletableFuture().join();

      assertThat(f.engine.jobsOf(TestKey.ALICE.address())).isEmpty();
      assertThat(
              EngineAssertions.catchThrowableOfType(
                  NotFoundException.class,
                  () -> f.engine.status(job.id(), TestKey.ALICE.address())))
          .isNotNull();
    }
  }

  @Test
  void aFailedAlgorithmKeepsItsExitCode() {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 1, 1, 10)), ScriptedVerifier.allowAll())) {
      ComputeJob job =
          f.engine
              .start(f.requests.by(TestKey.ALICE).dataset(1).sign())
              .toCompletableFuture()
              .join();
      f.backend.awaitSubmitted(1, WAIT);
      f.backend.job(job.id()).fail(JobStatus.ALGORITHM_FAILED, 3, "exit 3");

      assertThat(f.waiter.awaitTerminal(job.id(), WAIT))
          .hasStatus(JobStatus.ALGORITHM_FAILED)
          .hasExitCode(3);
    }
  }

  @Test
  void aJobStuckInStagingTimesOut() {
    ManualTime time = new ManualTime();
    ComputeEnvironment slow = limited("slow", 1, Duration.ofHours(1), Duration.ofMinutes(2));
    try (EngineFixture f =
        new EngineFixture(ScriptedBackend.of(slow), ScriptedVerifier.allowAll(), time)) {
      ComputeJob job =
          f.engine
              .start(f.requests.by(TestKey.ALICE).dataset(1).environment("slow").sign())
              .toCompletableFuture()
              .join();

      time.advance(Duration.ofSeconds(119));
      assertStillIn(f, job, JobStatus.WARMING_UP);
      time.advance(Duration.ofSeconds(2));

      assertThat(f.waiter.awaitTerminal(job.id(), WAIT))
          .hasStatus(JobStatus.TIMED_OUT)
          .hasDetailContaining("staging");
      assertThat(f.engine.runningJobs(slow.id())).isZero();
    }
  }

  @Test
  void aJobThatWaitsTooLongInTheQueueTimesOut() {
    ManualTime time = new ManualTime();
    ComputeEnvironment full = limited("local", 1, Duration.ofMinutes(5), Duration.ofHours(1));
    try (EngineFixture f =
        new EngineFixture(ScriptedBackend.of(full), ScriptedVerifier.allowAll(), time)) {
      f.engine.start(f.requests.by(TestKey.ALICE).dataset(1).sign()).toCompletableFuture().join();
      ComputeJob waiting =
          f.engine.start(f.requests.by(TestKey.BOB).dataset(1).sign()).toCompletableFuture().join();
      assertThat(waiting).hasStatus(JobStatus.QUEUED);

      time.advance(Duration.ofMinutes(4));
      assertStillIn(f, waiting, JobStatus.QUEUED);
      time.advance(Duration.ofMinutes(2));

      assertThat(f.waiter.awaitTerminal(waiting.id(), WAIT))
          .hasStatus(JobStatus.TIMED_OUT)
          .hasDetailContaining("queued");
      assertThat(f.engine.queuedJobs("local")).isZero();
      assertThat(f.backend.submitted()).hasSize(1);
    }
  }

  /** Three sweeps of the watchdog pass (they run on real time) and the job has not moved. */
  static void assertStillIn(EngineFixture f, ComputeJob job, JobStatus status) {
    try {
      Thread.sleep(3 * Deadlines.TICK.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    assertThat(f.engine.status(job.id(), job.owner())).hasStatus(status);
  }

  /** An environment of {@code slots} jobs with the given queued and staging limits. */
  static ComputeEnvironment limited(String id, int slots, Duration queued, Duration staging) {
    ComputeEnvironment base = environment(id, slots, 1, 10);
    return ComputeEnvironment.builder(id)
        .capacity(base.capacity())
        .maxPerJob(base.maxPerJob())
        .maxConcurrentJobs(slots)
        .maxJobsPerConsumer(1)
        .queueCapacity(10)
        .maxDuration(base.maxDuration())
        .phaseTimeouts(new PhaseTimeouts(queued, staging, Duration.ofMinutes(10)))
        .build();
  }

  @Test
  void aBackendThatRefusesTheJobFailsItAndFreesItsCapacity() {
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 1, 1, 10)), ScriptedVerifier.allowAll())) {
      f.backend.failNextSubmit(new IllegalStateException("engine down"));

      ComputeJob job =
          f.engine
              .start(f.requests.by(TestKey.ALICE).dataset(1).sign())
              .toCompletableFuture()
              .join();

      assertThat(f.waiter.awaitTerminal(job.id(), WAIT))
          .hasStatus(JobStatus.FAILED)
          .hasDetailContaining("engine down");
      assertThat(f.engine.runningJobs("local")).isZero();
    }
  }

  @Test
  void aRestartedEngineFindsEveryJobAgain() {
    ScriptedBackend backend = ScriptedBackend.of(environment("local", 2, 2, 10));
    ComputeRequest request;
    ComputeJob finished;
    ComputeJob running;
    try (EngineFixture first = new EngineFixture(backend, ScriptedVerifier.allowAll())) {
      finished =
          first
              .engine
              .start(first.requests.by(TestKey.ALICE).dataset(1).sign())
              .toCompletableFuture()
              .join();
      request = first.requests.by(TestKey.ALICE).dataset(2).sign();
      running = first.engine.start(request).toCompletableFuture().join();
      backend.awaitSubmitted(2, WAIT);
      backend.job(finished.id()).complete(Map.of("kept.txt", new byte[] {7}));
      backend.job(running.id()).advance(JobStatus.RUNNING_ALGORITHM);
      first.waiter.awaitTerminal(finished.id(), WAIT);
    }

    try (EngineFixture second = new EngineFixture(backend, ScriptedVerifier.allowAll())) {
      assertThat(second.engine.status(finished.id(), TestKey.ALICE.address()))
          .hasStatus(JobStatus.COMPLETED)
          .hasResultNamed("kept.txt");
      assertThat(second.engine.status(running.id(), TestKey.ALICE.address()))
          .hasStatus(JobStatus.RUNNING_ALGORITHM);
      assertThat(second.engine.runningJobs("local")).isEqualTo(1);

      ComputeJob retried = second.engine.start(request).toCompletableFuture().join();
      assertThat(retried.id()).isEqualTo(running.id());
      assertThat(backend.submitted()).hasSize(2);

      backend.job(running.id()).complete(Map.of());
      assertThat(second.waiter.awaitTerminal(running.id(), WAIT)).hasStatus(JobStatus.COMPLETED);
      assertThat(second.engine.results(running.id(), TestKey.ALICE.address()))
          .noneMatch(r -> r.kind() == ResultKind.OUTPUT);
    }
  }

  @Test
  void aBackendWhoseRecoveryFailsIsAskedAgainAndItsJobsAreFound() {
    ScriptedBackend backend = ScriptedBackend.of(environment("local", 2, 2, 10));
    ComputeJob running;
    try (EngineFixture first = new EngineFixture(backend, ScriptedVerifier.allowAll())) {
      running =
          first
              .engine
              .start(first.requests.by(TestKey.ALICE).dataset(1).sign())
              .toCompletableFuture()
              .join();
      backend.awaitSubmitted(1, WAIT);
      backend.job(running.id()).advance(JobStatus.RUNNING_ALGORITHM);
    }
    // the backend's infrastructure comes up after the engine: its first two recoveries fail
    backend.failNextRecoveries(2);
    int before = backend.recoveries();

    try (EngineFixture second = new EngineFixture(backend, ScriptedVerifier.allowAll())) {
      assertThat(backend.recoveries() - before).as("recoveries asked for").isEqualTo(3);
      assertThat(second.engine.status(running.id(), TestKey.ALICE.address()))
          .hasStatus(JobStatus.RUNNING_ALGORITHM);
      assertThat(second.engine.runningJobs("local")).isEqualTo(1);
      backend.job(running.id()).complete(Map.of());
      assertThat(second.waiter.awaitTerminal(running.id(), WAIT)).hasStatus(JobStatus.COMPLETED);
    }
  }

  @Test
  void aBackendWhoseRecoveryKeepsFailingIsGivenUpAndTheEngineStillBecomesReady() {
    ScriptedBackend backend = ScriptedBackend.of(environment("local", 2, 2, 10));
    backend.failNextRecoveries(Integer.MAX_VALUE);

    try (EngineFixture engine = new EngineFixture(backend, ScriptedVerifier.allowAll())) {
      assertThat(backend.recoveries()).isEqualTo(Recovery.RETRY_PAUSES.size() + 1);
      ComputeJob fresh =
          engine
              .engine
              .start(engine.requests.by(TestKey.ALICE).dataset(1).sign())
              .toCompletableFuture()
              .join();
      assertThat(backend.awaitSubmitted(1, WAIT))
          .as("a new job still reaches the backend")
          .extracting(spec -> spec.jobId())
          .containsExactly(fresh.id());
    }
  }
}
