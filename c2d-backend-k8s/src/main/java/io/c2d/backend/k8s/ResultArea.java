package io.c2d.backend.k8s;

import io.c2d.ErrorCode;
import io.c2d.NotFoundException;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.spi.backend.support.JobDirectory;
import io.c2d.spi.backend.support.JobDirectoryStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Where the collected results live on this machine: below the result directory, one {@link
 * JobDirectory} per job (the support layer's layout: {@code configuration.log} as staging goes, the
 * results below {@code results/}). It survives restarts; nothing is read from it outside a job's
 * result area. The job's spec and state live in the cluster, not here.
 *
 * <p>Thread-safe; calls block on the file system.
 */
final class ResultArea {
  private final JobDirectoryStore store;
  private final @Nullable OutputClaim outputClaim;

  ResultArea(Path root) {
    this(root, null);
  }

  ResultArea(Path root, @Nullable OutputClaim outputClaim) {
    this.store = JobDirectoryStore.of(root);
    this.outputClaim = outputClaim;
  }

  /** The directory of {@code id}, created if it does not exist. */
  JobDirectory directory(JobId id) throws IOException {
    JobDirectory directory = store.directory(id);
    Files.createDirectories(directory.path());
    return directory;
  }

  /**
   * Opens one result of {@code id}.
   *
   * @param tracked whether this instance tracks the job (then it exists even with no directory)
   * @throws NotFoundException for an unknown job or result
   */
  InputStream open(JobId id, JobResult result, boolean tracked) {
    JobDirectory directory = store.directory(id);
    if (!tracked && !directory.exists()) {
      throw new NotFoundException(ErrorCode.JOB_NOT_FOUND, "no job " + id);
    }
    Path area = directory.resultArea(result.kind()).toAbsolutePath().normalize();
    Path file = area.resolve(JobResult.checkName(result.name())).normalize();
    try {
      if (!file.startsWith(area)) {
        throw new NoSuchFileException(result.name());
      }
      return Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new NotFoundException(
          ErrorCode.RESULT_NOT_FOUND,
          "job " + id + " has no " + result.kind() + " result " + result.name(),
          e);
    }
  }

  /** Deletes {@code id}'s directory, and what its pod left on the output claim. */
  void delete(JobId id) {
    try {
      if (outputClaim != null) {
        outputClaim.remove(id);
      }
      store.directory(id).delete();
    } catch (NoSuchFileException e) {
      // nothing collected yet
    } catch (IOException e) {
      throw new UncheckedIOException("deleting the results of " + id + " failed", e);
    }
  }
}
