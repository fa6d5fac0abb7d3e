package io.c2d;

import static io.c2d.EngineAssertions.assertThat;
import static io.c2d.EngineFixture.WAIT;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Many consumers at once: capacity is never exceeded and every job ends. */
final class ConcurrencyTest {
  private static final int CONSUMERS = 8;
  private static final int JOBS_EACH = 6;
  private static final int SLOTS = 3;

  @Test
  void manyConsumersNeverExceedCapacityAndEveryJobEnds() throws Exception {
    ComputeEnvironment environment =
        ComputeEnvironment.builder("shared")
            .capacity(Resources.of(SLOTS, SLOTS * 1024L, SLOTS * 1024L, 0))
            .maxPerJob(Resources.of(1, 1024, 1024, 0))
            .maxConcurrentJobs(SLOTS)
            .maxJobsPerConsumer(2)
            .queueCapacity(CONSUMERS * JOBS_EACH)
            .build();
    ScriptedBackend backend = ScriptedBackend.of(environment);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger mostRunning = new AtomicInteger();
    Map<io.c2d.model.JobId, Boolean> counted = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (EngineFixture f =
        new EngineFixture(backend, ScriptedVerifier.allowAll(), b -> b.executor(pool))) {
      ComputeEngine engine = f.engine;
      // Count what holds capacity from the engine's own events: dispatched until ended.
      engine.addListener(
          (job, previous) -> {
            if (job.status() == JobStatus.WARMING_UP
                && counted.putIfAbsent(job.id(), true) == null) {
              mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            } else if (job.isTerminal() && counted.remove(job.id()) != null) {
              running.decrementAndGet();
            }
          });

      List<TestKey> consumers = new ArrayList<>();
      for (int i = 0; i < CONSUMERS; i++) {
        consumers.add(TestKey.random());
      }
      List<CompletableFuture<ComputeJob>> starts = new ArrayList<>();
      for (int round = 0; round < JOBS_EACH; round++) {
        for (TestKey consumer : consumers) {
          ComputeRequest request = f.requests.by(consumer).dataset(1).environment("shared").sign();
          starts.add(
              CompletableFuture.supplyAsync(
                  () -> engine.start(request).toCompletableFuture().join(), pool));
        }
      }
      List<ComputeJob> jobs = new ArrayList<>();
      for (CompletableFuture<ComputeJob> start : starts) {
        jobs.add(start.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
      }

      // Finish whatever the backend runs, as it runs it, until every job has ended.
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      int finished = 0;
      while (finished < jobs.size() && System.nanoTime() < deadline) {
        backend.awaitSubmitted(finished + 1, WAIT);
        var spec = backend.submitted().get(finished);
        backend.job(spec.jobId()).advance(JobStatus.RUNNING_ALGORITHM);
        backend.job(spec.jobId()).complete(Map.of());
        finished++;
      }

      for (ComputeJob job : jobs) {
        assertThat(f.waiter.awaitTerminal(job.id(), WAIT)).hasStatus(JobStatus.COMPLETED);
      }
      assertThat(mostRunning.get()).isLessThanOrEqualTo(SLOTS);
      assertThat(backend.submitted()).hasSize(CONSUMERS * JOBS_EACH);
      assertThat(engine.runningJobs("shared")).isZero();
      assertThat(engine.queuedJobs("shared")).isZero();
    } finally {
      pool.shutdownNow();
    }
  }
}
