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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * DESIGN steps 5 and 6: an entitled request becomes a job that runs at once, waits in its
 * environment's fair queue, or is refused because the queue is full; a job that runs is dispatched.
 * The slot decides under its own lock; the job is registered and announced before it is dispatched,
 * so its backend's first report always finds it. A job that waits is written to the {@link
 * QueuedJobStore} before its start is acknowledged. Thread-safe.
 */
final class Admission {
  private final JobRegistry registry;
  private final JobLifecycle lifecycle;
  private final Clock clock;
  private final QueuedJobStore queuedJobs;

  Admission(JobRegistry registry, JobLifecycle lifecycle, Clock clock, QueuedJobStore queuedJobs) {
    this.registry = registry;
    this.lifecycle = lifecycle;
    this.clock = clock;
    this.queuedJobs = queuedJobs;
  }

  /**
   * Admits the job and returns its first snapshot: for a job that runs at once, once its backend
   * has accepted it (so that a start acknowledged to the consumer survives a crash of the provider
   * wherever the backend keeps its jobs durably), or refused it (the job has then failed).
   *
   * @throws CapacityExceededException if the environment's queue is full ({@link
   *     ErrorCode#CAPACITY_EXHAUSTED}), or a free job finds the free jobs at their limit ({@link
   *     ErrorCode#FREE_LIMIT_REACHED})
   * @throws UnavailableException if the engine closed meanwhile, or a job that would wait cannot be
   *     kept on disk ({@link ErrorCode#BACKEND_FAILURE}; it is not queued)
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
    ComputeJob queued = queuedSnapshot(spec);
    JobRecord record = new JobRecord(queued, slot, resources, bodySha256, spec);
    record.free = free;
    EnvironmentSlot.Admission decision;
    // Held from the decision until the job is registered: a job taken from the queue meanwhile
    // moves on only once it is registered (and its file written).
    synchronized (record.lock) {
      decision = slot.admit(record);
      if (decision == EnvironmentSlot.Admission.RUN) {
        record.snapshot(queued.toBuilder().status(JobStatus.WARMING_UP).build());
      } else if (decision == EnvironmentSlot.Admission.QUEUE) {
        keepOnDisk(record, spec, free);
      }
      if (decision == EnvironmentSlot.Admission.RUN
          || decision == EnvironmentSlot.Admission.QUEUE) {
        announce(record);
      }
    }
    switch (decision) {
      case RUN -> {
        ComputeJob admitted = record.snapshot();
        return lifecycle.dispatch(record).thenApply(ignored -> admitted);
      }
      case QUEUE -> {
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

  /**
   * Queues again a job that waited for capacity when the engine stopped, or runs it if it fits now
   * (DESIGN step 5 after a restart); never refused, it was acknowledged. Called in the saved order.
   */
  void readmit(EnvironmentSlot slot, QueuedJobStore.Entry entry) {
    JobSpec spec = entry.spec();
    ComputeJob queued = queuedSnapshot(spec);
    JobRecord record = new JobRecord(queued, slot, spec.resources(), spec.requestSha256(), spec);
    record.free = entry.free();
    record.queuedOnDisk = queuedJobs.durable();
    boolean run;
    synchronized (record.lock) {
      run = slot.readmit(record);
      if (run) {
        record.snapshot(queued.toBuilder().status(JobStatus.WARMING_UP).build());
      }
      announce(record);
    }
    if (run) {
      var unused = lifecycle.dispatch(record);
    }
  }

  /** The job's snapshot while it waits. */
  private static ComputeJob queuedSnapshot(JobSpec spec) {
    return ComputeJob.builder(spec.jobId(), spec.owner())
        .requestId(spec.requestId())
        .agreementId(spec.agreementId().orElse(null))
        .inputDids(spec.inputDids())
        .algorithmDid(spec.algorithm().did().orElse(null))
        .environmentId(spec.environmentId())
        .status(JobStatus.QUEUED)
        .createdAt(spec.createdAt())
        .build();
  }

  /** Registers the job, arms its phase's watchdog and tells the listeners. Holds its lock. */
  private void announce(JobRecord record) {
    registry.register(record);
    ComputeJob job = record.snapshot();
    // Armed before anyone hears of the job: a listener may end it while hearing of it.
    lifecycle
        .watchdogs()
        .arm(record, job.status() == JobStatus.QUEUED ? Phase.QUEUED : Phase.STAGING);
    lifecycle.notifyListeners(job, null);
  }

  /**
   * Writes the queued job to disk before its start is acknowledged; if that fails, the job leaves
   * the queue and the start is refused. Holds its lock.
   *
   * @throws UnavailableException ({@link ErrorCode#BACKEND_FAILURE}) if it cannot be written
   */
  private void keepOnDisk(JobRecord record, JobSpec spec, boolean free) {
    try {
      queuedJobs.save(spec, free);
      record.queuedOnDisk = queuedJobs.durable();
    } catch (UnavailableException e) {
      if (!record.slot.removeQueued(record)) {
        // Taken from the queue meanwhile: it is dispatched once this lock is free, and its backend
        // then holds it durably, so the start stands.
        return;
      }
      List<JobRecord> runnable = record.slot.releaseAndTakeRunnable(record);
      if (!runnable.isEmpty()) {
        lifecycle.dispatchRunnable(runnable);
      }
      throw e;
    }
  }
}
