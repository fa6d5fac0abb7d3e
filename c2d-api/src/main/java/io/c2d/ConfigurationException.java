package io.c2d;

import org.jspecify.annotations.Nullable;

/**
 * The configuration cannot be used: no provider has the requested name ({@link
 * ErrorCode#PROVIDER_NOT_FOUND}; the message lists the names available), two providers share a name
 * ({@link ErrorCode#PROVIDER_CONFLICT}), or a property is missing or malformed ({@link
 * ErrorCode#CONFIGURATION_INVALID}).
 *
 * <p>Immutable; safe to share between threads.
 */
public final class ConfigurationException extends C2dException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @throws IllegalArgumentException if {@code code} is not one of PROVIDER_NOT_FOUND,
   *     PROVIDER_CONFLICT, CONFIGURATION_INVALID
   */
  public ConfigurationException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @throws IllegalArgumentException if {@code code} is not one of PROVIDER_NOT_FOUND,
   *     PROVIDER_CONFLICT, CONFIGURATION_INVALID
   */
  public ConfigurationException(ErrorCode code, String message, @Nullable Throwable cause) {
    super(
        Codes.require(
            code,
            ErrorCode.PROVIDER_NOT_FOUND,
            ErrorCode.PROVIDER_CONFLICT,
            ErrorCode.CONFIGURATION_INVALID),
        message,
        cause);
  }
}
