package io.c2d;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeRequest;
import io.c2d.model.DatasetInput;
import io.c2d.spi.agreement.AgreementQuery;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks the verifier about every input dataset and a published algorithm (DESIGN step 3), in
 * parallel, and combines the verdicts: any refusal refuses, else any unknown is unknown. Allow
 * verdicts are cached until they stop being true (at most {@code maxCacheTtl}); a verifier that
 * fails or overruns its timeout counts as unknown, never as allow.
 */
final class AgreementCheck {
  private static final int MAX_CACHED = 100_000;

  private final ServiceAgreementVerifier verifier;
  private final Clock clock;
  private final Duration timeout;
  private final Duration maxCacheTtl;
  private final ConcurrentHashMap<AgreementQuery, Instant> allowedUntil = new ConcurrentHashMap<>();

  AgreementCheck(
      ServiceAgreementVerifier verifier, Clock clock, Duration timeout, Duration maxCacheTtl) {
    this.verifier = verifier;
    this.clock = clock;
    this.timeout = timeout;
    this.maxCacheTtl = maxCacheTtl;
  }

  /** Completes normally when entitled; exceptionally with an {@link AgreementException} if not. */
  CompletionStage<Void> check(ComputeRequest request, ComputeEnvironment environment) {
    List<AgreementQuery> queries = queriesOf(request, environment);
    if (queries.size() == 1) {
      return verdictOf(queries.get(0)).thenAccept(AgreementCheck::requireAllowed);
    }
    List<CompletableFuture<Verdict>> verdicts = new ArrayList<>(queries.size());
    for (AgreementQuery query : queries) {
      verdicts.add(verdictOf(query).toCompletableFuture());
    }
    return CompletableFuture.allOf(verdicts.toArray(new CompletableFuture<?>[0]))
        .thenRun(
            () -> {
              Verdict unknown = null;
              for (CompletableFuture<Verdict> verdict : verdicts) {
                Verdict v = verdict.join();
                if (v.decision() == Verdict.Decision.REFUSE) {
                  requireAllowed(v);
                }
                if (v.decision() == Verdict.Decision.UNKNOWN && unknown == null) {
                  unknown = v;
                }
              }
              if (unknown != null) {
                requireAllowed(unknown);
              }
            });
  }

  private static List<AgreementQuery> queriesOf(
      ComputeRequest request, ComputeEnvironment environment) {
    List<AgreementQuery> queries = new ArrayList<>(request.datasets().size() + 1);
    String agreementId = request.agreementId().orElse(null);
    for (DatasetInput dataset : request.datasets()) {
      queries.add(
          new AgreementQuery(
              request.consumer(),
              dataset.did(),
              dataset.serviceId(),
              agreementId,
              dataset.orderTx().orElse(null),
              environment.id(),
              environment.isFree(),
              false));
    }
    request
        .algorithm()
        .did()
        .ifPresent(
            did ->
                queries.add(
                    new AgreementQuery(
                        request.consumer(),
                        did,
                        request.algorithm().serviceId().orElseThrow(),
                        agreementId,
                        request.algorithm().orderTx().orElse(null),
                        environment.id(),
                        environment.isFree(),
                        true)));
    return queries;
  }

  private CompletionStage<Verdict> verdictOf(AgreementQuery query) {
    Instant now = clock.instant();
    Instant until = allowedUntil.get(query);
    if (until != null) {
      if (now.isBefore(until)) {
        return CompletableFuture.completedFuture(Verdict.allow(until));
      }
      allowedUntil.remove(query, until);
    }
    CompletableFuture<Verdict> asked;
    try {
      asked = verifier.verify(query).toCompletableFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Verdict.unknown("verifier failed: " + e));
    }
    return asked
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (verdict, failure) -> {
              if (failure != null || verdict == null) {
                boolean timedOut =
                    failure instanceof TimeoutException
                        || (failure != null && failure.getCause() instanceof TimeoutException);
                return Verdict.unknown(
                    timedOut
                        ? "verifier did not answer within " + timeout
                        : "verifier failed: " + failure);
              }
              remember(query, verdict, now);
              return verdict;
            });
  }

  private void remember(AgreementQuery query, Verdict verdict, Instant now) {
    if (!verdict.isAllowed() || verdict.validUntil().isEmpty()) {
      return;
    }
    Instant cap = now.plus(maxCacheTtl);
    Instant until = verdict.validUntil().get().isBefore(cap) ? verdict.validUntil().get() : cap;
    if (until.isAfter(now)) {
      if (allowedUntil.size() >= MAX_CACHED) {
        allowedUntil.values().removeIf(expiry -> !expiry.isAfter(now));
      }
      if (allowedUntil.size() < MAX_CACHED) {
        allowedUntil.put(query, until);
      }
    }
  }

  private static void requireAllowed(Verdict verdict) {
    switch (verdict.decision()) {
      case ALLOW -> {}
      case REFUSE ->
          throw new AgreementException(
              ErrorCode.AGREEMENT_REFUSED, "agreement refused: " + verdict.reason());
      case UNKNOWN ->
          throw new AgreementException(
              ErrorCode.AGREEMENT_UNKNOWN,
              "agreement could not be verified now (" + verdict.reason() + "); retry later");
    }
  }
}
