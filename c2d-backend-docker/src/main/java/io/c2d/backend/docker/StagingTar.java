package io.c2d.backend.docker;

import io.c2d.model.JobStatus;
import io.c2d.spi.backend.support.ContractStaging;
import io.c2d.spi.backend.support.SandboxJob;
import io.c2d.spi.backend.support.SandboxJob.Abort;
import io.c2d.spi.backend.support.StageFailure;
import io.c2d.spi.backend.support.StagingArchive;
import io.c2d.spi.backend.support.StagingTarget;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The staging archive the backend copies into a job's {@code /data} before it starts: {@link
 * ContractStaging} lays the job's files out in it, except the inputs it mounts in place ({@link
 * InputMounts}). Everything the algorithm reads is owned by root and read-only (directories 0555,
 * files 0444, the algorithm 0555); {@code outputs/} and {@code logs/} belong to the algorithm's
 * user (0755): the support layer's {@link StagingArchive} writes the entries. The archive of {@code
 * /data/outputs} read back is {@link ContainerResults}'s.
 *
 * <p>Not thread-safe; one instance per archive.
 */
final class StagingTar implements StagingTarget, AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(StagingTar.class);
  private static final int BUFFER = 256 * 1024;

  private final StagingArchive archive;
  private final @Nullable InputMounts mounts;

  private StagingTar(Path file, int uid, int gid, @Nullable InputMounts mounts) throws IOException {
    this.archive =
        StagingArchive.builder()
            .writableOwner(uid, gid)
            .writingTo(
                new BufferedOutputStream(
                    Files.newOutputStream(
                        file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    BUFFER));
    this.mounts = mounts;
  }

  /**
   * Writes the archive of {@code job} to {@code file}, replacing any earlier one; the inputs that
   * can be mounted in place ({@link InputMounts}, when {@code settings} allow mounts) are left out
   * of it and returned instead.
   *
   * @return the read-only bind mounts the container needs
   * @throws StageFailure with the status the job fails with
   * @throws Abort if a checkpoint between files said the job must not go on
   */
  static List<InputMounts.InputMount> write(SandboxJob job, Shared.Settings settings, Path file)
      throws StageFailure, Abort {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new StageFailure(JobStatus.DATA_PROVISIONING_FAILED, "could not clear staging.tar");
    }
    InputMounts mounts = null;
    if (settings.mountInputs()) {
      mounts = new InputMounts(settings.uid(), settings.gid(), providerUid(file), job::configLog);
    } else if (!job.spec().datasets().isEmpty()) {
      job.configLog(
          "inputs are copied into the container, not mounted: this backend does not assume the"
              + " engine sees the provider's files (mountInputs is off)");
    }
    try (StagingTar tar = new StagingTar(file, settings.uid(), settings.gid(), mounts)) {
      ContractStaging.stage(job, tar);
    } catch (IOException e) {
      logger.warn("could not write the staging archive of job {}", job.id(), e);
      throw new StageFailure(
          JobStatus.DATA_PROVISIONING_FAILED,
          "the inputs could not be staged (" + e.getClass().getSimpleName() + ")");
    }
    return mounts == null ? List.of() : mounts.mounts();
  }

  /** The provider's own user: the owner of the job directory it just wrote {@code file} in. */
  private static int providerUid(Path file) throws StageFailure {
    Path directory = file.toAbsolutePath().getParent();
    try {
      return (Integer) Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | UnsupportedOperationException e) {
      throw new StageFailure(
          JobStatus.DATA_PROVISIONING_FAILED,
          "could not read the owner of the job's directory (" + e.getClass().getSimpleName() + ")");
    }
  }

  @Override
  public boolean mount(String name, Path source) throws IOException, StageFailure {
    return mounts != null && mounts.offer(name, source);
  }

  @Override
  public void directory(String name, boolean writable) throws IOException {
    archive.directory(name, writable);
  }

  @Override
  public void file(String name, List<Path> sources, boolean executable) throws IOException {
    archive.file(name, sources, executable);
  }

  @Override
  public void text(String name, String text, boolean executable) throws IOException {
    archive.text(name, text, executable);
  }

  @Override
  public void close() throws IOException {
    archive.close();
  }
}
