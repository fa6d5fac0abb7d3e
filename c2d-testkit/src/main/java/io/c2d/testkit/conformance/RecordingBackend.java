package io.c2d.testkit.conformance;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * The backend under test as the kit hands it to an engine: counts submissions, lets the adapter
 * play each submitted job (for backends that run nothing), and does not close the real backend (the
 * kit does). Thread-safe.
 */
final class RecordingBackend implements ComputeBackend {
  private final ComputeBackend delegate;
  private final BiConsumer<ComputeBackend, JobSpec> play;
  private final List<JobSpec> submitted = new CopyOnWriteArrayList<>();

  RecordingBackend(ComputeBackend delegate, BiConsumer<ComputeBackend, JobSpec> play) {
    this.delegate = delegate;
    this.play = play;
  }

  List<JobSpec> submitted() {
    return List.copyOf(submitted);
  }

  @Override
  public List<ComputeEnvironment> environments() {
    return delegate.environments();
  }

  @Override
  public CompletionStage<Void> submit(JobSpec spec, BackendListener listener) {
    submitted.add(spec);
    return delegate.submit(spec, listener).thenRun(() -> play.accept(delegate, spec));
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

  @Override
  public void close() {
    // the kit closes the backend it created
  }
}
