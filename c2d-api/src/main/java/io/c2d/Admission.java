package io.c2d;

import io.c2d.Watchdogs.Phase;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.spi.backend.JobSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * DESIGN steps 5 and 6: an entitled request becomes a job that runs at once, waits in its
 * environment's fair queue, or is refused because the queue is full; a job that runs is dispatched.
 * The slot decides under its own lock; the job is registered and announced before it is dispatched,
 * so its backend's first report always finds it. Thread-safe.
 */
final class Admission {
  private final JobRegistry registry;
  private final JobLifecycle lifecycle;
  private final Clock clock;

  Admission(JobRegistry registry, JobLifecycle lifecycle, Clock clock) {
    this.registry = registry;
    this.lifecycle = lifecycle;
    this.clock = clock;
  }

  /**
   * Admits the job and returns its first snapshot: for a job that runs at once, once its backend
   * has accepted it (so that a start acknowledged to the consumer survives a crash of the provider
   * wherever the backend keeps its jobs durably), or refused it (the job has then failed).
   *
   * @throws CapacityExceededException if the environment's queue is full ({@link
   *     ErrorCode#CAPACITY_EXHAUSTED}), or a free job finds the free jobs at their limit ({@link
   *     ErrorCode#FREE_LIMIT_REACHED})
   * @throws UnavailableException if the engine closed meanwhile
   */
  CompletionStage<ComputeJob> admit(
      ComputeRequest request,
      EnvironmentSlot slot,
      JobId id,
      Resources resources,
      Duration maxDuration,
      boolean networkAccess,
      String bodySha256,
      boolean free) {
    if (lifecycle.isClosed()) {
      throw ComputeEngine.closedException();
    }
    Instant now = clock.instant();
    JobSpec spec =
        JobSpec.builder(id, request.consumer())
            .requestId(request.requestId())
            .agreementId(request.agreementId().orElse(null))
            .datasets(request.datasets())
            .algorithm(request.algorithm())
            .environmentId(slot.environment.id())
            .resources(resources)
            .maxDuration(maxDuration)
            .networkAccess(networkAccess)
            .output(request.output())
            .createdAt(now)
            .requestSha256(bodySha256)
            .build();
    ComputeJob queued =
        ComputeJob.builder(id, request.consumer())
            .requestId(request.requestId())
            .agreementId(request.agreementId().orElse(null))
            .inputDids(spec.inputDids())
            .algorithmDid(request.algorithm().did().orElse(null))
            .environmentId(slot.environment.id())
            .status(JobStatus.QUEUED)
            .createdAt(now)
            .build();
    JobRecord record = new JobRecord(queued, slot, resources, bodySha256, spec);
    record.free = free;
    switch (slot.admit(record)) {
      case RUN -> {
        record.snapshot(queued.toBuilder().status(JobStatus.WARMING_UP).build());
        registry.register(record);
        synchronized (record.lock) {
          // Armed before anyone hears of the job: a listener may end it while hearing of it.
          lifecycle.watchdogs().arm(record, Phase.STAGING);
          lifecycle.notifyListeners(record.snapshot(), null);
        }
        ComputeJob admitted = record.snapshot();
        return lifecycle.dispatch(record).thenApply(ignored -> admitted);
      }
      case QUEUE -> {
        registry.register(record);
        synchronized (record.lock) {
          lifecycle.watchdogs().arm(record, Phase.QUEUED);
          lifecycle.notifyListeners(queued, null);
        }
        return CompletableFuture.completedFuture(queued);
      }
      case FREE_LIMIT ->
          throw new CapacityExceededException(
              ErrorCode.FREE_LIMIT_REACHED,
              "environment "
                  + slot.environment.id()
                  + " runs as many free jobs as it offers ("
                  + slot.environment
                      .freeLimits()
                      .map(
                          l -> l.maxJobs() + " in all, " + l.maxJobsPerConsumer() + " per consumer")
                      .orElse("none")
                  + "); retry once one has ended");
      case REFUSE ->
          throw new CapacityExceededException(
              ErrorCode.CAPACITY_EXHAUSTED,
              "environment "
                  + slot.environment.id()
                  + " is full ("
                  + slot.running()
                  + " running, "
                  + slot.queued()
                  + " waiting, queue capacity "
                  + slot.environment.queueCapacity()
                  + "); retry later");
    }
    throw new IllegalStateException("unreachable");
  }
}
