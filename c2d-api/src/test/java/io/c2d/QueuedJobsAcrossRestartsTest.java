package io.c2d;

import static io.c2d.EngineAssertions.assertThat;
import static io.c2d.EngineFixture.WAIT;
import static io.c2d.EngineFixture.environment;
import static io.c2d.EngineFixture.failureOf;

import io.c2d.model.ComputeJob;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.JobSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's capacity queue on disk: written before a queued start is acknowledged, queued again
 * in its order by an engine built on the same state directory, gone once the backend holds the job
 * or the job ends; a queue that cannot be written refuses the start.
 */
final class QueuedJobsAcrossRestartsTest {
  @TempDir Path state;

  private EngineFixture engine(ScriptedBackend backend) {
    return new EngineFixture(backend, ScriptedVerifier.allowAll(), b -> b.stateDirectory(state));
  }

  private List<String> queueFiles() throws Exception {
    try (Stream<Path> files = Files.list(state.resolve("queue"))) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void queuedJobsAreQueuedAgainInTheirOrderAndLeaveTheDiskOnceDispatched() throws Exception {
    ComputeJob bob1;
    ComputeJob alice;
    ComputeJob bob2;
    try (EngineFixture f = engine(ScriptedBackend.of(environment("local", 1, 1, 10)))) {
      ComputeJob running =
          f.engine
              .start(f.requests.by(TestKey.CAROL).dataset(1).sign())
              .toCompletableFuture()
              .join();
      bob1 =
          f.engine.start(f.requests.by(TestKey.BOB).dataset(1).sign()).toCompletableFuture().join();
      alice =
          f.engine
              .start(f.requests.by(TestKey.ALICE).dataset(1).sign())
              .toCompletableFuture()
              .join();
      bob2 =
          f.engine.start(f.requests.by(TestKey.BOB).dataset(1).sign()).toCompletableFuture().join();
      assertThat(running).hasStatus(JobStatus.WARMING_UP);
      assertThat(bob1).hasStatus(JobStatus.QUEUED);
      assertThat(queueFiles())
          .containsExactlyInAnyOrder(
              bob1.id().value() + ".json",
              alice.id().value() + ".json",
              bob2.id().value() + ".json");
    }

    // a new engine (and backend, which knows none of them) on the same state directory
    ScriptedBackend backend = ScriptedBackend.of(environment("local", 1, 1, 10));
    try (EngineFixture f = engine(backend)) {
      List<JobId> order = new java.util.ArrayList<>();
      for (int n = 1; n <= 3; n++) {
        JobSpec next = backend.awaitSubmitted(n, WAIT).get(n - 1);
        order.add(next.jobId());
        assertThat(f.engine.status(next.jobId(), next.owner())).hasStatus(JobStatus.WARMING_UP);
        assertThat(queueFiles()).doesNotContain(next.jobId().value() + ".json");
        backend.job(next.jobId()).complete(Map.of());
        f.waiter.awaitTerminal(next.jobId(), WAIT);
      }
      assertThat(order).containsExactly(bob1.id(), alice.id(), bob2.id());
      assertThat(queueFiles()).isEmpty();
      assertThat(f.engine.jobsOf(TestKey.CAROL.address())).isEmpty();
    }
  }

  @Test
  void aQueuedJobStoppedLeavesTheDiskAndIsNotQueuedAgain() throws Exception {
    ComputeJob waiting;
    try (EngineFixture f = engine(ScriptedBackend.of(environment("local", 1, 1, 10)))) {
      f.engine.start(f.requests.by(TestKey.CAROL).dataset(1).sign()).toCompletableFuture().join();
      waiting =
          f.engine.start(f.requests.by(TestKey.BOB).dataset(1).sign()).toCompletableFuture().join();
      assertThat(queueFiles()).hasSize(1);

      f.engine.stop(waiting.id(), TestKey.BOB.address()).toCompletableFuture().join();

      assertThat(queueFiles()).isEmpty();
    }
    ScriptedBackend backend = ScriptedBackend.of(environment("local", 1, 1, 10));
    try (EngineFixture f = engine(backend)) {
      assertThat(f.engine.jobsOf(TestKey.BOB.address())).isEmpty();
      assertThat(backend.submitted()).isEmpty();
    }
  }

  @Test
  void aQueueThatCannotBeWrittenRefusesTheStartAndKeepsNothing() throws Exception {
    try (EngineFixture f = engine(ScriptedBackend.of(environment("local", 1, 1, 10)))) {
      f.engine.start(f.requests.by(TestKey.CAROL).dataset(1).sign()).toCompletableFuture().join();
      // the queue directory replaced by a file: no job can be written there
      Files.delete(state.resolve("queue"));
      Files.writeString(state.resolve("queue"), "not a directory");
      var request = f.requests.by(TestKey.BOB).dataset(1).sign();

      assertThat(failureOf(f.engine.start(request)))
          .isInstanceOf(UnavailableException.class)
          .hasCode(ErrorCode.BACKEND_FAILURE);
      assertThat(f.engine.queuedJobs("local")).isZero();
      assertThat(f.engine.jobsOf(TestKey.BOB.address())).isEmpty();

      // once the disk is back, another start of Bob's is queued (durably) as usual
      Files.delete(state.resolve("queue"));
      Files.createDirectory(state.resolve("queue"));
      ComputeJob queued =
          f.engine.start(f.requests.by(TestKey.BOB).dataset(1).sign()).toCompletableFuture().join();
      assertThat(queued).hasStatus(JobStatus.QUEUED);
      assertThat(queueFiles()).containsExactly(queued.id().value() + ".json");
    }
  }
}
