package io.c2d.testkit.conformance;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import io.c2d.testkit.InMemoryComputeBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The in-memory scripted backend runs no algorithm: this adapter plays each job (staging, running,
 * completing) the way a test scripts it, and declares every promise about what an algorithm does
 * not applicable. What remains checked is the backend's own bookkeeping: lifecycle, stop, delete,
 * restart over {@link InMemoryComputeBackend#sharing}, concurrency and environments.
 */
final class InMemoryBackendConformanceTest extends ComputeBackendConformanceKit {
  private static final ComputeEnvironment ENVIRONMENT =
      ComputeEnvironment.builder("conformance")
          .capacity(Resources.of(3, 3 * 1024, 3 * 1024, 0))
          .maxPerJob(Resources.of(1, 1024, 1024, 0))
          .maxConcurrentJobs(3)
          .maxJobsPerConsumer(2)
          .maxDuration(Duration.ofMinutes(5))
          .maxOutputBytes(64 << 10)
          .maxLogBytes(16 << 10)
          .build();

  private static final List<JobStatus> STAGING_AND_RUNNING =
      List.of(
          JobStatus.JOB_STARTED,
          JobStatus.CONFIGURING_VOLUMES,
          JobStatus.PROVISIONING_SUCCESS,
          JobStatus.RUNNING_ALGORITHM);

  @Override
  protected ComputeBackend createBackend(Path workDir) {
    return InMemoryComputeBackend.create(ENVIRONMENT);
  }

  @Override
  protected ComputeBackend recreateBackend(ComputeBackend first, Path workDir) {
    return InMemoryComputeBackend.sharing((InMemoryComputeBackend) first);
  }

  @Override
  protected ComputeEnvironment environment() {
    return ENVIRONMENT;
  }

  @Override
  protected Map<Promise, String> notApplicable() {
    String runsNothing = "the in-memory backend runs no algorithm; a test scripts what it reports";
    Map<Promise, String> reasons = new EnumMap<>(Promise.class);
    for (Promise promise :
        List.of(
            Promise.RESULTS,
            Promise.ALGORITHM_LOG,
            Promise.SANDBOX_LAYOUT,
            Promise.ENVIRONMENT_VARIABLES,
            Promise.EXIT_CODE,
            Promise.CAPS,
            Promise.RESULT_AREA,
            Promise.SANDBOX,
            Promise.ENTRYPOINT)) {
      reasons.put(promise, runsNothing);
    }
    reasons.put(
        Promise.TIMEOUT,
        "the in-memory backend enforces no maximum duration; the engine's phase limits do");
    return reasons;
  }

  /** Stages and runs every job; completes it unless its algorithm never ends on its own. */
  @Override
  protected void play(ComputeBackend backend, JobSpec spec, String algorithm) {
    InMemoryComputeBackend.JobHandle job = ((InMemoryComputeBackend) backend).job(spec.jobId());
    for (JobStatus status : STAGING_AND_RUNNING) {
      if (job.status().isTerminal()) {
        return; // stopped meanwhile, such as from inside the listener
      }
      job.advance(status);
    }
    if (!algorithm.equals(TestAlgorithms.SLEEP_FOREVER) && !job.status().isTerminal()) {
      job.complete(Map.of());
    }
  }
}
