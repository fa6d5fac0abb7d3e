package io.c2d.backend.docker;

import io.c2d.model.Algorithm;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a job's staging archive: its inputs, DDOs, custom data and algorithm in the sandbox
 * layout, ready to be copied into the container's {@code /data}.
 *
 * <p>Stateless; thread-safe.
 */
final class StagingArchive {
  private static final Logger logger = LoggerFactory.getLogger(StagingArchive.class);

  private StagingArchive() {}

  /** Called between files: throws {@link Abort} when the job must not go on. */
  interface Checkpoint {
    void check() throws Abort;
  }

  /**
   * Writes the archive of {@code spec} to {@code tarFile}, replacing any earlier one.
   *
   * @throws StageFailure {@code DATA_PROVISIONING_FAILED} or {@code ALGORITHM_PROVISIONING_FAILED}
   */
  static void write(
      JobSpec spec,
      Shared.Sandbox sandbox,
      Path tarFile,
      Checkpoint checkpoint,
      Consumer<String> configLog)
      throws StageFailure, Abort {
    try {
      Files.deleteIfExists(tarFile);
    } catch (IOException e) {
      throw new StageFailure(JobStatus.DATA_PROVISIONING_FAILED, "could not clear staging.tar");
    }
    try (Tars.Staging tar = new Tars.Staging(tarFile, sandbox.uid(), sandbox.gid())) {
      tar.directory("inputs");
      tar.directory("ddos");
      tar.directory("transformations");
      tar.writableDirectory("outputs");
      tar.writableDirectory("logs");
      for (DatasetInput dataset : spec.datasets()) {
        checkpoint.check();
        Did did = dataset.did();
        tar.directory("inputs/" + did.id());
        List<URI> uris = dataset.files();
        for (int n = 0; n < uris.size(); n++) {
          String what = "dataset " + did + " file " + n;
          Path source = localFile(uris.get(n), what, JobStatus.DATA_PROVISIONING_FAILED);
          tar.file("inputs/" + did.id() + "/" + n, List.of(source), 0444);
          configLog.accept("staged " + what + " (" + Files.size(source) + " bytes)");
        }
        if (dataset.ddoJson().isPresent()) {
          tar.text("ddos/" + did.id(), dataset.ddoJson().get(), 0444);
        }
      }
      Algorithm algorithm = spec.algorithm();
      tar.text("inputs/algoCustomData.json", algorithm.customData(), 0444);
      if (algorithm.rawCode().isPresent()) {
        tar.text("transformations/algorithm", algorithm.rawCode().get(), 0555);
        configLog.accept("staged the raw algorithm");
      } else {
        List<Path> sources = new ArrayList<>();
        for (int n = 0; n < algorithm.files().size(); n++) {
          sources.add(
              localFile(
                  algorithm.files().get(n),
                  "algorithm file " + n,
                  JobStatus.ALGORITHM_PROVISIONING_FAILED));
        }
        tar.file("transformations/algorithm", sources, 0555);
        if (algorithm.ddoJson().isPresent() && algorithm.did().isPresent()) {
          tar.text("ddos/" + algorithm.did().get().id(), algorithm.ddoJson().get(), 0444);
        }
        configLog.accept("staged the published algorithm from " + sources.size() + " file(s)");
      }
    } catch (IOException e) {
      logger.warn("could not write the staging archive of job {}", spec.jobId(), e);
      throw new StageFailure(
          JobStatus.DATA_PROVISIONING_FAILED,
          "the inputs could not be staged (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** The local path of a {@code file:} URI, or a staging failure naming {@code what}. */
  private static Path localFile(URI uri, String what, JobStatus failure) throws StageFailure {
    String scheme = uri.getScheme();
    if (scheme == null || !scheme.equalsIgnoreCase("file")) {
      throw new StageFailure(
          failure,
          what
              + ": the Docker backend stages only file: URIs, not "
              + (scheme == null ? "a relative URI" : scheme + ": URIs"));
    }
    Path path;
    try {
      path = Path.of(uri);
    } catch (IllegalArgumentException | FileSystemNotFoundException e) {
      throw new StageFailure(failure, what + ": not a usable file: URI");
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new StageFailure(failure, what + " is not a readable regular file");
    }
    return path;
  }
}
