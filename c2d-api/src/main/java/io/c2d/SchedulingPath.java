package io.c2d;

import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.FreeLimits;
import io.c2d.model.JobId;
import io.c2d.model.Resources;
import io.c2d.spi.auth.NonceStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The scheduling path of a start, DESIGN steps 1 to 6 in order: validate against the environment,
 * authenticate (an Ocean-format request spends its counter nonce there), answer a known job
 * (de-duplication), spend a c2d-format nonce, check the assets' compute policies, verify the
 * agreement (not for a free request), admit. Each step is its own part; this class only sequences
 * them, with no lock of its own and no allocation beyond theirs (the start path is benchmarked in
 * c2d-jmh). Thread-safe.
 */
final class SchedulingPath {
  private final RequestValidation validation;
  private final Authentication authentication;
  private final StartDeduplication deduplication = new StartDeduplication();
  private final NonceStore nonces;
  private final PolicyCheck policy;
  private final AgreementCheck agreements;
  private final JobRegistry registry;
  private final Admission admission;
  private final boolean publishes;

  SchedulingPath(
      RequestValidation validation,
      Authentication authentication,
      NonceStore nonces,
      PolicyCheck policy,
      AgreementCheck agreements,
      JobRegistry registry,
      Admission admission,
      boolean publishes) {
    this.validation = validation;
    this.authentication = authentication;
    this.nonces = nonces;
    this.policy = policy;
    this.agreements = agreements;
    this.registry = registry;
    this.admission = admission;
    this.publishes = publishes;
  }

  /**
   * Starts {@code request} once the engine is ready; the stage is {@link ComputeEngine#start}'s.
   */
  CompletionStage<ComputeJob> start(ComputeRequest request) {
    EnvironmentSlot slot;
    Resources resources;
    Duration maxDuration;
    String bodySha256;
    JobId id;
    boolean free;
    try {
      slot = validation.slotFor(request.environmentId());
      FreeLimits freeLimits = RequestValidation.freeLimitsFor(request, slot.environment);
      free = freeLimits != null;
      resources = RequestValidation.resourcesFor(request, slot.environment, freeLimits);
      maxDuration = RequestValidation.durationFor(request, slot.environment, freeLimits);
      RequestValidation.checkPublishing(request, publishes);
      bodySha256 = request.bodySha256();
      authentication.check(request, bodySha256);
      id = JobId.derive(request.consumer(), request.requestId());
      JobRecord existing = registry.get(id);
      if (existing != null) {
        return CompletableFuture.completedFuture(
            StartDeduplication.sameRequest(existing.bodySha256, bodySha256, existing));
      }
    } catch (C2dException e) {
      return CompletableFuture.failedFuture(e);
    }

    StartDeduplication.Pending pending = new StartDeduplication.Pending(bodySha256);
    CompletionStage<ComputeJob> racing = deduplication.claim(id, pending, request);
    if (racing != null) {
      return racing;
    }
    try {
      JobRecord existing = registry.get(id);
      if (existing != null) {
        pending.future.complete(
            StartDeduplication.sameRequest(existing.bodySha256, bodySha256, existing));
      } else {
        Instant expiresAt = request.expiresAt().orElse(null);
        // An Ocean-format request spent its counter nonce in authentication, before de-duplication.
        if (expiresAt != null && !nonces.markUsed(request.consumer(), request.nonce(), expiresAt)) {
          throw new AuthenticationException(
              ErrorCode.NONCE_REPLAYED,
              "nonce " + request.nonce() + " of " + request.consumer() + " was used before");
        }
        boolean networkAccess = policy.check(request);
        JobId jobId = id;
        // A free request has no agreement or order to verify: its free limits bound it instead.
        (free
                ? CompletableFuture.<Void>completedFuture(null)
                : agreements.check(request, slot.environment))
            .thenCompose(
                ignored ->
                    admission.admit(
                        request,
                        slot,
                        jobId,
                        resources,
                        maxDuration,
                        networkAccess,
                        bodySha256,
                        free))
            .whenComplete(
                (job, failure) -> {
                  deduplication.release(jobId, pending);
                  if (failure != null) {
                    pending.future.completeExceptionally(ComputeEngine.unwrapCompletion(failure));
                  } else {
                    pending.future.complete(job);
                  }
                });
        return pending.future;
      }
    } catch (C2dException e) {
      pending.future.completeExceptionally(e);
    }
    deduplication.release(id, pending);
    return pending.future;
  }
}
