package io.c2d.testkit.conformance;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;

import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The tests of the conformance kit's {@link ComputeBackendConformanceKit.Concurrency} group: jobs
 * up to the environment's limit run at once. Run only through that nested class, which hands in the
 * kit's fixture.
 */
abstract class ConcurrencyPromises extends PromiseGroup {
  private static final int MAX_CONCURRENT_CHECKED = 16;

  ConcurrencyPromises(ConformanceFixture fixture) {
    super(fixture);
  }

  @Test
  @DisplayName("concurrent submissions up to the environment's limit all run and finish")
  void concurrentSubmissionsAllFinish() throws Exception {
    int n = Math.min(environment().maxConcurrentJobs(), MAX_CONCURRENT_CHECKED);
    ExecutorService submitters = Executors.newFixedThreadPool(n);
    try {
      List<CompletableFuture<KitJob>> submissions = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        submissions.add(
            CompletableFuture.supplyAsync(
                () -> submit(TestAlgorithms.ECHO_INPUTS, spec -> {}), submitters));
      }
      for (CompletableFuture<KitJob> submission : submissions) {
        KitJob job = submission.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
        BackendJobState end = job.awaitTerminal();
        assertThat(end.status())
            .as("end of job %s: %s", job.id(), job.recorder.statuses())
            .isEqualTo(JobStatus.COMPLETED);
        assertThat(job.recorder.foreign()).as("reports of other jobs").isEmpty();
      }
    } finally {
      submitters.shutdownNow();
    }
  }
}
