package io.c2d.testkit;

import static java.util.Objects.requireNonNull;

import io.c2d.spi.ProviderConfig;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.ServiceAgreementVerifierProvider;
import io.c2d.spi.agreement.Verdict;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Provides, under the name {@value #NAME}, a verifier that allows every consumer every compute
 * service ({@link Verdict#allowOnce()}, never cached). It checks nothing: it is for development and
 * tests only, so that a provider application can run jobs before it is connected to a chain. It
 * reads no configuration and keeps no record of the queries (use {@link FakeAgreementVerifier} for
 * that).
 *
 * <p>Stateless and thread-safe.
 */
public final class AllowAllVerifierProvider implements ServiceAgreementVerifierProvider {
  /** The name configuration selects this provider by. */
  public static final String NAME = "allow-all";

  private static final CompletionStage<Verdict> ALLOWED =
      CompletableFuture.completedStage(Verdict.allowOnce());

  /** Called by {@link java.util.ServiceLoader}. */
  public AllowAllVerifierProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  /** Logged when selected: this provider is not for production. */
  @Override
  public Optional<String> warning() {
    return Optional.of("accepts every agreement of every consumer, with no on-chain check");
  }

  @Override
  public ServiceAgreementVerifier create(ProviderConfig config) {
    requireNonNull(config, "config");
    return new ServiceAgreementVerifier() {
      @Override
      public CompletionStage<Verdict> verify(io.c2d.spi.agreement.AgreementQuery query) {
        requireNonNull(query, "query");
        return ALLOWED;
      }

      @Override
      public String toString() {
        return "allow-all verifier (development only)";
      }
    };
  }
}
