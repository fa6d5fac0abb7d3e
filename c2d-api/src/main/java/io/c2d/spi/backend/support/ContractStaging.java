package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import io.c2d.model.Algorithm;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stages a job's inputs, DDOs, custom data and algorithm where the {@link SandboxContract} says,
 * into a {@link StagingTarget}, written once for every backend: the layout's directories first;
 * then each dataset's {@code file:} URIs as {@code inputs/<did>/<n>} and its DDO as {@code
 * ddos/<did>}; {@code inputs/algoCustomData.json}; the algorithm as {@code
 * transformations/algorithm} (its raw code, or its {@code file:} URIs concatenated in order, and
 * its DDO). Each step goes to the job's {@code configuration.log}; a URI of another scheme or a
 * file that cannot be read fails the job with {@code DATA_PROVISIONING_FAILED} (a dataset) or
 * {@code ALGORITHM_PROVISIONING_FAILED} (the algorithm).
 *
 * <p>Stateless and thread-safe.
 */
public final class ContractStaging {
  private static final Logger logger = LoggerFactory.getLogger(ContractStaging.class);

  private ContractStaging() {}

  /**
   * Stages {@code job}'s files into {@code target}, checking for a stop between files.
   *
   * @throws StageFailure with the status the job fails with
   * @throws SandboxJob.Abort if a checkpoint said the job must not go on
   */
  public static void stage(SandboxJob job, StagingTarget target)
      throws StageFailure, SandboxJob.Abort {
    stage((StagingContext) job, target);
  }

  private static void stage(StagingContext job, StagingTarget target)
      throws StageFailure, SandboxJob.Abort {
    requireNonNull(target, "target");
    JobSpec spec = job.spec();
    try {
      for (String name : SandboxContract.READ_ONLY_DIRECTORIES) {
        target.directory(name, false);
      }
      for (String name : SandboxContract.WRITABLE_DIRECTORIES) {
        target.directory(name, true);
      }
    } catch (IOException e) {
      logger.warn("could not create the directories of job {}", job.id(), e);
      throw new StageFailure(
          JobStatus.VOLUME_CREATION_FAILED,
          "could not create the job's directories: " + e.getClass().getSimpleName());
    }
    for (DatasetInput dataset : spec.datasets()) {
      job.checkpoint();
      stageDataset(job, dataset, target);
    }
    stageAlgorithm(job, spec.algorithm(), target);
  }

  /**
   * Stages {@code spec}'s files into {@code target} for a backend that drives its jobs without a
   * {@link SandboxJob} (the Kubernetes backend streams the archive into its pod); each step goes to
   * {@code configLog}, a {@code file:} URI is named after {@code backendName} in failures.
   *
   * @throws StageFailure with the status the job fails with
   */
  public static void stage(
      JobSpec spec,
      String backendName,
      Predicate<URI> mounted,
      Consumer<String> configLog,
      StagingTarget target)
      throws StageFailure {
    requireNonNull(spec, "spec");
    requireNonNull(mounted, "mounted");
    requireNonNull(backendName, "backendName");
    requireNonNull(configLog, "configLog");
    StagingContext context =
        new StagingContext() {
          @Override
          public JobId id() {
            return spec.jobId();
          }

          @Override
          public JobSpec spec() {
            return spec;
          }

          @Override
          public void checkpoint() {}

          @Override
          public boolean mounts(URI file) {
            return mounted.test(file);
          }

          @Override
          public void configLog(String line) {
            configLog.accept(line);
          }

          @Override
          public Path localFile(URI uri, String what, JobStatus failure) throws StageFailure {
            return StagedFiles.localFile(uri, what, failure, backendName);
          }
        };
    try {
      stage(context, target);
    } catch (SandboxJob.Abort e) {
      throw new IllegalStateException("a staging without checkpoints was aborted", e);
    }
  }

