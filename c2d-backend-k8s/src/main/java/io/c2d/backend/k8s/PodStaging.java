package io.c2d.backend.k8s;

import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.ContractStaging;
import io.c2d.spi.backend.support.InputFetcher;
import io.c2d.spi.backend.support.JobDirectory;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.c2d.spi.backend.support.StageFailure;
import io.c2d.spi.backend.support.StagingTarget;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Gets a job's inputs into its pod: remote inputs are fetched into the job's directory first (and
 * deleted once streamed), then {@link ContractStaging} lays the job's files out as a tar archive
 * that streams, as it is written, into the {@value Manifests#STAGE_DATA} container's {@code tar x}
 * through {@link PodExec} (no API object in between, no copy on the provider's disk or heap: the
 * archive's buffers are all it holds). The algorithm mounts what arrives read-only, so the
 * archive's modes need not lock anything: directories are 0755 (the staging step runs as the pod's
 * non-root user and must write into them), files 0444, the algorithm 0555.
 *
 * <p>Stateless but for its {@link PodExec}; thread-safe.
 */
final class PodStaging {
  static final String BACKEND_NAME = "Kubernetes";

  private final PodExec exec;
  private final InputFetcher fetcher;

  PodStaging(PodExec exec, InputFetcher fetcher) {
    this.exec = exec;
    this.fetcher = fetcher;
  }

  /**
   * Streams {@code spec}'s staged layout into {@code pod}; staging steps go to {@code log}. The
   * archive is finished only when every file went in: a failure leaves it cut, which the pod's
   * {@code tar x} refuses.
   *
   * @throws StageFailure if an input or the algorithm cannot be staged
   * @throws IOException if the stream into the pod fails
   */
  void upload(JobSpec spec, JobDirectory directory, String pod, Consumer<String> log)
      throws StageFailure, IOException {
    try (PodExec.Upload upload = exec.upload(pod, Manifests.STAGE_DATA, Manifests.UPLOAD_COMMAND)) {
      Tar tar = new Tar(new BufferedOutputStream(upload.input(), 64 * 1024));
      ContractStaging.stage(spec, directory, fetcher, BACKEND_NAME, ClaimInputs::isClaim, log, tar);
      tar.finish();
    } finally {
      // what was fetched is in the pod now (or the job failed): no second copy on this side
      JobDirectoryStore.deleteTree(directory.resolve(ContractStaging.FETCHED));
    }
  }

  /** The archive, written as {@link ContractStaging} goes. Not thread-safe. */
  static final class Tar implements StagingTarget {
    private final TarArchiveOutputStream tar;

    Tar(OutputStream out) {
      this.tar = new TarArchiveOutputStream(out);
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    @Override
    public void directory(String name, boolean writable) throws IOException {
      TarArchiveEntry entry = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
      entry.setMode(040000 | 0755);
      tar.putArchiveEntry(entry);
      tar.closeArchiveEntry();
    }

    @Override
    public void file(String name, List<Path> sources, boolean executable) throws IOException {
      long size = 0;
      for (Path source : sources) {
        size += Files.size(source);
      }
      tar.putArchiveEntry(entry(name, size, executable));
      for (Path source : sources) {
        try (InputStream in = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS)) {
          in.transferTo(tar);
        }
      }
      tar.closeArchiveEntry();
    }

    @Override
    public void text(String name, String text, boolean executable) throws IOException {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      tar.putArchiveEntry(entry(name, bytes.length, executable));
      tar.write(bytes);
      tar.closeArchiveEntry();
    }

    /** Ends the archive and its stream. */
    void finish() throws IOException {
      tar.finish();
      tar.close();
    }

    private static TarArchiveEntry entry(String name, long size, boolean executable) {
      TarArchiveEntry entry = new TarArchiveEntry(name);
      entry.setMode(0100000 | (executable ? 0555 : 0444));
      entry.setSize(size);
      return entry;
    }
  }
}
