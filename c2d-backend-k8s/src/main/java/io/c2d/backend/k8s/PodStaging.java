package io.c2d.backend.k8s;

import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.ContractStaging;
import io.c2d.spi.backend.support.InputFetcher;
import io.c2d.spi.backend.support.JobDirectory;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.c2d.spi.backend.support.StageFailure;
import io.c2d.spi.backend.support.StagingArchive;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Gets a job's inputs into its pod: remote inputs are fetched into the job's directory first (and
 * deleted once streamed), then {@link ContractStaging} lays the job's files out as a tar archive
 * (the support layer's {@link StagingArchive}) that streams, as it is written, into the {@value
 * Manifests#STAGE_DATA} container's {@code tar x} through {@link PodExec} (no API object in
 * between, no copy on the provider's disk or heap: the archive's buffers are all it holds). The
 * algorithm mounts what arrives read-only, so the archive's modes need not lock anything:
 * directories are 0755 (the staging step runs as the pod's non-root user and must write into them),
 * files 0444, the algorithm 0555.
 *
 * <p>Stateless but for its {@link PodExec}; thread-safe.
 */
final class PodStaging {
  static final String BACKEND_NAME = "Kubernetes";

  private final PodExec exec;
  private final InputFetcher fetcher;

  PodStaging(PodExec exec, InputFetcher fetcher) {
    this.exec = exec;
    this.fetcher = fetcher;
  }

  /**
   * Streams {@code spec}'s staged layout into {@code pod}; staging steps go to {@code log}. The
   * archive is finished only when every file went in: a failure leaves it cut, which the pod's
   * {@code tar x} refuses.
   *
   * @throws StageFailure if an input or the algorithm cannot be staged
   * @throws IOException if the stream into the pod fails
   */
  void upload(JobSpec spec, JobDirectory directory, String pod, Consumer<String> log)
      throws StageFailure, IOException {
    try (PodExec.Upload upload = exec.upload(pod, Manifests.STAGE_DATA, Manifests.UPLOAD_COMMAND)) {
      StagingArchive tar =
          StagingArchive.builder()
              .writableDirectories()
              .writingTo(new BufferedOutputStream(upload.input(), 64 * 1024));
      ContractStaging.stage(spec, directory, fetcher, BACKEND_NAME, ClaimInputs::isClaim, log, tar);
      tar.close();
    } finally {
      // what was fetched is in the pod now (or the job failed): no second copy on this side
      JobDirectoryStore.deleteTree(directory.resolve(ContractStaging.FETCHED));
    }
  }
}
