package io.c2d.model;

import java.util.Optional;

/**
 * The status of a compute job, with Ocean-compatible codes and texts.
 *
 * <p>Codes 1 to 70 are those of Ocean's operator-service and operator-engine; 11, 21, 22, 33, 41,
 * 42, 61 and 62 are ocean-node's failure codes, reused where the meaning is the same; codes from
 * 100 up are c2d's own and clash with neither. The README's status table maps them to both Ocean
 * generations.
 *
 * <p>A job's statuses only move forward in {@link #rank()} order and end in exactly one {@link
 * #isTerminal() terminal} status.
 */
public enum JobStatus {
  /** The job waits in its environment's queue for capacity (c2d). */
  QUEUED(101, "Job queued", 0, Outcome.NONE),
  /** The job was accepted and is being handed to its backend (Ocean). */
  WARMING_UP(1, "Warming up", 1, Outcome.NONE),
  /** The backend has created the job (Ocean). */
  JOB_STARTED(10, "Job started", 2, Outcome.NONE),
  /** Inputs, DDOs and the algorithm are being staged (Ocean). */
  CONFIGURING_VOLUMES(20, "Configuring volumes", 3, Outcome.NONE),
  /** Staging finished (Ocean). */
  PROVISIONING_SUCCESS(30, "Provisioning success", 4, Outcome.NONE),
  /** The algorithm runs (Ocean; the text keeps Ocean's trailing space). */
  RUNNING_ALGORITHM(40, "Running algorithm ", 5, Outcome.NONE),
  /** Results are being filtered (Ocean). */
  FILTERING_RESULTS(50, "Filtering results", 6, Outcome.NONE),
  /**
   * The result filters held some results for the publisher's review: nothing is served until the
   * publisher releases, redacts or rejects them, or the review's time limit rejects them (c2d).
   */
  AWAITING_RELEASE(107, "Awaiting release", 7, Outcome.NONE),
  /** Outputs and logs are being collected and, if asked, published (Ocean). */
  PUBLISHING_RESULTS(60, "Publishing results", 8, Outcome.NONE),

  /** The job finished and its results are ready (Ocean). */
  COMPLETED(70, "Job finished", 9, Outcome.SUCCEEDED),
  /** The job finished but some outputs or logs were cut at their caps (c2d). */
  COMPLETED_TRUNCATED(106, "Job finished, results truncated", 9, Outcome.SUCCEEDED),
  /** The algorithm's image could not be pulled (ocean-node). */
  IMAGE_PULL_FAILED(11, "Pulling algorithm image failed", 9, Outcome.FAILED),
  /** The job's volumes could not be created (ocean-node). */
  VOLUME_CREATION_FAILED(21, "Volume creation failed", 9, Outcome.FAILED),
  /** The job's container could not be created (ocean-node). */
  CONTAINER_CREATION_FAILED(22, "Container creation failed", 9, Outcome.FAILED),
  /** An input could not be staged (Ocean). */
  DATA_PROVISIONING_FAILED(31, "Data provisioning failed", 9, Outcome.FAILED),
  /** The algorithm could not be staged, or its image is not the one asked for (Ocean). */
  ALGORITHM_PROVISIONING_FAILED(32, "Algorithm provisioning failed", 9, Outcome.FAILED),
  /** Staged data could not be copied into the sandbox (ocean-node). */
  DATA_UPLOAD_FAILED(33, "Data upload to container failed", 9, Outcome.FAILED),
  /** The algorithm exited with a non-zero code, kept as the job's exit code (ocean-node). */
  ALGORITHM_FAILED(41, "Failed to run algorithm", 9, Outcome.FAILED),
  /** The algorithm exceeded its disk quota (ocean-node). */
  DISK_QUOTA_EXCEEDED(42, "Error: disk quota exceeded", 9, Outcome.FAILED),
  /** Outputs could not be fetched from the sandbox (ocean-node). */
  RESULTS_FETCH_FAILED(61, "Failed to get outputs folder from container", 9, Outcome.FAILED),
  /** Results could not be stored or published (ocean-node). */
  RESULTS_UPLOAD_FAILED(62, "Failed to upload results to storage", 9, Outcome.FAILED),
  /** The job was stopped by its owner or the provider (c2d). */
  STOPPED(102, "Job stopped", 9, Outcome.STOPPED),
  /** The job ran past its maximum duration or a phase's time limit (c2d). */
  TIMED_OUT(103, "Job timed out", 9, Outcome.FAILED),
  /** The algorithm ran out of memory (c2d). */
  OUT_OF_MEMORY(104, "Algorithm ran out of memory", 9, Outcome.FAILED),
  /** The job failed for a reason none of the other codes names; see its detail (c2d). */
  FAILED(105, "Job failed", 9, Outcome.FAILED);

  /** What a terminal status means for the job's owner. */
  public enum Outcome {
    /** Not terminal yet. */
    NONE,
    /** Results are available. */
    SUCCEEDED,
    /** The job failed; the status and detail say where. */
    FAILED,
    /** The job was stopped on request. */
    STOPPED
  }

  private static final JobStatus[] BY_CODE = new JobStatus[128];

  static {
    for (JobStatus status : values()) {
      BY_CODE[status.code] = status;
    }
  }

  private final int code;
  private final String text;
  private final int rank;
  private final Outcome outcome;

  JobStatus(int code, String text, int rank, Outcome outcome) {
    this.code = code;
    this.text = text;
    this.rank = rank;
    this.outcome = outcome;
  }

  /** The numeric code, as Ocean clients read it in {@code status}. */
  public int code() {
    return code;
  }

  /** The text, as Ocean clients read it in {@code statusText}. */
  public String text() {
    return text;
  }

  /** The position in the lifecycle; a job's rank never decreases. All terminal statuses share 9. */
  public int rank() {
    return rank;
  }

  /** Whether the job has ended: no status follows a terminal one. */
  public boolean isTerminal() {
    return outcome != Outcome.NONE;
  }

  /** What a terminal status means; {@link Outcome#NONE} while the job is under way. */
  public Outcome outcome() {
    return outcome;
  }

  /** Whether a job may move from this status to {@code next}: forward only, never out of an end. */
  public boolean canMoveTo(JobStatus next) {
    return !isTerminal() && next.rank > rank;
  }

  /** The status with this code, if any. */
  public static Optional<JobStatus> ofCode(int code) {
    return code >= 0 && code < BY_CODE.length
        ? Optional.ofNullable(BY_CODE[code])
        : Optional.empty();
  }
}
