package io.c2d.testkit.conformance;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;

import io.c2d.model.JobStatus;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The tests of the conformance kit's {@link ComputeBackendConformanceKit.Lifecycle} group: statuses
 * only move forward, in the documented order; exactly one terminal status. Run only through that
 * nested class, which hands in the kit's fixture.
 */
abstract class LifecyclePromises extends PromiseGroup {
  LifecyclePromises(ConformanceFixture fixture) {
    super(fixture);
  }

  @Test
  @DisplayName("statuses only move forward, in the documented order")
  void statusesOnlyMoveForward() {
    KitJob job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
    job.awaitTerminal();

    List<JobStatus> statuses = job.recorder.statuses();
    for (int i = 1; i < statuses.size(); i++) {
      assertThat(statuses.get(i).rank())
          .as("status %s after %s in %s", statuses.get(i), statuses.get(i - 1), statuses)
          .isGreaterThan(statuses.get(i - 1).rank());
    }
  }

  @Test
  @DisplayName("every job ends in exactly one terminal status, reported last")
  void exactlyOneTerminalStatus() {
    KitJob job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
    job.awaitTerminal();
    join(backend().stop(job.id()));

    List<JobStatus> statuses = job.recorder.statuses();
    assertThat(statuses.stream().filter(JobStatus::isTerminal).toList())
        .as("terminal statuses of %s", statuses)
        .hasSize(1);
    assertThat(statuses.get(statuses.size() - 1).isTerminal()).as("last of %s", statuses).isTrue();
  }

  @Test
  @DisplayName("the listener sees each change once, and only its own job's")
  void eachChangeOnce() {
    KitJob job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
    job.awaitTerminal();

    List<JobStatus> statuses = job.recorder.statuses();
    assertThat(statuses).as("statuses reported").doesNotHaveDuplicates();
    assertThat(job.recorder.foreign()).as("reports of other jobs").isEmpty();
  }
}
