package io.c2d.testkit.conformance;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;
import static io.c2d.testkit.assertj.C2dAssertions.failureOf;

import io.c2d.NotFoundException;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The tests of the conformance kit's {@link ComputeBackendConformanceKit.Delete} group: delete
 * removes everything and frees capacity. Run only through that nested class, which hands in the
 * kit's fixture.
 */
abstract class DeletePromises extends PromiseGroup {
  DeletePromises(ConformanceFixture fixture) {
    super(fixture);
  }

  @Test
  @DisplayName(
      "delete removes a finished job: its results cannot be opened, recover no longer lists it")
  void deleteFinishedJob() {
    KitJob job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
    BackendJobState end = job.awaitTerminal();
    JobResult log = only(end, ResultKind.ALGORITHM_LOG);

    join(backend().delete(job.id()));

    assertThat(failureOf(backend().openResult(job.id(), log), timeout()))
        .as("opening a deleted job's result")
        .isInstanceOf(NotFoundException.class);
    assertThat(recoveredIds(backend())).as("jobs recovered after delete").doesNotContain(job.id());
  }

  @Test
  @DisplayName("delete of a running job stops it and removes it")
  void deleteRunningJob() {
    KitJob job = submit(TestAlgorithms.SLEEP_FOREVER, spec -> {});
    job.recorder.awaitStatus(JobStatus.RUNNING_ALGORITHM, timeout());

    join(backend().delete(job.id()));

    assertThat(recoveredIds(backend())).as("jobs recovered after delete").doesNotContain(job.id());
    List<JobStatus> statuses = job.recorder.statuses();
    assertThat(statuses.stream().map(JobStatus::outcome).toList())
        .as("a deleted running job never completes: %s", statuses)
        .doesNotContain(JobStatus.Outcome.SUCCEEDED);
  }

  @Test
  @DisplayName("deleting a job the backend does not know does nothing")
  void deleteUnknownJob() {
    join(backend().delete(JobId.derive(ConformanceFixture.OWNER.address(), "never-submitted")));
  }

  @Test
  @DisplayName(
      "deleting a running job reports its end, so a job waiting in the engine's queue runs")
  void deleteFreesCapacity() {
    try (KitEngine engine = engine()) {
      ComputeEnvironment environment = environment();
      int slots = slotsFor(environment);
      List<ComputeJob> running = new ArrayList<>();
      for (int i = 0; i < slots; i++) {
        ComputeJob started = engine.start(TestAlgorithms.SLEEP_FOREVER);
        engine.waiter.awaitStatus(started.id(), JobStatus.RUNNING_ALGORITHM, timeout());
        running.add(started);
      }
      ComputeJob waiting = engine.start(TestAlgorithms.SLEEP_FOREVER);
      assertThat(waiting.status()).as("a job over the limit waits").isEqualTo(JobStatus.QUEUED);

      // straight to the backend: the engine learns of the end only from the backend's report
      join(backend().delete(running.get(0).id()));

      ComputeJob runs =
          engine.waiter.awaitStatus(waiting.id(), JobStatus.RUNNING_ALGORITHM, timeout());
      assertThat(runs.status())
          .as("the waiting job after the delete")
          .isEqualTo(JobStatus.RUNNING_ALGORITHM);
    }
  }

  /** How many of one consumer's jobs of the default size can run at once in {@code environment}. */
  private static int slotsFor(ComputeEnvironment environment) {
    long slots = Math.min(environment.maxConcurrentJobs(), environment.maxJobsPerConsumer());
    Resources each = environment.defaultPerJob();
    Resources all = environment.capacity();
    slots = Math.min(slots, fits(all.milliCpus(), each.milliCpus()));
    slots = Math.min(slots, fits(all.memoryBytes(), each.memoryBytes()));
    slots = Math.min(slots, fits(all.diskBytes(), each.diskBytes()));
    slots = Math.min(slots, fits(all.gpus(), each.gpus()));
    if (slots < 1) {
      throw new AssertionError(
          "environment() cannot run even one job of its default size: " + environment);
    }
    return (int) slots;
  }

  private static long fits(long capacity, long each) {
    return each == 0 ? Long.MAX_VALUE : capacity / each;
  }
}
