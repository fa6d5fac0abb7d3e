package io.c2d.backend.k8s;

import io.c2d.model.DatasetInput;
import io.c2d.model.FileLocator;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.ContractStaging;
import io.c2d.spi.backend.support.InputFetcher;
import io.c2d.spi.backend.support.JobDirectory;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.c2d.spi.backend.support.StageFailure;
import io.c2d.spi.backend.support.StagingArchive;
import io.c2d.spi.backend.support.StagingTarget;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Gets a job's inputs into its pod: remote inputs are fetched into the job's directory first (and
 * deleted once streamed), then {@link ContractStaging} lays the job's files out as a tar archive
 * (the support layer's {@link StagingArchive}) that goes, as it is written, into the {@value
 * Manifests#STAGE_DATA} container through {@link PodExec} in verified chunks ({@link
 * ChunkedUpload}: no API object in between; on the provider's side one chunk on disk and the
 * archive's buffers in memory), where it is unpacked once whole. The algorithm mounts what arrives
 * read-only, so the archive's modes need not lock anything: directories are 0755 (the staging step
 * runs as the pod's non-root user and must write into them), files 0444, the algorithm 0555.
 *
 * <p>Stateless but for its {@link PodExec}; thread-safe.
 */
final class PodStaging {
  static final String BACKEND_NAME = "Kubernetes";

  /** The largest archive staged in the pod's spec rather than streamed. */
  static final int MAX_INLINE_BYTES = 32 * 1024;

  /** The file in the job's directory that holds one chunk of the archive on its way. */
  static final String SPOOL = "upload-chunk";

  /** How long the pod may take to take in the end of a chunk, or to unpack the archive. */
  private static final Duration CHUNK_TIMEOUT = Duration.ofMinutes(5);

  /** The wait before a chunk whose stream broke is sent again, times its attempts. */
  private static final Duration RESEND_PAUSE = Duration.ofSeconds(1);

  private final PodExec exec;
  private final InputFetcher fetcher;
  private final long chunkBytes;

  PodStaging(PodExec exec, InputFetcher fetcher) {
    this(exec, fetcher, ChunkedUpload.CHUNK_BYTES);
  }

  PodStaging(PodExec exec, InputFetcher fetcher, long chunkBytes) {
    this.exec = exec;
    this.fetcher = fetcher;
    this.chunkBytes = chunkBytes;
  }

  /**
   * Streams {@code spec}'s staged layout into {@code pod}; staging steps go to {@code log}. The pod
   * unpacks the archive only once every chunk arrived whole and it holds its end marker: a failure
   * on this side leaves it never unpacked.
   *
   * @throws StageFailure if an input or the algorithm cannot be staged
   * @throws IOException if a chunk could not be sent after a few attempts, or the pod refused the
   *     archive
   */
  void upload(JobSpec spec, JobDirectory directory, String pod, Consumer<String> log)
      throws StageFailure, IOException {
    try (ChunkedUpload upload =
        new ChunkedUpload(
            exec, pod, directory.resolve(SPOOL), chunkBytes, CHUNK_TIMEOUT, RESEND_PAUSE)) {
      StagingArchive tar = StagingArchive.builder().writableDirectories().writingTo(upload.input());
      ContractStaging.stage(spec, directory, fetcher, BACKEND_NAME, ClaimInputs::isClaim, log, tar);
      // the end marker, last: an archive without it is refused in the pod
      tar.text(Manifests.UPLOAD_END_MARKER, "", false);
      tar.close();
      upload.finish();
      log.accept(
          "streamed into the pod: "
              + upload.sent()
              + " bytes in "
              + upload.chunks()
              + " chunks"
              + (upload.resent() == 0 ? "" : ", " + upload.resent() + " sent again"));
    } finally {
      // what was fetched is in the pod now (or the job failed): no second copy on this side
      JobDirectoryStore.deleteTree(directory.resolve(ContractStaging.FETCHED));
    }
  }

