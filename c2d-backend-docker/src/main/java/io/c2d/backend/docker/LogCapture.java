package io.c2d.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's stdout and stderr, capped as they are produced: attached to the container's output stream
 * (the engine's attach API, before the container starts, so nothing is missed), written to a file
 * in the job's directory up to the log cap, counted; the first byte past the cap runs {@code
 * overCap} once (the job kills the algorithm) and everything after it is read and dropped. The
 * engine's own log (json-file, bounded by its {@code max-size}) stays the fallback for a job no
 * capture saw whole, e.g. one that ended while no backend instance ran.
 *
 * <p>Thread-safe: the engine's stream thread writes; any thread may ask or close.
 */
final class LogCapture {
  private static final Logger logger = LoggerFactory.getLogger(LogCapture.class);
  private static final Duration ATTACH_WAIT = Duration.ofSeconds(30);

  private final Path file;
  private final long cap;
  private final Runnable overCap;
  private final CountDownLatch ended = new CountDownLatch(1);
  private final Object lock = new Object();
  private final ResultCallback.Adapter<Frame> frames;

  // guarded by lock
  private @Nullable OutputStream out;
  private long kept;
  private boolean cut;
  private boolean complete;

  private LogCapture(Path file, OutputStream out, long cap, Runnable overCap) {
    this.file = file;
    this.out = out;
    this.cap = cap;
    this.overCap = overCap;
    this.frames =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Frame frame) {
            byte[] payload = frame.getPayload();
            if (payload != null) {
              take(payload);
            }
          }

          @Override
          public void onError(Throwable throwable) {
            // no super call: it logs at ERROR what is routine here (a closed client); the
            // collection falls back to the engine's log
            logger.debug("capturing a container's log ended: {}", throwable.toString());
            finish(false);
          }

          @Override
          public void onComplete() {
            finish(true);
            super.onComplete();
          }
        };
  }

  /**
   * Attaches to container {@code containerId}'s stdout and stderr and returns once attached: with
   * {@code replay}, from the first byte the engine still holds (for a container already running);
   * without, from now on (for one about to start). {@code file} is replaced.
   *
   * @throws IOException if {@code file} cannot be created
   * @throws RuntimeException whatever the engine's client throws, or if attaching takes too long
   */
  static LogCapture attach(
      DockerClient docker,
      String containerId,
      Path file,
      long cap,
      boolean replay,
      Runnable overCap)
      throws IOException {
    OutputStream out =
        Files.newOutputStream(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
    LogCapture capture = new LogCapture(file, out, cap, overCap);
    try {
      var unused =
          docker
              .attachContainerCmd(containerId)
              .withStdOut(true)
              .withStdErr(true)
              .withFollowStream(true)
              .withLogs(replay)
              .exec(capture.frames);
      if (!capture.frames.awaitStarted(ATTACH_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("attaching to the container took over " + ATTACH_WAIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      capture.close();
      throw new IllegalStateException("interrupted while attaching to the container", e);
    } catch (RuntimeException e) {
      capture.close();
      throw e;
    }
    return capture;
  }

  private void take(byte[] payload) {
    boolean first = false;
    synchronized (lock) {
      OutputStream target = out;
      if (target == null) {
        return;
      }
      int n = (int) Math.min(payload.length, cap - kept);
      try {
        if (n > 0) {
          target.write(payload, 0, n);
          kept += n;
        }
      } catch (IOException e) {
        logger.warn("could not write the captured log {}", file, e);
        closeQuietly();
        return;
      }
      if (n < payload.length && !cut) {
        cut = true;
        first = true;
      }
    }
    if (first) {
      overCap.run();
    }
  }

  private void finish(boolean whole) {
    synchronized (lock) {
      complete = whole && out != null;
      closeQuietly();
    }
    ended.countDown();
  }

  /**
   * Waits up to {@code limit} for the container's output to end; returns whether the capture then
   * holds all of it (up to the cap).
   */
  boolean awaitComplete(Duration limit) {
    try {
      if (!ended.await(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    synchronized (lock) {
      return complete;
    }
  }

  /** Whether the output went past the cap (what was kept is cut there). */
  boolean cut() {
    synchronized (lock) {
      return cut;
    }
  }

  /** The bytes kept so far. */
  long kept() {
    synchronized (lock) {
      return kept;
    }
  }

  /** The file the log is captured in. */
  Path file() {
    return file;
  }

  /** Stops capturing; what was captured stays in the file. Idempotent. */
  void close() {
    JobContainer.closeQuietly(frames);
    synchronized (lock) {
      closeQuietly();
    }
    ended.countDown();
  }

  // guarded by lock
  private void closeQuietly() {
    OutputStream target = out;
    out = null;
    if (target != null) {
      try {
        target.close();
      } catch (IOException e) {
        logger.debug("closing the captured log {} failed", file, e);
      }
    }
  }
}
