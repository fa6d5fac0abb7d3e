package io.c2d;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * A request was refused before anything of it was kept, because one of its fields is missing or
 * malformed ({@link ErrorCode#INVALID_REQUEST}), asks for more than its environment gives ({@link
 * ErrorCode#RESOURCES_EXCEEDED}), names an unknown environment ({@link
 * ErrorCode#ENVIRONMENT_UNKNOWN}), asks for free compute where none is offered ({@link
 * ErrorCode#FREE_COMPUTE_NOT_OFFERED}) or reuses a request id for another request ({@link
 * ErrorCode#REQUEST_ID_CONFLICT}). {@link #field()} names the offending field, in the dotted form
 * of the Ocean JSON ({@code "datasets[1].did"}, {@code "resources.memory"}).
 *
 * <p>Immutable; safe to share between threads.
 */
public final class InvalidRequestException extends C2dException {
  private static final long serialVersionUID = 1L;

  private final String field;

  /** Creates an {@link ErrorCode#INVALID_REQUEST} failure for {@code field}. */
  public InvalidRequestException(String field, String message) {
    this(ErrorCode.INVALID_REQUEST, field, message, null);
  }

  /**
   * Creates the exception.
   *
   * @throws IllegalArgumentException if {@code code} is not one of INVALID_REQUEST,
   *     RESOURCES_EXCEEDED, ENVIRONMENT_UNKNOWN, REQUEST_ID_CONFLICT, FREE_COMPUTE_NOT_OFFERED
   */
  public InvalidRequestException(
      ErrorCode code, String field, String message, @Nullable Throwable cause) {
    super(
        Codes.require(
            code,
            ErrorCode.INVALID_REQUEST,
            ErrorCode.RESOURCES_EXCEEDED,
            ErrorCode.ENVIRONMENT_UNKNOWN,
            ErrorCode.REQUEST_ID_CONFLICT,
            ErrorCode.FREE_COMPUTE_NOT_OFFERED),
        field + ": " + message,
        cause);
    this.field = requireNonNull(field, "field");
  }

  /** The offending field, such as {@code "consumer"} or {@code "datasets[0].did"}. */
  public String field() {
    return field;
  }
}
