package io.c2d.testkit.conformance;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;

import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The tests of the conformance kit's {@link ComputeBackendConformanceKit.Stop} group: stop ends a
 * job at any stage, and is harmless once it has ended. Run only through that nested class, which
 * hands in the kit's fixture.
 */
abstract class StopPromises extends PromiseGroup {
  StopPromises(ConformanceFixture fixture) {
    super(fixture);
  }

  @Test
  @DisplayName("stop while the job is staging ends it as STOPPED")
  void stopWhileStaging() {
    CompletableFuture<BackendJobState> stoppedAt = new CompletableFuture<>();
    CompletableFuture<CompletionStage<Void>> stopStage = new CompletableFuture<>();
    KitJob job =
        submit(
            TestAlgorithms.SLEEP_FOREVER,
            spec -> {},
            Map.of(),
            first -> {
              stoppedAt.complete(first);
              stopStage.complete(backend().stop(first.jobId()));
            });
    BackendJobState end = job.awaitTerminal();

    assertThat(stoppedAt.getNow(end).status().rank())
        .as(
            "stop was asked at the first report, %s, before RUNNING_ALGORITHM",
            stoppedAt.getNow(end).status())
        .isLessThan(JobStatus.RUNNING_ALGORITHM.rank());
    assertThat(end.status()).as("end of %s", job.recorder.statuses()).isEqualTo(JobStatus.STOPPED);
    join(stopStage.getNow(CompletableFuture.completedFuture(null)));
  }

  @Test
  @DisplayName("stop while the algorithm runs ends the job as STOPPED")
  void stopWhileRunning() {
    KitJob job = submit(TestAlgorithms.SLEEP_FOREVER, spec -> {});
    job.recorder.awaitStatus(JobStatus.RUNNING_ALGORITHM, timeout());

    join(backend().stop(job.id()));
    BackendJobState end = job.awaitTerminal();

    assertThat(end.status()).as("end of %s", job.recorder.statuses()).isEqualTo(JobStatus.STOPPED);
  }

  @Test
  @DisplayName("stop after the end changes nothing: same status, same results")
  void stopAfterTheEnd() {
    KitJob job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
    BackendJobState end = job.awaitTerminal();
    List<JobStatus> before = job.recorder.statuses();

    join(backend().stop(job.id()));

    assertThat(job.recorder.statuses()).as("statuses after a late stop").isEqualTo(before);
    assertThat(read(job.id(), only(end, ResultKind.ALGORITHM_LOG)))
        .as("the algorithm log")
        .isNotNull();
  }

  @Test
  @DisplayName("stopping a job the backend does not know does nothing")
  void stopUnknownJob() {
    join(backend().stop(JobId.derive(ConformanceFixture.OWNER.address(), "never-submitted")));
  }
}
