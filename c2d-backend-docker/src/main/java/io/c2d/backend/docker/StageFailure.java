package io.c2d.backend.docker;

import io.c2d.model.JobStatus;

/**
 * Staging a job failed with {@link #status}; the message is the job's detail, shown to the
 * consumer. Carries no stack trace: the cause is logged where it happens.
 */
final class StageFailure extends Exception {
  private static final long serialVersionUID = 1L;

  /** The terminal status the job ends with. */
  final JobStatus status;

  StageFailure(JobStatus status, String detail) {
    super(detail, null, false, false);
    this.status = status;
  }
}
