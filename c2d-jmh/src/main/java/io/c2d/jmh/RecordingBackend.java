package io.c2d.jmh;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.c2d.testkit.InMemoryComputeBackend;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A manual {@link InMemoryComputeBackend} that remembers, in order, the jobs the engine dispatched
 * to it and that have not been completed yet, so a benchmark can end the oldest running job and let
 * the engine take the next one from its queue. Thread-safe.
 */
final class RecordingBackend implements ComputeBackend {
  private static final Map<String, byte[]> NO_OUTPUTS = Map.of();

  private final InMemoryComputeBackend delegate;
  private final ConcurrentLinkedQueue<JobId> running = new ConcurrentLinkedQueue<>();

  RecordingBackend(ComputeEnvironment environment) {
    this.delegate = InMemoryComputeBackend.create(environment);
  }

  /** Completes the oldest running job; the engine then dispatches the next waiting one. */
  void completeOldest() {
    JobId oldest = running.poll();
    if (oldest == null) {
      throw new IllegalStateException("no job is running");
    }
    delegate.job(oldest).complete(NO_OUTPUTS);
  }

  @Override
  public List<ComputeEnvironment> environments() {
    return delegate.environments();
  }

  @Override
  public CompletionStage<Void> submit(JobSpec spec, BackendListener listener) {
    CompletionStage<Void> submitted = delegate.submit(spec, listener);
    running.add(spec.jobId());
    return submitted;
  }

  @Override
  public CompletionStage<Void> stop(JobId id) {
    return delegate.stop(id);
  }

  @Override
  public CompletionStage<Void> delete(JobId id) {
    return delegate.delete(id);
  }

  @Override
  public CompletionStage<List<RecoveredJob>> recover(BackendListener listener) {
    return delegate.recover(listener);
  }

  @Override
  public CompletionStage<InputStream> openResult(JobId id, JobResult result) {
    return delegate.openResult(id, result);
  }
}
