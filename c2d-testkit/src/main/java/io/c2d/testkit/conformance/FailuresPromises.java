package io.c2d.testkit.conformance;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;

import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.testkit.conformance.ComputeBackendConformanceKit.Promise;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The tests of the conformance kit's {@link ComputeBackendConformanceKit.Failures} group: how a job
 * that does not complete ends. Run only through that nested class, which hands in the kit's
 * fixture.
 */
abstract class FailuresPromises extends PromiseGroup {
  FailuresPromises(ConformanceFixture fixture) {
    super(fixture);
  }

  @Test
  @DisplayName("a non-zero exit ends as ALGORITHM_FAILED with the exit code kept")
  @Keeps(Promise.EXIT_CODE)
  void nonZeroExitIsAlgorithmFailed() {
    KitJob job = submit(TestAlgorithms.FAIL_WITH_CODE, spec -> {}, Map.of("EXIT_CODE", "42"));
    BackendJobState end = job.awaitTerminal();

    assertThat(end.status())
        .as("end of %s", job.recorder.statuses())
        .isEqualTo(JobStatus.ALGORITHM_FAILED);
    assertThat(end.exitCode()).as("exit code").isEqualTo(42);
  }

  @Test
  @DisplayName("a job running past its maximum duration ends as TIMED_OUT")
  @Keeps(Promise.TIMEOUT)
  void overMaximumDurationIsTimedOut() {
    KitJob job =
        submit(TestAlgorithms.SLEEP_FOREVER, spec -> spec.maxDuration(Duration.ofSeconds(1)));
    BackendJobState end = job.awaitTerminal();

    assertThat(end.status())
        .as("end of %s", job.recorder.statuses())
        .isEqualTo(JobStatus.TIMED_OUT);
    assertThat(end.detail()).as("detail").isNotBlank();
  }
}
