package io.c2d.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.NotFoundException;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The scripted backend does exactly what the test tells it, and nothing else. */
final class InMemoryComputeBackendTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final EthAddress OWNER = EthAddress.of("0x" + "cd".repeat(20));
  private static final ComputeEnvironment LOCAL = ComputeEnvironment.builder("local").build();

  private final InMemoryComputeBackend backend = InMemoryComputeBackend.create(LOCAL);
  private final RecordingListener listener = new RecordingListener();

  private static JobSpec spec(String requestId) {
    return JobSpec.builder(JobId.derive(OWNER, requestId), OWNER)
        .requestId(requestId)
        .datasets(List.of(DatasetInput.builder(Did.of("1".repeat(64)), "compute").build()))
        .algorithm(Algorithm.raw(ContainerSpec.of("busybox", "stable", "sh $ALGO"), "true").build())
        .environmentId("local")
        .build();
  }

  private static String read(InMemoryComputeBackend backend, JobId id, JobResult result)
      throws Exception {
    try (InputStream in =
        backend.openResult(id, result).toCompletableFuture().get(10, TimeUnit.SECONDS)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aManualJobMovesOnlyWhenTheTestSaysSo() throws Exception {
    JobSpec spec = spec("manual");

    assertThat(backend.submit(spec, listener).toCompletableFuture()).isCompleted();
    assertThat(backend.submitted()).containsExactly(spec);
    assertThat(listener.statuses(spec.jobId())).isEmpty();

    InMemoryComputeBackend.JobHandle job = backend.job(spec.jobId());
    job.advance(JobStatus.JOB_STARTED).advance(JobStatus.RUNNING_ALGORITHM);
    job.complete(
        Map.of(
            "b.txt", "bee".getBytes(StandardCharsets.UTF_8),
            "a.txt", "ay".getBytes(StandardCharsets.UTF_8)));

    assertThat(listener.statuses(spec.jobId()))
        .containsExactly(
            JobStatus.JOB_STARTED,
            JobStatus.RUNNING_ALGORITHM,
            JobStatus.PUBLISHING_RESULTS,
            JobStatus.COMPLETED);
    BackendJobState done = listener.awaitTerminal(spec.jobId(), WAIT);
    assertThat(done.exitCode()).isZero();
    assertThat(done.results())
        .extracting(JobResult::name)
        .containsExactly("a.txt", "b.txt", "algorithm.log", "configuration.log", "publish.log");
    assertThat(done.results()).extracting(JobResult::index).containsExactly(0, 1, 2, 3, 4);
    assertThat(read(backend, spec.jobId(), done.results().get(1))).isEqualTo("bee");
    assertThat(job.status()).isEqualTo(JobStatus.COMPLETED);
  }

  @Test
  void misuseIsRefusedAtOnce() {
    JobSpec spec = spec("misuse");
    backend.submit(spec, listener);
    InMemoryComputeBackend.JobHandle job = backend.job(spec.jobId());
    job.advance(JobStatus.RUNNING_ALGORITHM);

    assertThatThrownBy(() -> job.advance(JobStatus.CONFIGURING_VOLUMES))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("RUNNING_ALGORITHM");
    assertThatThrownBy(() -> job.advance(JobStatus.COMPLETED))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> job.fail(JobStatus.COMPLETED, 0, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> job.complete(Map.of("../escape", new byte[0])))
        .isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> backend.job(JobId.derive(OWNER, "unknown")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no job");

    job.fail(JobStatus.ALGORITHM_FAILED, 3, "exit 3");
    assertThatThrownBy(() -> job.complete(Map.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ALGORITHM_FAILED");
    BackendJobState failed = listener.awaitTerminal(spec.jobId(), WAIT);
    assertThat(failed.status()).isEqualTo(JobStatus.ALGORITHM_FAILED);
    assertThat(failed.exitCode()).isEqualTo(3);
    assertThat(failed.detail()).isEqualTo("exit 3");
    assertThat(failed.results())
        .extracting(JobResult::kind)
        .containsExactly(
            ResultKind.ALGORITHM_LOG, ResultKind.CONFIGURATION_LOG, ResultKind.PUBLISH_LOG);
  }

  @Test
  void autoCompleteRunsEveryJobThroughAtOnce() throws Exception {
    backend.autoComplete(Map.of("out.csv", "1,2\n".getBytes(StandardCharsets.UTF_8)));
    JobSpec spec = spec("auto");

    backend.submit(spec, listener);

    assertThat(listener.statuses(spec.jobId()))
        .containsExactly(
            JobStatus.JOB_STARTED,
            JobStatus.CONFIGURING_VOLUMES,
            JobStatus.PROVISIONING_SUCCESS,
            JobStatus.RUNNING_ALGORITHM,
            JobStatus.PUBLISHING_RESULTS,
            JobStatus.COMPLETED);
    BackendJobState done = listener.awaitTerminal(spec.jobId(), WAIT);
    assertThat(done.results().get(0)).isEqualTo(new JobResult("out.csv", ResultKind.OUTPUT, 4, 0));
    assertThat(read(backend, spec.jobId(), done.results().get(0))).isEqualTo("1,2\n");
  }

  @Test
  void submitsMadeFromInsideAListenerNeverRecurse() {
    backend.autoComplete();
    int jobs = 20_000;
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger depth = new AtomicInteger();
    AtomicInteger deepest = new AtomicInteger();
    CompletableFuture<Void> all = new CompletableFuture<>();
    io.c2d.spi.backend.BackendListener chain =
        new io.c2d.spi.backend.BackendListener() {
          @Override
          public void onUpdate(BackendJobState state) {
            deepest.accumulateAndGet(depth.incrementAndGet(), Math::max);
            try {
              if (state.status() == JobStatus.COMPLETED) {
                int done = completed.incrementAndGet();
                if (done < jobs) {
                  backend.submit(spec("chain-" + done), this);
                } else {
                  all.complete(null);
                }
              }
            } finally {
              depth.decrementAndGet();
            }
          }
        };

    backend.submit(spec("chain-0"), chain);

    assertThat(all).isCompleted();
    assertThat(completed).hasValue(jobs);
    assertThat(deepest).hasValue(1);
  }

  @Test
  void aKnownJobIsNotAcceptedTwice() {
    JobSpec spec = spec("twice");
    backend.submit(spec, listener);
    backend.job(spec.jobId()).advance(JobStatus.JOB_STARTED);
    RecordingListener again = new RecordingListener();

    backend.submit(spec, again);

    assertThat(backend.submitted()).hasSize(1);
    assertThat(backend.submitCalls()).isEqualTo(2);
    assertThat(again.statuses(spec.jobId())).containsExactly(JobStatus.JOB_STARTED);
    backend.job(spec.jobId()).advance(JobStatus.RUNNING_ALGORITHM);
    assertThat(again.statuses(spec.jobId())).endsWith(JobStatus.RUNNING_ALGORITHM);
  }

  @Test
  void failNextSubmitRefusesOneSubmit() {
    backend.failNextSubmit(new IllegalStateException("engine down"));

    assertThat(backend.submit(spec("refused"), listener).toCompletableFuture())
        .failsWithin(WAIT)
        .withThrowableOfType(ExecutionException.class)
        .withMessageContaining("engine down");
    assertThat(backend.submitted()).isEmpty();
    assertThat(backend.submit(spec("accepted"), listener).toCompletableFuture()).isCompleted();
    assertThat(backend.submitted()).hasSize(1);
  }

  @Test
  void awaitSubmittedWaitsForAnotherThreadAndGivesUpAtItsTimeout() throws Exception {
    assertThatThrownBy(() -> backend.awaitSubmitted(1, Duration.ofMillis(50)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("at least 1");

    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<List<JobSpec>> waiting =
        CompletableFuture.supplyAsync(
            () -> {
              started.countDown();
              return backend.awaitSubmitted(2, WAIT);
            });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    backend.submit(spec("one"), listener);
    backend.submit(spec("two"), listener);

    assertThat(waiting.get(10, TimeUnit.SECONDS)).hasSize(2);
  }

  @Test
  void stopEndsARunningJobAndIgnoresTheRest() {
    JobSpec spec = spec("stop");
    backend.submit(spec, listener);
    backend.job(spec.jobId()).advance(JobStatus.RUNNING_ALGORITHM);

    assertThat(backend.stop(spec.jobId()).toCompletableFuture()).isCompleted();
    backend.stop(spec.jobId());
    backend.stop(JobId.derive(OWNER, "unknown"));

    assertThat(listener.statuses(spec.jobId()))
        .containsExactly(JobStatus.RUNNING_ALGORITHM, JobStatus.STOPPED);
    assertThat(listener.awaitTerminal(spec.jobId(), WAIT).detail()).isEqualTo("stopped on request");
  }

  @Test
  void aListenerMayStopTheJobFromInsideAReport() {
    JobSpec spec = spec("reentrant");
    RecordingListener record = new RecordingListener();
    backend.submit(
        spec,
        state -> {
          record.onUpdate(state);
          if (state.status() == JobStatus.RUNNING_ALGORITHM) {
            backend.stop(state.jobId());
          }
        });

    backend.job(spec.jobId()).advance(JobStatus.RUNNING_ALGORITHM);

    assertThat(record.statuses(spec.jobId()))
        .containsExactly(JobStatus.RUNNING_ALGORITHM, JobStatus.STOPPED);
    assertThat(record.overlaps()).isZero();
  }

  @Test
  void deleteForgetsTheJob() {
    JobSpec spec = spec("delete");
    backend.submit(spec, listener);
    backend.job(spec.jobId()).complete(Map.of("x", new byte[] {1}));

    backend.delete(spec.jobId());

    assertThatThrownBy(() -> backend.job(spec.jobId()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(
            backend
                .openResult(spec.jobId(), new JobResult("x", ResultKind.OUTPUT, 1, 0))
                .toCompletableFuture())
        .failsWithin(WAIT)
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            NotFoundException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.JOB_NOT_FOUND));
    assertThat(backend.recover(listener).toCompletableFuture().join()).isEmpty();
  }

  @Test
  void resultsAreServedOnlyOnceTheJobHasEndedAndOnlyIfListed() {
    JobSpec spec = spec("results");
    backend.submit(spec, listener);
    JobResult x = new JobResult("x", ResultKind.OUTPUT, 1, 0);

    assertThat(backend.openResult(spec.jobId(), x).toCompletableFuture())
        .failsWithin(WAIT)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(NotFoundException.class);
    backend.job(spec.jobId()).complete(Map.of("x", new byte[] {1}));
    assertThat(backend.openResult(spec.jobId(), x).toCompletableFuture()).isCompleted();
    assertThat(
            backend
                .openResult(spec.jobId(), new JobResult("x", ResultKind.ALGORITHM_LOG, 1, 0))
                .toCompletableFuture())
        .failsWithin(WAIT)
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            NotFoundException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.RESULT_NOT_FOUND));
  }

  @Test
  void aSecondInstanceOverTheSameInfrastructureRecoversEveryJob() throws Exception {
    JobSpec finished = spec("finished");
    JobSpec running = spec("running");
    backend.submit(finished, listener);
    backend.submit(running, listener);
    backend.job(finished.jobId()).complete(Map.of("kept.txt", new byte[] {7}));
    backend.job(running.jobId()).advance(JobStatus.RUNNING_ALGORITHM);

    InMemoryComputeBackend restarted = InMemoryComputeBackend.sharing(backend);
    RecordingListener second = new RecordingListener();
    List<RecoveredJob> found = restarted.recover(second).toCompletableFuture().join();

    assertThat(found)
        .extracting(job -> job.spec().jobId(), job -> job.state().status())
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(finished.jobId(), JobStatus.COMPLETED),
            org.assertj.core.groups.Tuple.tuple(running.jobId(), JobStatus.RUNNING_ALGORITHM));
    BackendJobState kept =
        found.stream().filter(job -> job.spec().equals(finished)).findFirst().orElseThrow().state();
    assertThat(read(restarted, finished.jobId(), kept.results().get(0))).isEqualTo("\u0007");

    restarted.job(running.jobId()).complete(Map.of());
    assertThat(second.statuses(running.jobId()))
        .containsExactly(JobStatus.PUBLISHING_RESULTS, JobStatus.COMPLETED);
    assertThat(listener.statuses(running.jobId())).containsExactly(JobStatus.RUNNING_ALGORITHM);
  }

  @Test
  void aMisbehavingBackendCanBeScripted() {
    JobSpec spec = spec("odd");
    backend.submit(spec, listener);
    InMemoryComputeBackend.JobHandle job = backend.job(spec.jobId());
    job.advance(JobStatus.RUNNING_ALGORITHM);

    job.report(BackendJobState.of(spec.jobId(), JobStatus.JOB_STARTED, java.time.Instant.EPOCH));

    assertThat(listener.statuses(spec.jobId()))
        .containsExactly(JobStatus.RUNNING_ALGORITHM, JobStatus.JOB_STARTED);
  }

  @Test
  void createNeedsDistinctEnvironments() {
    assertThatThrownBy(InMemoryComputeBackend::create).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InMemoryComputeBackend.create(LOCAL, LOCAL))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(backend.environments()).containsExactly(LOCAL);
  }
}
