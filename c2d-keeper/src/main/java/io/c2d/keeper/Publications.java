package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import io.c2d.ErrorCode;
import io.c2d.UnavailableException;
import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.spi.publish.DerivedAsset;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What the derived-asset publishers share: at most one publication per job under way (a second call
 * for that job joins it), each run serially on the publisher's account within its time limit, and a
 * failure reported as an {@link UnavailableException} that says what was being done.
 *
 * <p>Thread-safe.
 */
final class Publications {
  private final TransactionSender sender;
  private final Duration timeout;
  private final Function<JobId, String> doing;
  private final ConcurrentHashMap<JobId, CompletableFuture<Did>> inFlight =
      new ConcurrentHashMap<>();

  /**
   * @param doing what publishing a job is, in words, for failures ("registering job X in ...")
   */
  Publications(TransactionSender sender, Duration timeout, Function<JobId, String> doing) {
    this.sender = requireNonNull(sender, "sender");
    this.timeout = requireNonNull(timeout, "timeout");
    this.doing = requireNonNull(doing, "doing");
  }

  /**
   * One step of a publication: publish {@code asset}, waiting for nothing past {@code deadline}.
   */
  @FunctionalInterface
  interface Step {
    CompletableFuture<Did> run(DerivedAsset asset, long deadlineNanos);
  }

  /** Publishes {@code asset} with {@code step}, or joins its publication under way. */
  CompletionStage<Did> publish(DerivedAsset asset, Step step) {
    requireNonNull(asset, "asset");
    CompletableFuture<Did> result = new CompletableFuture<>();
    CompletableFuture<Did> running = inFlight.putIfAbsent(asset.jobId(), result);
    if (running != null) {
      return running.copy();
    }
    var unused =
        sender
            .serially(() -> step.run(asset, System.nanoTime() + timeout.toNanos()))
            .whenComplete(
                (did, failure) -> {
                  inFlight.remove(asset.jobId(), result);
                  if (failure != null) {
                    result.completeExceptionally(failed(asset.jobId(), failure));
                  } else {
                    result.complete(did);
                  }
                });
    return result.copy();
  }

  private UnavailableException failed(JobId job, Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String reason =
        cause instanceof ChainUnavailableException
                || cause instanceof TransactionSender.TransactionRevertedException
            ? String.valueOf(cause.getMessage())
            : ChainClient.reasonOf(cause);
    return new UnavailableException(
        ErrorCode.BACKEND_FAILURE, doing.apply(job) + " failed: " + reason, cause);
  }
}
