package io.c2d;

import org.jspecify.annotations.Nullable;

/**
 * The job ({@link ErrorCode#JOB_NOT_FOUND}), one of its results ({@link
 * ErrorCode#RESULT_NOT_FOUND}), or a published asset or its compute service ({@link
 * ErrorCode#ASSET_NOT_FOUND}) does not exist.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class NotFoundException extends C2dException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @throws IllegalArgumentException if {@code code} is not one of JOB_NOT_FOUND, RESULT_NOT_FOUND,
   *     ASSET_NOT_FOUND
   */
  public NotFoundException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @throws IllegalArgumentException if {@code code} is not one of JOB_NOT_FOUND, RESULT_NOT_FOUND,
   *     ASSET_NOT_FOUND
   */
  public NotFoundException(ErrorCode code, String message, @Nullable Throwable cause) {
    super(
        Codes.require(
            code, ErrorCode.JOB_NOT_FOUND, ErrorCode.RESULT_NOT_FOUND, ErrorCode.ASSET_NOT_FOUND),
        message,
        cause);
  }
}
