package io.c2d;

import org.jspecify.annotations.Nullable;

/**
 * The consumer could not be authenticated: a malformed signature ({@link
 * ErrorCode#SIGNATURE_INVALID}), a signature by someone else ({@link ErrorCode#WRONG_SIGNER}), an
 * expired request ({@link ErrorCode#SIGNATURE_EXPIRED}) or a replayed nonce ({@link
 * ErrorCode#NONCE_REPLAYED}).
 *
 * <p>Immutable; safe to share between threads.
 */
public final class AuthenticationException extends C2dException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @throws IllegalArgumentException if {@code code} is not one of SIGNATURE_INVALID, WRONG_SIGNER,
   *     SIGNATURE_EXPIRED, NONCE_REPLAYED
   */
  public AuthenticationException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @throws IllegalArgumentException if {@code code} is not one of SIGNATURE_INVALID, WRONG_SIGNER,
   *     SIGNATURE_EXPIRED, NONCE_REPLAYED
   */
  public AuthenticationException(ErrorCode code, String message, @Nullable Throwable cause) {
    super(
        Codes.require(
            code,
            ErrorCode.SIGNATURE_INVALID,
            ErrorCode.WRONG_SIGNER,
            ErrorCode.SIGNATURE_EXPIRED,
            ErrorCode.NONCE_REPLAYED),
        message,
        cause);
  }
}
