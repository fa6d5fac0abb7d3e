package io.c2d;

import org.jspecify.annotations.Nullable;

/**
 * Paid compute could not be paid for: the payer's escrow funds or authorisation do not cover the
 * job ({@link ErrorCode#PAYMENT_INSUFFICIENT_FUNDS}, {@link ErrorCode#PAYMENT_NOT_AUTHORIZED}), the
 * token is not one the environment takes ({@link ErrorCode#PAYMENT_TOKEN_UNSUPPORTED}), the payment
 * expired ({@link ErrorCode#PAYMENT_EXPIRED}), or the payment chain failed ({@link
 * ErrorCode#PAYMENT_UNAVAILABLE}, worth a retry). All but the last are the payer's to fix; the
 * message says what was needed and what was found.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class PaymentException extends C2dException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @throws IllegalArgumentException if {@code code} is not one of PAYMENT_INSUFFICIENT_FUNDS,
   *     PAYMENT_NOT_AUTHORIZED, PAYMENT_TOKEN_UNSUPPORTED, PAYMENT_EXPIRED, PAYMENT_UNAVAILABLE
   */
  public PaymentException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @throws IllegalArgumentException if {@code code} is not one of PAYMENT_INSUFFICIENT_FUNDS,
   *     PAYMENT_NOT_AUTHORIZED, PAYMENT_TOKEN_UNSUPPORTED, PAYMENT_EXPIRED, PAYMENT_UNAVAILABLE
   */
  public PaymentException(ErrorCode code, String message, @Nullable Throwable cause) {
    super(
        Codes.require(
            code,
            ErrorCode.PAYMENT_INSUFFICIENT_FUNDS,
            ErrorCode.PAYMENT_NOT_AUTHORIZED,
            ErrorCode.PAYMENT_TOKEN_UNSUPPORTED,
            ErrorCode.PAYMENT_EXPIRED,
            ErrorCode.PAYMENT_UNAVAILABLE),
        message,
        cause);
  }

  /** Whether asking again later may succeed: only when the payment chain failed. */
  public boolean retryable() {
    return code() == ErrorCode.PAYMENT_UNAVAILABLE;
  }
}
