package io.c2d.spi.agreement;

import java.util.concurrent.CompletionStage;

/**
 * Decides whether a consumer is entitled to a compute service of an asset (DESIGN step 3).
 *
 * <p>Implementations must be thread-safe and must not block the calling thread on network I/O: the
 * work happens in the returned stage. A verifier that cannot reach its chain, or runs out of time,
 * answers {@link Verdict#unknown}, never {@link Verdict#allow}. A stage that fails is taken as
 * unknown.
 */
public interface ServiceAgreementVerifier extends AutoCloseable {

  /** Answers {@code query}. */
  CompletionStage<Verdict> verify(AgreementQuery query);

  /** Releases the verifier's clients and threads. */
  @Override
  default void close() {}
}
