package io.c2d;

import org.jspecify.annotations.Nullable;

/**
 * A backend (or the durable nonce store) failed or could not be reached ({@link
 * ErrorCode#BACKEND_FAILURE}), or the engine is closed ({@link ErrorCode#ENGINE_CLOSED}).
 *
 * <p>Immutable; safe to share between threads.
 */
public final class UnavailableException extends C2dException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @throws IllegalArgumentException if {@code code} is not one of BACKEND_FAILURE, ENGINE_CLOSED
   */
  public UnavailableException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @throws IllegalArgumentException if {@code code} is not one of BACKEND_FAILURE, ENGINE_CLOSED
   */
  public UnavailableException(ErrorCode code, String message, @Nullable Throwable cause) {
    super(Codes.require(code, ErrorCode.BACKEND_FAILURE, ErrorCode.ENGINE_CLOSED), message, cause);
  }
}
