package io.c2d.spi.backend.support;

import io.c2d.model.FileLocator;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.JobSpec;
import java.net.URI;
import java.nio.file.Path;

/**
 * What {@link ContractStaging} needs of the job it stages: a {@link SandboxJob}'s, or that of a
 * backend that keeps its jobs elsewhere (the Kubernetes backend keeps them in the cluster).
 */
interface StagingContext {
  JobId id();

  JobSpec spec();

  /** The job's directory: fetched inputs are written below it. */
  JobDirectory directory();

  /** Fetches the remote inputs. */
  InputFetcher fetcher();

  /** The backend's name, for failures. */
  String backendName();

  /** Ends staging if the job must not go on. */
  void checkpoint() throws SandboxJob.Abort;

  /** Notes a staging step in the job's configuration log. */
  void configLog(String line);

  /** The local path of a {@code file:} URI, checked to be a readable regular file. */
  Path localFile(URI uri, String what, JobStatus failure) throws StageFailure;

  /** Whether the backend mounts dataset file {@code locator} itself: staging leaves it out. */
  boolean mounts(FileLocator locator);

  /** A {@link SandboxJob}'s context: it mounts nothing itself. */
  static StagingContext of(SandboxJob job) {
    return new StagingContext() {
      @Override
      public JobId id() {
        return job.id();
      }

      @Override
      public JobSpec spec() {
        return job.spec();
      }

      @Override
      public JobDirectory directory() {
        return job.directory();
      }

      @Override
      public InputFetcher fetcher() {
        return job.runtime().fetcher();
      }

      @Override
      public String backendName() {
        return job.runtime().backendName();
      }

      @Override
      public void checkpoint() throws SandboxJob.Abort {
        job.checkpoint();
      }

      @Override
      public void configLog(String line) {
        job.configLog(line);
      }

      @Override
      public Path localFile(URI uri, String what, JobStatus failure) throws StageFailure {
        return job.localFile(uri, what, failure);
      }

      @Override
      public boolean mounts(FileLocator locator) {
        return false;
      }
    };
  }
}
