package io.c2d.server.internal;

import static java.util.Objects.requireNonNull;

import io.c2d.spi.ProviderConfig;
import io.c2d.spi.agreement.AgreementQuery;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.ServiceAgreementVerifierProvider;
import io.c2d.spi.agreement.Verdict;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * This class is internal and is not for public use. Its API is unstable and can change at any time.
 *
 * <p>Provides, under the name {@value #NAME}, the main job's default verifier: it allows every
 * consumer every compute service ({@link Verdict#allowOnce()}, never cached) and checks nothing, so
 * that the main job runs without a chain. It is for demonstrations only, and says so with a WARN
 * when selected; a provider application names {@code ocean-orders} or {@code keeper} (c2d-keeper)
 * instead. It has its own name so that it never conflicts with c2d-testkit's {@code allow-all} when
 * both are on a test class path. It reads no configuration.
 *
 * <p>Stateless and thread-safe.
 */
public final class DemoVerifierProvider implements ServiceAgreementVerifierProvider {
  /** The name configuration selects this provider by. */
  public static final String NAME = "demo-allow-all";

  private static final CompletionStage<Verdict> ALLOWED =
      CompletableFuture.completedStage(Verdict.allowOnce());

  /** Called by {@link java.util.ServiceLoader}. */
  public DemoVerifierProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  /** Logged when selected: this provider is not for production. */
  @Override
  public Optional<String> warning() {
    return Optional.of(
        "accepts every agreement of every consumer, with no on-chain check; a demonstration only");
  }

  @Override
  public ServiceAgreementVerifier create(ProviderConfig config) {
    requireNonNull(config, "config");
    return new ServiceAgreementVerifier() {
      @Override
      public CompletionStage<Verdict> verify(AgreementQuery query) {
        requireNonNull(query, "query");
        return ALLOWED;
      }

      @Override
      public String toString() {
        return NAME + " verifier (demonstration only)";
      }
    };
  }
}
