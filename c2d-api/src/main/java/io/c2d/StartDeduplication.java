package io.c2d;

import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.JobId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Starting the same request twice gives one job: a start of a job id already under way joins it,
 * and a known job is answered as it is, unless the request id was reused for another request body.
 * Thread-safe, lock-free.
 */
final class StartDeduplication {
  /** One start under way: the body it was signed over and the stage every joiner gets. */
  static final class Pending {
    final String bodySha256;
    final CompletableFuture<ComputeJob> future = new CompletableFuture<>();

    Pending(String bodySha256) {
      this.bodySha256 = bodySha256;
    }
  }

  private final ConcurrentHashMap<JobId, Pending> starting = new ConcurrentHashMap<>();

  /**
   * Claims the start of {@code id} for {@code pending}; null if the caller now owns it, else the
   * stage of the start already under way (or a conflict, if that one is for another body).
   */
  @Nullable CompletionStage<ComputeJob> claim(JobId id, Pending pending, ComputeRequest request) {
    Pending racing = starting.putIfAbsent(id, pending);
    if (racing == null) {
      return null;
    }
    if (!racing.bodySha256.equals(pending.bodySha256)) {
      return CompletableFuture.failedFuture(requestIdConflict(request));
    }
    return racing.future;
  }

  /** Ends the claim of {@code pending}; the caller completes its future. */
  void release(JobId id, Pending pending) {
    starting.remove(id, pending);
  }

  /**
   * The known job, if {@code asked} is the body it was started with (an empty known body is a job
   * recovered from before bodies were kept).
   *
   * @throws InvalidRequestException ({@link ErrorCode#REQUEST_ID_CONFLICT}) otherwise
   */
  static ComputeJob sameRequest(String known, String asked, JobRecord existing) {
    if (!known.isEmpty() && !known.equals(asked)) {
      throw new InvalidRequestException(
          ErrorCode.REQUEST_ID_CONFLICT,
          "requestId",
          "request id "
              + existing.snapshot().requestId()
              + " was used for another request; use a new request id or nonce",
          null);
    }
    return existing.snapshot();
  }

  private static InvalidRequestException requestIdConflict(ComputeRequest request) {
    return new InvalidRequestException(
        ErrorCode.REQUEST_ID_CONFLICT,
        "requestId",
        "request id " + request.requestId() + " is being started with another request",
        null);
  }
}
