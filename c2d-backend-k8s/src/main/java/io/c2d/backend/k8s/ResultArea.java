package io.c2d.backend.k8s;

import io.c2d.ErrorCode;
import io.c2d.NotFoundException;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where the collected results live on this machine: below the result directory, one directory per
 * job with {@value #OUTPUTS} and {@value #LOGS}. It survives restarts; nothing is read from it
 * outside a job's area.
 *
 * <p>Thread-safe; calls block on the file system.
 */
final class ResultArea {
  static final String OUTPUTS = "outputs";
  static final String LOGS = "logs";

  private final Path root;

  ResultArea(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** The directory of {@code id}'s results (it may not exist). */
  Path jobDir(JobId id) {
    return root.resolve(id.value());
  }

  /**
   * Opens one result of {@code id}.
   *
   * @param tracked whether this instance tracks the job (then it exists even with no directory)
   * @throws NotFoundException for an unknown job or result
   */
  InputStream open(JobId id, JobResult result, boolean tracked) {
    Path jobDir = jobDir(id);
    if (!tracked && !Files.isDirectory(jobDir)) {
      throw new NotFoundException(ErrorCode.JOB_NOT_FOUND, "no job " + id);
    }
    Path area = jobDir.resolve(result.kind() == ResultKind.OUTPUT ? OUTPUTS : LOGS);
    Path file = area.resolve(JobResult.checkName(result.name())).normalize();
    try {
      if (!file.startsWith(area)) {
        throw new NoSuchFileException(result.name());
      }
      return Files.newInputStream(file);
    } catch (IOException e) {
      throw new NotFoundException(
          ErrorCode.RESULT_NOT_FOUND,
          "job " + id + " has no " + result.kind() + " result " + result.name(),
          e);
    }
  }

  /** Deletes {@code id}'s results. */
  void delete(JobId id) {
    Path dir = jobDir(id);
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("deleting " + dir + " failed", e);
    }
  }
}
