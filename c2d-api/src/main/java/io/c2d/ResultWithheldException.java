package io.c2d;

import org.jspecify.annotations.Nullable;

/**
 * The result asked for is not served ({@link ErrorCode#RESULT_WITHHELD}): the publisher's result
 * filters or review withheld it, or it waits for the review. The message says why, never what the
 * result holds.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class ResultWithheldException extends C2dException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public ResultWithheldException(String message) {
    this(message, null);
  }

  /** Creates the exception with its cause. */
  public ResultWithheldException(String message, @Nullable Throwable cause) {
    super(ErrorCode.RESULT_WITHHELD, message, cause);
  }
}