  /**
   * {@code spec}'s staged archive, base64, when it holds nothing of a dataset (every dataset file
   * is on a claim, mounted; the algorithm is raw code or its image alone) and at most {@value
   * #MAX_INLINE_BYTES} bytes: then it goes into the staging step's environment and no stream is
   * needed, so the pod never waits for this provider. Such an archive holds the DDOs, the custom
   * data and the raw code only, which the job's record holds already. Null otherwise (and on any
   * failure: the stream then stages the job and reports it).
   */
  @Nullable String inline(JobSpec spec, JobDirectory directory, Consumer<String> log) {
    if (!specOnly(spec)) {
      return null;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    List<String> lines = new ArrayList<>();
    boolean[] sawFile = {false};
    try (StagingArchive tar = StagingArchive.builder().writableDirectories().writingTo(bytes)) {
      StagingTarget textOnly =
          new StagingTarget() {
            @Override
            public void directory(String name, boolean writable) throws IOException {
              tar.directory(name, writable);
            }

            @Override
            public void file(String name, List<Path> sources, boolean executable) {
              sawFile[0] = true;
            }

            @Override
            public void text(String name, String text, boolean executable) throws IOException {
              tar.text(name, text, executable);
            }
          };
      ContractStaging.stage(
          spec, directory, fetcher, BACKEND_NAME, ClaimInputs::isClaim, lines::add, textOnly);
    } catch (StageFailure | IOException | RuntimeException e) {
      return null;
    }
    if (sawFile[0] || bytes.size() > MAX_INLINE_BYTES) {
      return null;
    }
    lines.forEach(log);
    log.accept(
        "staged in the pod's spec ("
            + bytes.size()
            + " bytes: DDOs, custom data and code, as in the job's record; no dataset)");
    return Base64.getEncoder().encodeToString(bytes.toByteArray());
  }

  /**
   * Stages {@code spec}'s layout into directory {@code root} on this host (directories 0755, files
   * 0444, the algorithm 0555) when it holds nothing of a dataset, as {@link #inline} does: for a
   * pod that mounts it read-only from the output claim ({@link ClaimStaging}). Returns false
   * otherwise, having written nothing of a dataset (and on a failure: the staging step then stages
   * the job and reports it).
   */
  boolean intoDirectory(JobSpec spec, JobDirectory directory, Path root, Consumer<String> log) {
    if (!specOnly(spec)) {
      return false;
    }
    List<String> lines = new ArrayList<>();
    StagingTarget onHost =
        new StagingTarget() {
          @Override
          public void directory(String name, boolean writable) throws IOException {
            Path dir = Files.createDirectories(root.resolve(name));
            if (!writable) {
              // those the algorithm writes are the root's own to open (OutputClaim)
              Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
          }

          @Override
          public void file(String name, List<Path> sources, boolean executable) throws IOException {
            if (!sources.isEmpty()) {
              throw new IOException("a file to copy: " + name);
            }
            text(name, "", executable);
          }

          @Override
          public void text(String name, String text, boolean executable) throws IOException {
            Path file = Files.writeString(root.resolve(name), text, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(
                file, PosixFilePermissions.fromString(executable ? "r-xr-xr-x" : "r--r--r--"));
          }
        };
    try {
      ContractStaging.stage(
          spec, directory, fetcher, BACKEND_NAME, ClaimInputs::isClaim, lines::add, onHost);
    } catch (StageFailure | RuntimeException e) {
      return false;
    }
    lines.forEach(log);
    return true;
  }

  /**
   * Whether {@code spec} holds nothing of a dataset to stage: every dataset file on a claim, the
   * algorithm raw code or its image alone.
   */
  private static boolean specOnly(JobSpec spec) {
    for (DatasetInput dataset : spec.datasets()) {
      for (FileLocator file : dataset.locators()) {
        if (!ClaimInputs.isClaim(file)) {
          return false;
        }
      }
    }
    return !spec.algorithm().rawCode().isEmpty() || spec.algorithm().files().isEmpty();
  }
}
