package io.c2d.testkit.conformance;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;
import static java.util.concurrent.TimeUnit.MILLISECONDS;

import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.RecoveredJob;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The tests of the conformance kit's {@link ComputeBackendConformanceKit.Restart} group: a second
 * backend instance over the same infrastructure. Run only through that nested class, which hands in
 * the kit's fixture.
 */
abstract class RestartPromises extends PromiseGroup {
  RestartPromises(ConformanceFixture fixture) {
    super(fixture);
  }

  @Test
  @DisplayName("a second instance finds the running and the finished jobs")
  void findsRunningAndFinishedJobs() throws Exception {
    Restarted restarted = restart();

    Map<JobId, RecoveredJob> found = restarted.recovered;
    assertThat(found)
        .as("jobs recovered")
        .containsKeys(restarted.running.id(), restarted.finished.id());
    RecoveredJob running = Objects.requireNonNull(found.get(restarted.running.id()));
    RecoveredJob finished = Objects.requireNonNull(found.get(restarted.finished.id()));
    assertThat(running.state().status().isTerminal())
        .as("the running job is still running: %s", running.state())
        .isFalse();
    assertThat(finished.state().status())
        .as("the finished job")
        .isEqualTo(restarted.finishedEnd.status());
    assertThat(finished.spec()).as("the finished job's spec").isEqualTo(restarted.finished.spec);
  }

  @Test
  @DisplayName("the second instance keeps tracking a running job: its end reaches the new listener")
  void keepsTrackingRunningJobs() throws Exception {
    Restarted restarted = restart();

    join(backend().stop(restarted.running.id()));
    BackendJobState end =
        restarted.listener.await(
            state -> state.jobId().equals(restarted.running.id()) && state.status().isTerminal(),
            "to end",
            timeout());

    assertThat(end.status())
        .as("the recovered running job after a stop")
        .isEqualTo(JobStatus.STOPPED);
  }

  @Test
  @DisplayName("the second instance serves the finished job's results, byte for byte")
  void servesFinishedResults() throws Exception {
    Restarted restarted = restart();

    for (JobResult result : restarted.finishedEnd.results()) {
      assertThat(read(restarted.finished.id(), result))
          .as("%s %s after the restart", result.kind(), result.name())
          .isEqualTo(restarted.bytesBefore.get(result.kind() + "/" + result.name()));
    }
  }

  @Test
  @DisplayName("submitting a known job again to the second instance never starts it twice")
  void neverStartsAJobTwice() throws Exception {
    Restarted restarted = restart();

    Recorder again = new Recorder(restarted.finished.id());
    join(backend().submit(restarted.finished.spec, again));
    Recorder runningAgain = new Recorder(restarted.running.id());
    join(backend().submit(restarted.running.spec, runningAgain));
    BackendJobState finishedNow = again.await(state -> true, "to be reported", timeout());
    BackendJobState runningNow = runningAgain.await(state -> true, "to be reported", timeout());

    assertThat(finishedNow.status())
        .as("the finished job, submitted again")
        .isEqualTo(restarted.finishedEnd.status());
    assertThat(again.statuses())
        .as("reports of the finished job, submitted again")
        .containsOnly(restarted.finishedEnd.status());
    assertThat(runningNow.status().rank())
        .as("the running job, submitted again, is not started again: %s", runningAgain.statuses())
        .isGreaterThanOrEqualTo(JobStatus.RUNNING_ALGORITHM.rank());
    for (JobResult result : restarted.finishedEnd.results()) {
      assertThat(read(restarted.finished.id(), result))
          .as("%s %s after submitting again", result.kind(), result.name())
          .isEqualTo(restarted.bytesBefore.get(result.kind() + "/" + result.name()));
    }
  }

  @Test
  @DisplayName(
      "asked again, the second instance reports the same jobs and ends the running one once")
  void recoveringAgainReportsTheSameJobs() throws Exception {
    Restarted restarted = restart();

    // what an engine does when a recovery failed: it asks again
    Recorder again = Recorder.anyJob();
    List<RecoveredJob> second =
        backend().recover(again).toCompletableFuture().get(timeout().toMillis(), MILLISECONDS);
    assertThat(second.stream().map(job -> job.spec().jobId()).toList())
        .as("jobs recovered the second time")
        .containsExactlyInAnyOrderElementsOf(restarted.recovered.keySet());

    join(backend().stop(restarted.running.id()));
    BackendJobState end =
        again.await(
            state -> state.jobId().equals(restarted.running.id()) && state.status().isTerminal(),
            "to end",
            timeout());
    assertThat(end.status()).as("the running job after a stop").isEqualTo(JobStatus.STOPPED);
    List<BackendJobState> ends = new ArrayList<>(again.states());
    ends.addAll(restarted.listener.states());
    assertThat(ends)
        .as("ends of the running job reported to either listener")
        .filteredOn(
            state -> state.jobId().equals(restarted.running.id()) && state.status().isTerminal())
        .hasSize(1);
  }
}
