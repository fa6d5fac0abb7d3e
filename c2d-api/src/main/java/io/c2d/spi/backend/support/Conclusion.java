package io.c2d.spi.backend.support;

import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a job ends once its results are collected: {@code COMPLETED} becomes {@code
 * COMPLETED_TRUNCATED} when a cap cut something and {@code RESULTS_FETCH_FAILED} when the outputs
 * could not be fetched or collecting failed; a job that completed or failed with an exit code ends
 * {@code DISK_QUOTA_EXCEEDED} when the sandbox found its disk quota reached; the detail says why.
 * Immutable.
 *
 * @param status the terminal status
 * @param detail the job's detail, or null
 * @param results the listed results (none if collecting failed)
 */
record Conclusion(JobStatus status, @Nullable String detail, List<JobResult> results) {
  private static final Logger logger = LoggerFactory.getLogger(Conclusion.class);

  /** Collects {@code job}'s results through {@code sandbox}, then decides. Never throws. */
  static Conclusion collect(
      SandboxJob job, Sandbox sandbox, JobStatus status, @Nullable String detail) {
    JobStatus end = status;
    String why = detail;
    try {
      ResultCollector collector =
          ResultCollector.start(
              job.directory(),
              job.environment().maxOutputBytes(),
              job.environment().maxLogBytes(),
              job.runtime().clock());
      sandbox.collect(job, collector);
      collector.addLog(
          "configuration.log", ResultKind.CONFIGURATION_LOG, job.directory().configurationLog());
      ResultCollector.Collected collected = collector.finish();
      if (collected.truncated()) {
        if (end == JobStatus.COMPLETED) {
          end = JobStatus.COMPLETED_TRUNCATED;
        }
        why = join(why, "results cut at their caps: " + collected.cutSummary());
      }
      String quota = collected.quotaExceeded();
      if (quota != null
          && (end == JobStatus.COMPLETED
              || end == JobStatus.COMPLETED_TRUNCATED
              || end == JobStatus.ALGORITHM_FAILED)) {
        end = JobStatus.DISK_QUOTA_EXCEEDED;
        why = why == null ? quota : quota + "; " + why;
      }
      String failure = collected.failure();
      if (failure != null && end == JobStatus.COMPLETED) {
        end = JobStatus.RESULTS_FETCH_FAILED;
        why = join(why, failure);
      }
      return new Conclusion(end, why, collected.results());
    } catch (IOException | RuntimeException e) {
      logger.warn("collecting the results of job {} failed", job.id(), e);
      if (end == JobStatus.COMPLETED) {
        end = JobStatus.RESULTS_FETCH_FAILED;
      }
      why = join(why, "collecting the results failed (" + e.getClass().getSimpleName() + ")");
      return new Conclusion(end, why, List.of());
    }
  }

  /**
   * The terminal status an ended algorithm leads to: a stop or the timeout first, then a cap the
   * sandbox killed it at (each also when only the job's ending file says so, after a restart), then
   * what {@code exit} says.
   *
   * @param status the terminal status
   * @param exitCode the exit code to report
   * @param detail the job's detail, or null
   * @param publishing whether results are published (PUBLISHING_RESULTS is reported first)
   */
  record Ending(
      JobStatus status, @Nullable Integer exitCode, @Nullable String detail, boolean publishing) {
    static Ending of(
        SandboxJob.Exit exit,
        boolean stopped,
        boolean timedOut,
        String stoppedBecause,
        SandboxJob.@Nullable Cap capped,
        String cappedDetail,
        @Nullable String ending,
        Duration maxDuration) {
      Integer code = exit.exitCode();
      if (stopped || JobDirectory.ENDING_STOPPED.equals(ending)) {
        return new Ending(JobStatus.STOPPED, code, stoppedBecause, false);
      } else if (timedOut || JobDirectory.ENDING_TIMED_OUT.equals(ending)) {
        return new Ending(
            JobStatus.TIMED_OUT,
            code,
            "ran longer than its maximum duration of " + maxDuration + " and was killed",
            false);
      } else if (capped == SandboxJob.Cap.LOG || JobDirectory.ENDING_LOG_CAP.equals(ending)) {
        return new Ending(
            JobStatus.COMPLETED_TRUNCATED,
            code,
            capped != null
                ? cappedDetail
                : "killed when its output went past the log cap; its log is cut there",
            true);
      } else if (capped == SandboxJob.Cap.DISK || JobDirectory.ENDING_DISK_QUOTA.equals(ending)) {
        return new Ending(
            JobStatus.DISK_QUOTA_EXCEEDED,
            code,
            capped != null ? cappedDetail : "killed when it wrote past its disk quota",
            true);
      } else if (exit.diskQuotaExceeded()) {
        return new Ending(JobStatus.DISK_QUOTA_EXCEEDED, code, exit.detail(), true);
      } else if (exit.outOfMemory()) {
        return new Ending(JobStatus.OUT_OF_MEMORY, code, exit.detail(), true);
      } else if (code == null) {
        return new Ending(JobStatus.FAILED, null, exit.detail(), false);
      } else if (code != 0) {
        return new Ending(
            JobStatus.ALGORITHM_FAILED, code, "the algorithm exited with code " + code, true);
      }
      return new Ending(JobStatus.COMPLETED, 0, null, true);
    }
  }

  private static String join(@Nullable String first, String second) {
    return first == null ? second : first + "; " + second;
  }
}
