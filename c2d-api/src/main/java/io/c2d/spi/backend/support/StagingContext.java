package io.c2d.spi.backend.support;

import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.JobSpec;
import java.net.URI;
import java.nio.file.Path;

/**
 * What {@link ContractStaging} needs of the job it stages: a {@link SandboxJob}, or a backend that
 * keeps its jobs elsewhere (the Kubernetes backend keeps them in the cluster).
 */
interface StagingContext {
  JobId id();

  JobSpec spec();

  /** Ends staging if the job must not go on. */
  void checkpoint() throws SandboxJob.Abort;

  /** Notes a staging step in the job's configuration log. */
  void configLog(String line);

  /** Whether the backend mounts input {@code file} itself, so that staging leaves it out. */
  default boolean mounts(URI file) {
    return false;
  }

  /** The local path of a {@code file:} URI, checked to be a readable regular file. */
  Path localFile(URI uri, String what, JobStatus failure) throws StageFailure;
}
