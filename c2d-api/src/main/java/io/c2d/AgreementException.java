package io.c2d;

import org.jspecify.annotations.Nullable;

/**
 * The consumer's service agreement or order was refused ({@link ErrorCode#AGREEMENT_REFUSED}), or
 * could not be checked right now ({@link ErrorCode#AGREEMENT_UNKNOWN}, worth a retry). An unknown
 * verdict never lets a job start.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class AgreementException extends C2dException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @throws IllegalArgumentException if {@code code} is not one of AGREEMENT_REFUSED,
   *     AGREEMENT_UNKNOWN
   */
  public AgreementException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @throws IllegalArgumentException if {@code code} is not one of AGREEMENT_REFUSED,
   *     AGREEMENT_UNKNOWN
   */
  public AgreementException(ErrorCode code, String message, @Nullable Throwable cause) {
    super(
        Codes.require(code, ErrorCode.AGREEMENT_REFUSED, ErrorCode.AGREEMENT_UNKNOWN),
        message,
        cause);
  }
}
