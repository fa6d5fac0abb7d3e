package io.c2d.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import io.c2d.model.JobId;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.support.ResultCollector;
import io.c2d.spi.backend.support.SandboxContract;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects what an ended container holds into a {@link ResultCollector}: the outputs, as the
 * engine's tar archive of {@code /data/outputs} (regular files only: a link, a device or a FIFO is
 * skipped, never followed), and the engine's log of the container's stdout and stderr as {@code
 * algorithm.log} where no {@link LogCapture} saw the whole run. The collector applies the caps and
 * the name rules.
 *
 * <p>Stateless; thread-safe (one collection per job at a time).
 */
final class ContainerResults {
  private static final Logger logger = LoggerFactory.getLogger(ContainerResults.class);
  private static final Duration LOG_WAIT = Duration.ofMinutes(2);
  private static final int BUFFER = 256 * 1024;
  private static final int LIVE_LOG_BUFFER = 64 * 1024;
  private static final String OUTPUTS = SandboxContract.container().path(SandboxContract.OUTPUTS);

  private ContainerResults() {}

  /**
   * Collects the outputs of container {@code containerId} from the engine's archive.
   *
   * @throws IOException if the result area cannot be written
   */
  static void collectOutputs(
      DockerClient docker, JobId jobId, String containerId, ResultCollector collector)
      throws IOException {
    try (InputStream archive =
        new BufferedInputStream(
            docker.copyArchiveFromContainerCmd(containerId, OUTPUTS).exec(), BUFFER)) {
      readOutputs(archive, collector);
    } catch (IOException | RuntimeException e) {
      logger.warn("could not fetch the outputs of job {}", jobId, e);
      collector.outputsFailed(
          "could not fetch the outputs from the container (" + e.getMessage() + ")");
    }
  }

  /**
   * Reads the archive's entries ({@code outputs/...}) in order, as a stream: each output goes
   * straight to the result area and is cut at the cap as it arrives, so no output is ever held in
   * memory. What lies beyond the cap is still read from the engine (and thrown away): the client
   * drains a response it closes, so stopping early would not save the transfer.
   */
  static void readOutputs(InputStream archive, ResultCollector collector) throws IOException {
    try (TarArchiveInputStream tar = new TarArchiveInputStream(archive)) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        String name = stripFirstSegment(entry.getName());
        if (name.isEmpty() || entry.isDirectory()) {
          continue; // the outputs directory itself, or one below it
        }
        if (entry.isSymbolicLink()) {
          collector.skip(name, "a symbolic link (links are never followed)");
        } else if (!entry.isFile() || entry.isLink()) {
          collector.skip(name, "not a regular file");
        } else {
          collector.addOutput(name, entry.getSize(), tar);
        }
      }
    }
  }

  private static String stripFirstSegment(String name) {
    String trimmed = name.startsWith("./") ? name.substring(2) : name;
    int slash = trimmed.indexOf('/');
    String rest = slash < 0 ? "" : trimmed.substring(slash + 1);
    return rest.endsWith("/") ? rest.substring(0, rest.length() - 1) : rest;
  }

  /** Streams the container's stdout and stderr into {@code algorithm.log}, which caps it. */
  static void containerLog(
      DockerClient docker, JobId jobId, String containerId, ResultCollector collector)
      throws IOException {
    try (OutputStream out = collector.openLog("algorithm.log", ResultKind.ALGORITHM_LOG)) {
      ResultCallback.Adapter<Frame> frames =
          new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
              byte[] payload = frame.getPayload();
              if (payload == null) {
                return;
              }
              try {
                out.write(payload);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }
          };
      try {
        docker
            .logContainerCmd(containerId)
            .withStdOut(true)
            .withStdErr(true)
            .withFollowStream(false)
            .withTailAll()
            .exec(frames);
        if (!frames.awaitCompletion(LOG_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          JobContainer.closeQuietly(frames);
          collector.note("reading algorithm.log did not finish in time; kept what arrived");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        logger.warn("could not read the log of job {}", jobId, e);
        collector.note("could not read the algorithm's log: " + e.getMessage());
      }
    }
  }

  /**
   * The container's stdout and stderr as they are written, from the start: a pipe fed by the
   * engine's follow-mode log stream, which ends when the container exits. Closing the stream stops
   * the engine's.
   */
  static InputStream followLog(DockerClient docker, String containerId) throws IOException {
    PipedInputStream in = new PipedInputStream(LIVE_LOG_BUFFER);
    PipedOutputStream out = new PipedOutputStream(in);
    ResultCallback.Adapter<Frame> frames =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Frame frame) {
            byte[] payload = frame.getPayload();
            if (payload == null) {
              return;
            }
            try {
              out.write(payload);
              out.flush();
            } catch (IOException e) {
              // the reader has gone: stop following
              JobContainer.closeQuietly(this);
            }
          }

          @Override
          public void onError(Throwable throwable) {
            closeQuietly(out);
            super.onError(throwable);
          }

          @Override
          public void onComplete() {
            closeQuietly(out);
            super.onComplete();
          }
        };
    docker
        .logContainerCmd(containerId)
        .withStdOut(true)
        .withStdErr(true)
        .withFollowStream(true)
        .withTailAll()
        .exec(frames);
    return new FilterInputStream(in) {
      @Override
      public void close() throws IOException {
        JobContainer.closeQuietly(frames);
        closeQuietly(out);
        super.close();
      }
    };
  }

  private static void closeQuietly(OutputStream out) {
    try {
      out.close();
    } catch (IOException e) {
      logger.debug("closing a live log pipe failed", e);
    }
  }
}
