package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import io.c2d.model.Algorithm;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.FileLocator;
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
 * then each dataset's files as {@code inputs/<did>/<n>} (mounted in place where the target {@link
 * StagingTarget#mount takes them}, else copied) and its DDO as {@code ddos/<did>}; {@code
 * inputs/algoCustomData.json}; the algorithm as {@code transformations/algorithm} (its raw code, or
 * its {@code file:} URIs concatenated in order, and its DDO). Each step goes to the job's {@code
 * configuration.log}; a URI of another scheme or a file that cannot be read fails the job with
 * {@code DATA_PROVISIONING_FAILED} (a dataset) or {@code ALGORITHM_PROVISIONING_FAILED} (the
 * algorithm).
 *
 * <p>A dataset's {@link FileLocator}s: a {@link FileLocator.Kind#FILE} is staged from where it is;
 * a {@link FileLocator.Kind#URL}, {@link FileLocator.Kind#IPFS} or {@link FileLocator.Kind#ARWEAVE}
 * is first fetched by the runtime's {@link InputFetcher} into {@code fetched/<did id>/<n>} in the
 * job's directory, and then staged from there; a {@link FileLocator.Kind#PVC} fails the job, as
 * only the Kubernetes backend mounts claims. Either way the {@link StagingTarget} gets a local
 * path, never bytes. A declared size or SHA-256 is checked for local files too. When staging fails,
 * the fetched files are deleted at once; otherwise they stay until the job's directory is deleted.
 *
 * <p>Stateless and thread-safe.
 */
public final class ContractStaging {
  /** The directory of the job's directory that fetched inputs are written to. */
  public static final String FETCHED = "fetched";

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
    stage(StagingContext.of(job), target);
  }

  /**
   * Stages {@code spec}'s files into {@code target} for a backend that drives its jobs without a
   * {@link SandboxJob} (the Kubernetes backend streams the archive into its pod): remote inputs are
   * fetched with {@code fetcher} below {@code directory}, each step goes to {@code configLog},
   * failures name {@code backendName}. The dataset files {@code mounted} accepts are left out: the
   * backend mounts them itself (their directory {@code inputs/<did>} is still made).
   *
   * @throws StageFailure with the status the job fails with
   */
  public static void stage(
      JobSpec spec,
      JobDirectory directory,
      InputFetcher fetcher,
      String backendName,
      Predicate<FileLocator> mounted,
      Consumer<String> configLog,
      StagingTarget target)
      throws StageFailure {
    requireNonNull(spec, "spec");
    requireNonNull(directory, "directory");
    requireNonNull(fetcher, "fetcher");
    requireNonNull(backendName, "backendName");
    requireNonNull(mounted, "mounted");
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
          public JobDirectory directory() {
            return directory;
          }

          @Override
          public InputFetcher fetcher() {
            return fetcher;
          }

          @Override
          public String backendName() {
            return backendName;
          }

          @Override
          public void checkpoint() {}

          @Override
          public void configLog(String line) {
            configLog.accept(line);
          }

          @Override
          public Path localFile(URI uri, String what, JobStatus failure) throws StageFailure {
            return StagedFiles.localFile(uri, what, failure, backendName);
          }

          @Override
          public boolean mounts(FileLocator locator) {
            return mounted.test(locator);
          }
        };
    try {
      stage(context, target);
    } catch (SandboxJob.Abort e) {
      throw new IllegalStateException("a staging without checkpoints was aborted", e);
    }
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
    boolean staged = false;
    try {
      for (DatasetInput dataset : spec.datasets()) {
        job.checkpoint();
        stageDataset(job, dataset, target);
      }
      stageAlgorithm(job, spec.algorithm(), target);
      staged = true;
    } finally {
      if (!staged) {
        deleteFetched(job);
      }
    }
  }

  private static void deleteFetched(StagingContext job) {
    try {
      JobDirectoryStore.deleteTree(job.directory().resolve(FETCHED));
    } catch (IOException e) {
      logger.warn("could not delete the fetched inputs of job {}", job.id(), e);
    }
  }

  private static void stageDataset(StagingContext job, DatasetInput dataset, StagingTarget target)
      throws StageFailure, SandboxJob.Abort {
    Did did = dataset.did();
    try {
      target.directory(SandboxContract.inputDirectory(did), false);
      for (int n = 0; n < dataset.locators().size(); n++) {
        job.checkpoint();
        String what = "dataset " + did + " file " + n;
        if (job.mounts(dataset.locators().get(n))) {
          job.configLog(what + " is mounted, not staged");
          continue;
        }
        Path source = localInput(job, dataset.locators().get(n), did, n, what);
        stageInput(job, target, SandboxContract.inputFile(did, n), what, source);
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

  /**
   * The local file holding a dataset's file {@code n}: a {@code file:} locator's own path, or where
   * a remote one was fetched to in the job's directory.
   */
  private static Path localInput(
      StagingContext job, FileLocator locator, Did did, int n, String what) throws StageFailure {
    InputFetcher fetcher = job.fetcher();
    switch (locator.kind()) {
      case FILE -> {
        Path path = job.localFile(locator.uri(), what, JobStatus.DATA_PROVISIONING_FAILED);
        if (locator.expectedSize().isPresent() || locator.sha256().isPresent()) {
          fetcher.verify(locator, path, what);
        }
        return path;
      }
      case PVC ->
          throw new StageFailure(
              JobStatus.DATA_PROVISIONING_FAILED,
              what
                  + " ("
                  + locator.redacted()
                  + "): the "
                  + job.backendName()
                  + " backend cannot mount a PersistentVolumeClaim; only the Kubernetes backend"
                  + " serves pvc inputs");
      default -> {
        Path into = job.directory().resolve(FETCHED).resolve(did.id()).resolve(Integer.toString(n));
        job.configLog("fetching " + what + " from " + locator.redacted());
        InputFetcher.Fetched fetched = fetcher.fetch(locator, into, what);
        job.configLog(
            "fetched "
                + what
                + " ("
                + fetched.bytes()
                + " bytes, sha256 "
                + fetched.sha256().hex()
                + (fetched.attempts() > 1 ? ", " + fetched.attempts() + " attempts" : "")
                + ")");
        return fetched.file();
      }
    }
  }

  /**
   * Stages one input file: mounted in place if the target takes it, else copied. A target's refusal
   * ({@link StageFailure}) fails the job as it says.
   */
  private static void stageInput(
      StagingContext job, StagingTarget target, String name, String what, Path source)
      throws StageFailure {
    long size;
    boolean mounted;
    try {
      size = Files.size(source);
      mounted = target.mount(name, source);
      if (!mounted) {
        target.file(name, List.of(source), false);
      }
    } catch (IOException e) {
      logger.warn("could not stage {} of job {}", what, job.id(), e);
      throw new StageFailure(
          JobStatus.DATA_PROVISIONING_FAILED,
          what + " could not be copied (" + e.getClass().getSimpleName() + ")");
    }
    job.configLog(
        (mounted ? "mounted " + what + " read-only, not copied (" : "staged " + what + " (")
            + size
            + " bytes)");
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
