package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import io.c2d.model.JobStatus;

/** Staging or starting failed with {@link #status()}; the message is the job's detail. */
public final class StageFailure extends Exception {
  private static final long serialVersionUID = 1L;
  private final JobStatus status;

  /** A failure ending the job with {@code status} and {@code detail}. */
  public StageFailure(JobStatus status, String detail) {
    super(requireNonNull(detail, "detail"), null, false, false);
    this.status = requireNonNull(status, "status");
  }

  /** The status the job ends with. */
  public JobStatus status() {
    return status;
  }
}
