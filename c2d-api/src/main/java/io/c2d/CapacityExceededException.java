package io.c2d;

import org.jspecify.annotations.Nullable;

/**
 * The environment is full and its waiting queue too ({@link ErrorCode#CAPACITY_EXHAUSTED}), or a
 * free request finds the environment's free jobs at their limit ({@link
 * ErrorCode#FREE_LIMIT_REACHED}): the job was not accepted and nothing of it was kept but its spent
 * nonce. Retry later.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class CapacityExceededException extends C2dException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @throws IllegalArgumentException if {@code code} is not one of CAPACITY_EXHAUSTED,
   *     FREE_LIMIT_REACHED
   */
  public CapacityExceededException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @throws IllegalArgumentException if {@code code} is not one of CAPACITY_EXHAUSTED,
   *     FREE_LIMIT_REACHED
   */
  public CapacityExceededException(ErrorCode code, String message, @Nullable Throwable cause) {
    super(
        Codes.require(code, ErrorCode.CAPACITY_EXHAUSTED, ErrorCode.FREE_LIMIT_REACHED),
        message,
        cause);
  }
}
