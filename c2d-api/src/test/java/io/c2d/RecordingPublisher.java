package io.c2d;

import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.spi.publish.DerivedAsset;
import io.c2d.spi.publish.DerivedAssetPublisher;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/** Records what the engine publishes; answers one DID per job, fails, or never answers. */
final class RecordingPublisher implements DerivedAssetPublisher {
  private final List<DerivedAsset> calls = new CopyOnWriteArrayList<>();
  private volatile @Nullable RuntimeException failure;
  private volatile boolean hang;

  static Did didOf(JobId job) {
    return Did.of(Did.PREFIX + job.value() + job.value());
  }

  void failWith(RuntimeException failure) {
    this.failure = failure;
  }

  void hang() {
    hang = true;
  }

  void recover() {
    hang = false;
    failure = null;
  }

  List<DerivedAsset> calls() {
    return List.copyOf(calls);
  }

  Optional<DerivedAsset> assetOf(JobId job) {
    return calls.stream().filter(a -> a.jobId().equals(job)).reduce((a, b) -> b);
  }

  @Override
  public CompletionStage<Did> publish(DerivedAsset asset) {
    calls.add(asset);
    RuntimeException failing = failure;
    if (failing != null) {
      return CompletableFuture.failedFuture(failing);
    }
    return hang
        ? new CompletableFuture<>()
        : CompletableFuture.completedFuture(didOf(asset.jobId()));
  }

  @Override
  public void close() {}
}
