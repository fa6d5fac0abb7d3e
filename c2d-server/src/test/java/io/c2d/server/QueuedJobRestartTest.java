package io.c2d.server;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;

import io.c2d.ComputeEngine;
import io.c2d.backend.local.EmbeddedComputeBackend;
import io.c2d.backend.local.SandboxMode;
import io.c2d.keeper.Web3jAuthenticator;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.EthAddress;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.JobWaiter;
import io.c2d.testkit.TestRequests;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job acknowledged as queued for capacity survives the engine: an engine built again on the same
 * state directory queues it again and runs it, once, to completion (on the embedded backend, a real
 * process per job). The kill -9 version of this is {@link RestartHarnessTest}.
 */
final class QueuedJobRestartTest {
  private static final long CHAIN_ID = 8996;
  private static final EthAddress PROVIDER =
      EthAddress.of("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  private ComputeEngine engine(EmbeddedComputeBackend backend) {
    return ComputeEngine.builder()
        .backend(backend)
        .verifier(FakeAgreementVerifier.allowAll())
        .authenticator(Web3jAuthenticator.create())
        .chainId(CHAIN_ID)
        .providerAddress(PROVIDER)
        .stateDirectory(dir.resolve("state"))
        .build();
  }

  private EmbeddedComputeBackend backend() {
    return EmbeddedComputeBackend.builder()
        .workRoot(dir.resolve("jobs"))
        .sandbox(SandboxMode.OFF)
        // one slot: the second job waits for the first
        .environment(ComputeEnvironment.builder("local").maxConcurrentJobs(1).build())
        .build();
  }

  @Test
  void aJobQueuedForCapacityIsQueuedAgainByTheRebuiltEngineAndCompletesOnce() throws Exception {
    Path gate = dir.resolve("gate");
    Path runs = Files.createDirectories(dir.resolve("runs"));
    TestRequests requests = TestRequests.create(CHAIN_ID, PROVIDER);
    EthAddress owner = EthereumKey.ALICE.address();
    Path queue = dir.resolve("state").resolve("queue");
    java.net.URI input = Files.writeString(dir.resolve("input.csv"), "a\nb\n").toUri();

    ComputeJob blocker;
    ComputeJob queued;
    EmbeddedComputeBackend first = backend();
    try (ComputeEngine engine = engine(first)) {
      blocker =
          engine
              .start(
                  requests
                      .by(EthereumKey.ALICE)
                      .dataset(1, input)
                      .rawAlgorithm(
                          "i=0; while [ ! -f '"
                              + gate
                              + "' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n"
                              + "echo blocker > \"$OUTPUTS/who.txt\"")
                      .sign())
              .toCompletableFuture()
              .get();
      queued =
          engine
              .start(
                  requests
                      .by(EthereumKey.ALICE)
                      .dataset(1, input)
                      .rawAlgorithm(
                          "echo run >> '"
                              + runs.resolve("queued")
                              + "'\necho queued > \"$OUTPUTS/who.txt\"")
                      .sign())
              .toCompletableFuture()
              .get();
      assertThat(queued).hasStatus(JobStatus.QUEUED);
      assertThat(queue.resolve(queued.id().value() + ".json")).exists();
      assertThat(queue.resolve(blocker.id().value() + ".json")).doesNotExist();
    } finally {
      first.close();
    }

    // the process that acknowledged it is gone; a new one starts on the same directories
    EmbeddedComputeBackend second = backend();
    try (ComputeEngine engine = engine(second);
        JobWaiter waiter = JobWaiter.on(engine)) {
      engine.ready().toCompletableFuture().get();
      assertThat(engine.status(queued.id(), owner)).hasStatus(JobStatus.QUEUED);
      assertThat(engine.queuedJobs("local")).isEqualTo(1);

      Files.writeString(gate, "go");
      ComputeJob done = waiter.awaitTerminal(queued.id(), WAIT);
      ComputeJob blockerDone = waiter.awaitTerminal(blocker.id(), WAIT);

      assertThat(blockerDone).hasStatus(JobStatus.COMPLETED);
      assertThat(done).hasStatus(JobStatus.COMPLETED).hasResultNamed("who.txt");
      assertThat(read(engine, done, "who.txt")).isEqualTo("queued\n");
      assertThat(Files.readString(runs.resolve("queued"))).isEqualTo("run\n");
      assertThat(waiter.statusesOf(queued.id()))
          .containsSubsequence(
              JobStatus.WARMING_UP, JobStatus.RUNNING_ALGORITHM, JobStatus.COMPLETED);
      try (Stream<Path> left = Files.list(queue)) {
        assertThat(left).as("the queue file is gone once the backend holds the job").isEmpty();
      }
      engine.delete(queued.id(), owner).toCompletableFuture().get();
      engine.delete(blocker.id(), owner).toCompletableFuture().get();
    } finally {
      second.close();
    }

    // a third engine finds nothing to queue and runs nothing again
    EmbeddedComputeBackend third = backend();
    try (ComputeEngine engine = engine(third)) {
      engine.ready().toCompletableFuture().get();
      assertThat(engine.jobsOf(owner)).isEmpty();
      assertThat(Files.readString(runs.resolve("queued"))).isEqualTo("run\n");
    } finally {
      third.close();
    }
  }

  private static String read(ComputeEngine engine, ComputeJob job, String name) throws Exception {
    JobResult result =
        job.results().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    try (InputStream in =
        engine.openResult(job.id(), job.owner(), result.index()).toCompletableFuture().join()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
