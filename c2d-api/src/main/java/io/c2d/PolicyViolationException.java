package io.c2d;

import org.jspecify.annotations.Nullable;

/**
 * The asset's compute policy (the compute service of its DDO) forbids this request: an untrusted
 * algorithm or publisher, a raw algorithm, or network access.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class PolicyViolationException extends C2dException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @throws IllegalArgumentException if {@code code} is not one of ALGORITHM_NOT_TRUSTED,
   *     RAW_ALGORITHM_NOT_ALLOWED, NETWORK_ACCESS_NOT_ALLOWED
   */
  public PolicyViolationException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @throws IllegalArgumentException if {@code code} is not one of ALGORITHM_NOT_TRUSTED,
   *     RAW_ALGORITHM_NOT_ALLOWED, NETWORK_ACCESS_NOT_ALLOWED
   */
  public PolicyViolationException(ErrorCode code, String message, @Nullable Throwable cause) {
    super(
        Codes.require(
            code,
            ErrorCode.ALGORITHM_NOT_TRUSTED,
            ErrorCode.RAW_ALGORITHM_NOT_ALLOWED,
            ErrorCode.NETWORK_ACCESS_NOT_ALLOWED),
        message,
        cause);
  }
}
