package io.c2d;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * The root of every exception c2d throws on purpose. Each carries an {@link ErrorCode} that stays
 * stable across releases, so callers can branch on {@link #code()} rather than on messages.
 *
 * <p>Exceptions are unchecked. Asynchronous methods complete their stage exceptionally with one of
 * these (possibly wrapped in a {@link java.util.concurrent.CompletionException}); use {@link
 * #unwrap(Throwable)} to get it back.
 */
public abstract class C2dException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  C2dException(ErrorCode code, String message, @Nullable Throwable cause) {
    super(requireNonNull(message, "message"), cause);
    this.code = requireNonNull(code, "code");
  }

  /** The stable, machine-readable code of this failure. */
  public ErrorCode code() {
    return code;
  }

  /**
   * Returns the {@code C2dException} behind a failure of an asynchronous call, looking through
   * {@link java.util.concurrent.CompletionException} and {@link
   * java.util.concurrent.ExecutionException} wrappers, or {@code null} if there is none.
   */
  public static @Nullable C2dException unwrap(Throwable failure) {
    Throwable current = failure;
    for (int depth = 0; current != null && depth < 8; depth++) {
      if (current instanceof C2dException) {
        return (C2dException) current;
      }
      current = current.getCause();
    }
    return null;
  }
}
