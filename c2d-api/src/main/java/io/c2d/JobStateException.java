package io.c2d;

import org.jspecify.annotations.Nullable;

/**
 * The job is in a state that does not allow the operation: stopping a job that has ended ({@link
 * ErrorCode#JOB_FINISHED}), deleting one that still runs ({@link ErrorCode#JOB_RUNNING}), releasing
 * or rejecting the results of one that does not wait for the publisher's review ({@link
 * ErrorCode#JOB_NOT_AWAITING_RELEASE}).
 *
 * <p>Immutable; safe to share between threads.
 */
public final class JobStateException extends C2dException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @throws IllegalArgumentException if {@code code} is not one of JOB_FINISHED, JOB_RUNNING,
   *     JOB_NOT_AWAITING_RELEASE
   */
  public JobStateException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @throws IllegalArgumentException if {@code code} is not one of JOB_FINISHED, JOB_RUNNING,
   *     JOB_NOT_AWAITING_RELEASE
   */
  public JobStateException(ErrorCode code, String message, @Nullable Throwable cause) {
    super(
        Codes.require(
            code,
            ErrorCode.JOB_FINISHED,
            ErrorCode.JOB_RUNNING,
            ErrorCode.JOB_NOT_AWAITING_RELEASE),
        message,
        cause);
  }
}
