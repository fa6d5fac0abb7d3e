package io.c2d.testkit.conformance;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;
import static io.c2d.testkit.assertj.C2dAssertions.failureOf;

import io.c2d.C2dException;
import io.c2d.ComputeEngine;
import io.c2d.ErrorCode;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeRequest;
import io.c2d.spi.agreement.AgreementQuery;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.Verdict;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.InMemoryComputeBackend;
import io.c2d.testkit.TestAuthenticator;
import io.c2d.testkit.TestRequests;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The compatibility kit of {@link ServiceAgreementVerifier}: an abstract JUnit 5 class whose {@link
 * Nested} groups check that allow, refuse and unknown are distinct answers, that a verifier that
 * cannot reach its chain answers unknown and never allow, and that a verifier that never answers
 * neither blocks its caller nor holds a start past the engine's verifier timeout.
 *
 * <p>The adapter supplies one verifier per situation; each answers every query the same way (the
 * kit asks {@link #query()} directly, and the engine asks about {@link TestRequests#did(int)
 * TestRequests.did(1)} for {@link EthereumKey#ALICE}). The kit closes every verifier it was given.
 *
 * <p>An instance is confined to the JUnit thread that runs it. Failures are {@link
 * AssertionError}s.
 */
public abstract class ServiceAgreementVerifierConformanceKit {
  private static final long CHAIN_ID = 8996;
  private final List<ServiceAgreementVerifier> created = new ArrayList<>();

  /** For subclasses. */
  protected ServiceAgreementVerifierConformanceKit() {}

  /** A verifier that entitles the consumer (the agreement or order is in place). */
  protected abstract ServiceAgreementVerifier allowingVerifier() throws Exception;

  /** A verifier that finds the consumer not entitled (no agreement, no order, expired). */
  protected abstract ServiceAgreementVerifier refusingVerifier() throws Exception;

  /** A verifier whose chain cannot be reached (such as an RPC endpoint on a closed port). */
  protected abstract ServiceAgreementVerifier unreachableVerifier() throws Exception;

  /** A verifier whose chain never answers (accepts the connection, then stays silent). */
  protected abstract ServiceAgreementVerifier hangingVerifier() throws Exception;

  /** The question the kit asks directly; default dataset 1 of the testkit, asked by Alice. */
  protected AgreementQuery query() {
    return new AgreementQuery(
        EthereumKey.ALICE.address(),
        TestRequests.did(1),
        "compute",
        null,
        String.format("0x%064x", 0xabc001L),
        "local",
        true,
        false);
  }

  /** The engine's verifier timeout in the timeout checks; default 500 ms. */
  protected Duration verifierTimeout() {
    return Duration.ofMillis(500);
  }

  /** How long the kit waits for any one answer; default 10 seconds. */
  protected Duration timeout() {
    return Duration.ofSeconds(10);
  }

  @AfterEach
  final void closeVerifiers() {
    for (ServiceAgreementVerifier verifier : created) {
      verifier.close();
    }
  }

  /** The three answers. */
  @Nested
  @DisplayName("Verdicts")
  class Verdicts {
    @Test
    @DisplayName("an entitled consumer gets ALLOW, valid (if cached at all) until a later instant")
    void allow() throws Exception {
      Verdict verdict = answer(track(allowingVerifier()));

      assertThat(verdict.decision()).as("verdict %s", verdict).isEqualTo(Verdict.Decision.ALLOW);
      assertThat(verdict.isAllowed()).isTrue();
    }

    @Test
    @DisplayName("a consumer who is not entitled gets REFUSE, with a reason")
    void refuse() throws Exception {
      Verdict verdict = answer(track(refusingVerifier()));

      assertThat(verdict.decision()).as("verdict %s", verdict).isEqualTo(Verdict.Decision.REFUSE);
      assertThat(verdict.isAllowed()).isFalse();
      assertThat(verdict.reason()).as("reason").isNotBlank();
    }

    @Test
    @DisplayName("an unreachable chain gives UNKNOWN (or a failed stage), never ALLOW")
    void unreachableIsUnknown() throws Exception {
      CompletionStage<Verdict> stage = track(unreachableVerifier()).verify(query());
      Verdict verdict;
      try {
        verdict = stage.toCompletableFuture().get(timeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        return; // a failed stage is taken as unknown, as the SPI says
      }

      assertThat(verdict.decision()).as("verdict %s", verdict).isEqualTo(Verdict.Decision.UNKNOWN);
      assertThat(verdict.isAllowed()).isFalse();
    }

    @Test
    @DisplayName("allow, refuse and unknown are three distinct answers")
    void answersAreDistinct() throws Exception {
      Set<Verdict.Decision> decisions = EnumSet.noneOf(Verdict.Decision.class);
      decisions.add(answer(track(allowingVerifier())).decision());
      decisions.add(answer(track(refusingVerifier())).decision());
      CompletionStage<Verdict> unreachable = track(unreachableVerifier()).verify(query());
      try {
        decisions.add(
            unreachable
                .toCompletableFuture()
                .get(timeout().toMillis(), TimeUnit.MILLISECONDS)
                .decision());
      } catch (ExecutionException e) {
        decisions.add(Verdict.Decision.UNKNOWN);
      }

      assertThat(decisions).containsExactlyInAnyOrder(Verdict.Decision.values());
    }
  }

  /** Time limits. */
  @Nested
  @DisplayName("Timeouts")
  class Timeouts {
    @Test
    @DisplayName("a verifier whose chain never answers does not block the caller")
    void hangingDoesNotBlock() throws Exception {
      ServiceAgreementVerifier verifier = track(hangingVerifier());
      CompletableFuture<CompletionStage<Verdict>> returned =
          CompletableFuture.supplyAsync(() -> verifier.verify(query()));

      CompletionStage<Verdict> stage = returned.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
      assertThat(stage).as("the stage verify returned").isNotNull();
    }

    @Test
    @DisplayName(
        "through the engine, a hanging verifier ends the start as AGREEMENT_UNKNOWN in time")
    void hangingEndsAsUnknownWithinTheTimeout() throws Exception {
      InMemoryComputeBackend backend = backend();
      try (ComputeEngine engine = engine(backend, track(hangingVerifier()))) {
        C2dException refused =
            failureOf(engine.start(request()), verifierTimeout().plus(Duration.ofSeconds(2)));

        assertThat(refused).hasCode(ErrorCode.AGREEMENT_UNKNOWN);
        assertThat(backend.submitted()).as("jobs started").isEmpty();
      }
    }

    @Test
    @DisplayName("through the engine, an unreachable chain refuses the start as AGREEMENT_UNKNOWN")
    void unreachableRefusesTheStart() throws Exception {
      InMemoryComputeBackend backend = backend();
      try (ComputeEngine engine = engine(backend, track(unreachableVerifier()))) {
        C2dException refused = failureOf(engine.start(request()), timeout());

        assertThat(refused).hasCode(ErrorCode.AGREEMENT_UNKNOWN);
        assertThat(backend.submitted()).as("jobs started").isEmpty();
      }
    }

    @Test
    @DisplayName("through the engine, a refusing verifier refuses the start as AGREEMENT_REFUSED")
    void refusalRefusesTheStart() throws Exception {
      InMemoryComputeBackend backend = backend();
      try (ComputeEngine engine = engine(backend, track(refusingVerifier()))) {
        C2dException refused = failureOf(engine.start(request()), timeout());

        assertThat(refused).hasCode(ErrorCode.AGREEMENT_REFUSED);
        assertThat(backend.submitted()).as("jobs started").isEmpty();
      }
    }
  }

  private ServiceAgreementVerifier track(ServiceAgreementVerifier verifier) {
    created.add(verifier);
    return verifier;
  }

  private Verdict answer(ServiceAgreementVerifier verifier)
      throws InterruptedException, ExecutionException {
    try {
      return verifier
          .verify(query())
          .toCompletableFuture()
          .get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the verifier did not answer within " + timeout(), e);
    }
  }

  private static InMemoryComputeBackend backend() {
    return InMemoryComputeBackend.create(ComputeEnvironment.builder("local").build())
        .autoComplete();
  }

  private ComputeEngine engine(InMemoryComputeBackend backend, ServiceAgreementVerifier verifier) {
    ComputeEngine engine =
        ComputeEngine.builder()
            .backend(backend)
            .verifier(verifier)
            .authenticator(TestAuthenticator.create())
            .chainId(CHAIN_ID)
            .providerAddress(EthereumKey.CAROL.address())
            .verifierTimeout(verifierTimeout())
            .build();
    engine.ready().toCompletableFuture().join();
    return engine;
  }

  private static ComputeRequest request() {
    return TestRequests.create(CHAIN_ID, EthereumKey.CAROL.address())
        .by(EthereumKey.ALICE)
        .dataset(TestRequests.dataset(1).ddoJson(TestRequests.openDdo(1)).build())
        .sign();
  }
}
