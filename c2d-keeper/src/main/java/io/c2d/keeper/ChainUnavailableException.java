package io.c2d.keeper;

import org.jspecify.annotations.Nullable;

/**
 * The chain could not answer: unreachable, too slow, an RPC error or the wrong chain. Verifiers
 * turn it into an unknown verdict with {@link ChainClient#unknown(Throwable)}; it never leaves this
 * package.
 */
final class ChainUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ChainUnavailableException(String reason, @Nullable Throwable cause) {
    super(reason, cause, false, false);
  }
}
