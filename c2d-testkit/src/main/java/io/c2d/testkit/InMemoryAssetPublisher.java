package io.c2d.testkit;

import static java.util.Objects.requireNonNull;

import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.spi.publish.DerivedAsset;
import io.c2d.spi.publish.DerivedAssetPublisher;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link DerivedAssetPublisher} that keeps what it publishes in memory, for tests and the
 * embedded example. The DID of a job's asset is derived from the job id, and a job published twice
 * keeps its first asset (the idempotence the SPI asks for).
 *
 * <p>{@link #failWith} makes the next publications fail and {@link #hang} makes them never
 * complete, to act out a chain that refuses or never answers.
 *
 * <p>Thread-safe. Arguments are non-null.
 */
public final class InMemoryAssetPublisher implements DerivedAssetPublisher {
  private final Map<JobId, DerivedAsset> published = new ConcurrentHashMap<>();
  private final List<DerivedAsset> calls = new CopyOnWriteArrayList<>();
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private volatile boolean hang;

  private InMemoryAssetPublisher() {}

  /** A publisher that publishes everything it is given. */
  public static InMemoryAssetPublisher create() {
    return new InMemoryAssetPublisher();
  }

  /** The DID this publisher gives the asset of {@code job}. */
  public static Did didOf(JobId job) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(("derived:" + job.value()).getBytes(StandardCharsets.UTF_8));
      return Did.of(HexFormat.of().formatHex(hash));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Makes every publication from now on fail with {@code failure}, until {@link #recover()}. */
  public InMemoryAssetPublisher failWith(RuntimeException failure) {
    this.failure.set(requireNonNull(failure, "failure"));
    return this;
  }

  /** Makes every publication from now on never complete, until {@link #recover()}. */
  public InMemoryAssetPublisher hang() {
    this.hang = true;
    return this;
  }

  /** Publishes normally again. */
  public InMemoryAssetPublisher recover() {
    this.failure.set(null);
    this.hang = false;
    return this;
  }

  @Override
  public CompletionStage<Did> publish(DerivedAsset asset) {
    requireNonNull(asset, "asset");
    calls.add(asset);
    if (hang) {
      return new CompletableFuture<>();
    }
    RuntimeException failing = failure.get();
    if (failing != null) {
      return CompletableFuture.failedFuture(failing);
    }
    published.putIfAbsent(asset.jobId(), asset);
    return CompletableFuture.completedFuture(didOf(asset.jobId()));
  }

  /** The asset published for {@code job}, if any. */
  public Optional<DerivedAsset> assetOf(JobId job) {
    return Optional.ofNullable(published.get(requireNonNull(job, "job")));
  }

  /** Every call to {@link #publish}, in order, including failed and repeated ones. */
  public List<DerivedAsset> calls() {
    return List.copyOf(calls);
  }

  @Override
  public String toString() {
    return "InMemoryAssetPublisher(" + published.size() + " published)";
  }
}
