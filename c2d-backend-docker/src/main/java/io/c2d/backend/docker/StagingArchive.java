package io.c2d.backend.docker;

import static io.c2d.spi.backend.support.SandboxContract.ALGORITHM;
import static io.c2d.spi.backend.support.SandboxContract.CUSTOM_DATA;

import io.c2d.model.Algorithm;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.support.SandboxContract;
import io.c2d.spi.backend.support.SandboxJob;
import io.c2d.spi.backend.support.SandboxJob.Abort;
import io.c2d.spi.backend.support.SandboxJob.StageFailure;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a job's staging archive: its inputs, DDOs, custom data and algorithm in the {@link
 * SandboxContract} layout, ready to be copied into the container's root. Everything the algorithm
 * reads is owned by root and read-only; {@code outputs/} and {@code logs/} belong to the
 * algorithm's user.
 *
 * <p>Stateless; thread-safe.
 */
final class StagingArchive {
  private static final Logger logger = LoggerFactory.getLogger(StagingArchive.class);

  private StagingArchive() {}

  /**
   * Writes the archive of {@code job} to {@code tarFile}, replacing any earlier one.
   *
   * @throws StageFailure {@code DATA_PROVISIONING_FAILED} or {@code ALGORITHM_PROVISIONING_FAILED}
   * @throws Abort if a checkpoint between datasets said the job must not go on
   */
  static void write(SandboxJob job, Shared.Settings settings, Path tarFile)
      throws StageFailure, Abort {
    try {
      Files.deleteIfExists(tarFile);
    } catch (IOException e) {
      throw new StageFailure(JobStatus.DATA_PROVISIONING_FAILED, "could not clear staging.tar");
    }
    try (Tars.Staging tar = new Tars.Staging(tarFile, settings.uid(), settings.gid())) {
      for (String directory : SandboxContract.READ_ONLY_DIRECTORIES) {
        tar.directory(directory);
      }
      for (String directory : SandboxContract.WRITABLE_DIRECTORIES) {
        tar.writableDirectory(directory);
      }
      for (DatasetInput dataset : job.spec().datasets()) {
        job.checkpoint();
        Did did = dataset.did();
        tar.directory(SandboxContract.inputDirectory(did));
        List<URI> uris = dataset.files();
        for (int n = 0; n < uris.size(); n++) {
          String what = "dataset " + did + " file " + n;
          Path source = job.localFile(uris.get(n), what, JobStatus.DATA_PROVISIONING_FAILED);
          tar.file(SandboxContract.inputFile(did, n), List.of(source), 0444);
          job.configLog("staged " + what + " (" + Files.size(source) + " bytes)");
        }
        if (dataset.ddoJson().isPresent()) {
          tar.text(SandboxContract.ddo(did), dataset.ddoJson().get(), 0444);
        }
      }
      Algorithm algorithm = job.spec().algorithm();
      tar.text(CUSTOM_DATA, algorithm.customData(), 0444);
      if (algorithm.rawCode().isPresent()) {
        tar.text(ALGORITHM, algorithm.rawCode().get(), 0555);
        job.configLog("staged the raw algorithm");
      } else {
        List<Path> sources = new ArrayList<>();
        for (int n = 0; n < algorithm.files().size(); n++) {
          sources.add(
              job.localFile(
                  algorithm.files().get(n),
                  "algorithm file " + n,
                  JobStatus.ALGORITHM_PROVISIONING_FAILED));
        }
        tar.file(ALGORITHM, sources, 0555);
        if (algorithm.ddoJson().isPresent() && algorithm.did().isPresent()) {
          tar.text(SandboxContract.ddo(algorithm.did().get()), algorithm.ddoJson().get(), 0444);
        }
        job.configLog("staged the published algorithm from " + sources.size() + " file(s)");
      }
    } catch (IOException e) {
      logger.warn("could not write the staging archive of job {}", job.id(), e);
      throw new StageFailure(
          JobStatus.DATA_PROVISIONING_FAILED,
          "the inputs could not be staged (" + e.getClass().getSimpleName() + ")");
    }
  }
}
