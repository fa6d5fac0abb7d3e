package io.c2d.spi.backend.support;

import io.c2d.model.JobStatus;
import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The files a job stages from the provider's disk. Stateless. */
final class StagedFiles {
  private StagedFiles() {}

  /**
   * The local path of a {@code file:} URI, checked to be a readable regular file.
   *
   * @throws StageFailure with {@code failure} otherwise
   */
  static Path localFile(URI uri, String what, JobStatus failure, String backendName)
      throws StageFailure {
    String scheme = uri.getScheme();
    if (scheme == null || !scheme.equalsIgnoreCase("file")) {
      throw new StageFailure(
          failure,
          what
              + ": the "
              + backendName
              + " backend stages only file: URIs, not "
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
