package io.c2d;

import org.jspecify.annotations.Nullable;

/**
 * The job belongs to another consumer: only a job's owner sees its status, results and logs, and
 * only the owner may stop or delete it ({@link ErrorCode#NOT_OWNER}); or the call needs the
 * publisher's credentials ({@link ErrorCode#PUBLISHER_UNAUTHORIZED}).
 *
 * <p>Immutable; safe to share between threads.
 */
public final class AccessDeniedException extends C2dException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @throws IllegalArgumentException if {@code code} is not one of NOT_OWNER,
   *     PUBLISHER_UNAUTHORIZED
   */
  public AccessDeniedException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @throws IllegalArgumentException if {@code code} is not one of NOT_OWNER,
   *     PUBLISHER_UNAUTHORIZED
   */
  public AccessDeniedException(ErrorCode code, String message, @Nullable Throwable cause) {
    super(
        Codes.require(code, ErrorCode.NOT_OWNER, ErrorCode.PUBLISHER_UNAUTHORIZED), message, cause);
  }
}
