package io.c2d.spi.publish;

import io.c2d.model.Did;
import java.util.concurrent.CompletionStage;

/**
 * Registers a completed job's outputs as a new asset (DESIGN step 9), such as a v4 data NFT whose
 * metadata is the derived DDO, or a DID in the Keeper's DIDRegistry.
 *
 * <p>Implementations must be thread-safe and must not block the calling thread on network I/O: the
 * work happens in the returned stage. They must be idempotent per {@link DerivedAsset#jobId()}: the
 * engine publishes again after a restart that interrupted publishing, and the second call must
 * answer the DID of the first rather than register a second asset. A failed stage ends the job as
 * {@link io.c2d.model.JobStatus#RESULTS_UPLOAD_FAILED} with its results kept.
 */
public interface DerivedAssetPublisher extends AutoCloseable {

  /** Publishes {@code asset} and answers its new DID. */
  CompletionStage<Did> publish(DerivedAsset asset);

  /** Releases the publisher's clients and threads. */
  @Override
  default void close() {}
}