  private static void stageDataset(StagingContext job, DatasetInput dataset, StagingTarget target)
      throws StageFailure, SandboxJob.Abort {
    Did did = dataset.did();
    try {
      target.directory(SandboxContract.inputDirectory(did), false);
      for (int n = 0; n < dataset.files().size(); n++) {
        job.checkpoint();
        String what = "dataset " + did + " file " + n;
        if (job.mounts(dataset.files().get(n))) {
          job.configLog(what + " is mounted, not staged");
          continue;
        }
        Path source =
            job.localFile(dataset.files().get(n), what, JobStatus.DATA_PROVISIONING_FAILED);
        long size;
        try {
          size = Files.size(source);
          target.file(SandboxContract.inputFile(did, n), List.of(source), false);
        } catch (IOException e) {
          logger.warn("could not stage {} of job {}", what, job.id(), e);
          throw new StageFailure(
              JobStatus.DATA_PROVISIONING_FAILED,
              what + " could not be copied (" + e.getClass().getSimpleName() + ")");
        }
        job.configLog("staged " + what + " (" + size + " bytes)");
      }
      if (dataset.ddoJson().isPresent()) {
        target.text(SandboxContract.ddo(did), dataset.ddoJson().get(), false);
        job.configLog("wrote the DDO of " + did);
      }
    } catch (IOException e) {
      logger.warn("could not stage dataset {} of job {}", did, job.id(), e);
      throw new StageFailure(
          JobStatus.DATA_PROVISIONING_FAILED,
          "dataset " + did + " could not be staged (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static void stageAlgorithm(StagingContext job, Algorithm algorithm, StagingTarget target)
      throws StageFailure, SandboxJob.Abort {
    try {
      target.text(SandboxContract.CUSTOM_DATA, algorithm.customData(), false);
      if (algorithm.rawCode().isPresent()) {
        String code = algorithm.rawCode().get();
        target.text(SandboxContract.ALGORITHM, code, true);
        job.configLog(
            "wrote the raw algorithm (" + code.getBytes(StandardCharsets.UTF_8).length + " bytes)");
        return;
      }
      List<Path> sources = new ArrayList<>();
      long size = 0;
      for (int n = 0; n < algorithm.files().size(); n++) {
        job.checkpoint();
        Path source =
            job.localFile(
                algorithm.files().get(n),
                "algorithm file " + n,
                JobStatus.ALGORITHM_PROVISIONING_FAILED);
        sources.add(source);
        size += Files.size(source);
      }
      target.file(SandboxContract.ALGORITHM, sources, true);
      job.configLog(
          sources.isEmpty()
              ? "the published algorithm has no files: $ALGO is an empty file"
              : "staged the published algorithm "
                  + algorithm.did().map(Did::value).orElse("")
                  + " from "
                  + sources.size()
                  + " file(s), concatenated ("
                  + size
                  + " bytes)");
      if (algorithm.ddoJson().isPresent() && algorithm.did().isPresent()) {
        target.text(SandboxContract.ddo(algorithm.did().get()), algorithm.ddoJson().get(), false);
      }
    } catch (IOException e) {
      logger.warn("could not stage the algorithm of job {}", job.id(), e);
      throw new StageFailure(
          JobStatus.ALGORITHM_PROVISIONING_FAILED,
          "the algorithm could not be staged (" + e.getClass().getSimpleName() + ")");
    }
  }

  /**
   * A target that writes below {@code root} on this host: directories created, files copied (a file
   * that exists already is an error), the algorithm made executable where the file system allows.
   * Permissions are otherwise left as the process's defaults: a host directory is no sandbox.
   */
  public static StagingTarget intoDirectory(Path root) {
    requireNonNull(root, "root");
    return new StagingTarget() {
      @Override
      public void directory(String name, boolean writable) throws IOException {
        Files.createDirectories(root.resolve(name));
      }

      @Override
      public void file(String name, List<Path> sources, boolean executable) throws IOException {
        Path file = root.resolve(name);
        try (OutputStream out =
            Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          for (Path source : sources) {
            Files.copy(source, out);
          }
        }
        if (executable) {
          makeExecutable(file);
        }
      }

      @Override
      public void text(String name, String text, boolean executable) throws IOException {
        Path file = Files.writeString(root.resolve(name), text, StandardCharsets.UTF_8);
        if (executable) {
          makeExecutable(file);
        }
      }
    };
  }

  private static void makeExecutable(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the file is still readable, which is what "sh $ALGO" needs
    }
  }
}
