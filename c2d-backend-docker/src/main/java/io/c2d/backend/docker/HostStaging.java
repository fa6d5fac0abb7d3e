package io.c2d.backend.docker;

import io.c2d.model.JobStatus;
import io.c2d.spi.backend.support.ContractStaging;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.c2d.spi.backend.support.SandboxContract;
import io.c2d.spi.backend.support.SandboxJob;
import io.c2d.spi.backend.support.SandboxJob.Abort;
import io.c2d.spi.backend.support.StageFailure;
import io.c2d.spi.backend.support.StagingTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's {@code /data} as a directory on the engine's host, for a provider that runs there as
 * root: {@link ContractStaging} lays the job's files out below {@code <job>/sandbox/data}, which
 * the container gets as read-only bind mounts ({@code /data} itself) and writable ones ({@code
 * /data/outputs} and {@code /data/logs}, owned by the algorithm's user); mountable inputs are bind
 * mounts of their own over empty placeholders. No volume, no archive copied in or out: the outputs
 * are collected from the host directory, never following a link.
 *
 * <p>{@code sandbox} is 0700: only root reaches what the algorithm wrote. Read-only files are 0444,
 * directories 0555, the algorithm 0555, as in {@link StagingTar}.
 *
 * <p>Not thread-safe; one instance per staging.
 */
final class HostStaging implements StagingTarget {
  /** The sandbox directory's name in the job's directory. */
  static final String SANDBOX = "sandbox";

  private static final Logger logger = LoggerFactory.getLogger(HostStaging.class);

  private final Path data;
  private final int uid;
  private final int gid;
  private final InputMounts mounts;
  private final List<InputMounts.InputMount> writable = new ArrayList<>();

  private HostStaging(Path data, int uid, int gid, InputMounts mounts) {
    this.data = data;
    this.uid = uid;
    this.gid = gid;
    this.mounts = mounts;
  }

  /** The {@code data} directory of the job whose directory is {@code jobDirectory}. */
  static Path data(Path jobDirectory) {
    return jobDirectory.resolve(SANDBOX).resolve("data");
  }

  /**
   * Lays {@code job}'s files out below {@code <jobDirectory>/sandbox/data}, replacing any earlier
   * attempt's.
   *
   * @return every bind mount the container needs, {@code /data} first
   * @throws StageFailure with the status the job fails with
   * @throws Abort if a checkpoint between files said the job must not go on
   */
  static List<InputMounts.InputMount> write(
      SandboxJob job, Shared.Settings settings, Path jobDirectory) throws StageFailure, Abort {
    Path sandbox = jobDirectory.resolve(SANDBOX);
    Path data = sandbox.resolve("data");
    try {
      JobDirectoryStore.deleteTree(sandbox);
      Files.createDirectory(
          sandbox,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Files.createDirectory(data);
    } catch (IOException e) {
      logger.warn("could not create the sandbox directory of job {}", job.id(), e);
      throw new StageFailure(
          JobStatus.VOLUME_CREATION_FAILED,
          "could not create the job's directories: " + e.getClass().getSimpleName());
    }
    InputMounts mounts = new InputMounts(settings.uid(), settings.gid(), 0, job::configLog);
    HostStaging target = new HostStaging(data, settings.uid(), settings.gid(), mounts);
    ContractStaging.stage(job, target);
    try {
      target.readOnly(data, true);
    } catch (IOException e) {
      throw new StageFailure(
          JobStatus.VOLUME_CREATION_FAILED,
          "could not protect the job's directories: " + e.getClass().getSimpleName());
    }
    List<InputMounts.InputMount> all = new ArrayList<>();
    all.add(new InputMounts.InputMount(SandboxContract.CONTAINER_ROOT, data, true));
    all.addAll(target.writable);
    all.addAll(mounts.mounts());
    return all;
  }

  @Override
  public void directory(String name, boolean writable) throws IOException {
    Path dir = Files.createDirectories(data.resolve(name));
    if (writable) {
      Files.setAttribute(dir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(dir, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      this.writable.add(
          new InputMounts.InputMount(SandboxContract.container().path(name), dir, false));
    }
  }

  @Override
  public void file(String name, List<Path> sources, boolean executable) throws IOException {
    Path file = data.resolve(name);
    try (OutputStream out =
        Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (Path source : sources) {
        try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS)) {
          in.transferTo(out);
        }
      }
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode(executable)));
  }

  @Override
  public void text(String name, String text, boolean executable) throws IOException {
    Path file = data.resolve(name);
    Files.writeString(
        file,
        text,
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode(executable)));
  }

  /** Mounts it over an empty placeholder: the engine cannot create one in a read-only mount. */
  @Override
  public boolean mount(String name, Path source) throws IOException, StageFailure {
    if (!mounts.offer(name, source)) {
      return false;
    }
    Path placeholder = data.resolve(name);
    Files.createFile(placeholder);
    Files.setPosixFilePermissions(placeholder, PosixFilePermissions.fromString("r--r--r--"));
    return true;
  }

  private static String mode(boolean executable) {
    return executable ? "r-xr-xr-x" : "r--r--r--";
  }

  /**
   * Makes the read-only directories 0555, below {@code dir}; the writable ones stay as they are.
   */
  private void readOnly(Path dir, boolean top) throws IOException {
    try (var children = Files.list(dir)) {
      for (Path child : (Iterable<Path>) children::iterator) {
        if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS) && !isWritable(child)) {
          readOnly(child, false);
        }
      }
    }
    if (top || !isWritable(dir)) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
    }
  }

  private boolean isWritable(Path dir) {
    return writable.stream().anyMatch(m -> m.source().equals(dir));
  }
}
