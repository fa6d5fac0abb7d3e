package io.c2d.backend.k8s;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.PodResource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PodExec} through fabric8's exec WebSocket. fabric8 bounds what it queues for the socket (a
 * write blocks while 16 MiB are queued) and what it buffers of the output (it asks the server for
 * more as it is read), so a gigabyte moves through a few megabytes of heap. A WebSocket that closed
 * before the command's exit status came is a broken stream, never an end: fabric8 completes the
 * exit code with null then, and its output stream just ends.
 *
 * <p>Thread-safe.
 */
final class Fabric8PodExec implements PodExec {
  private static final Logger log = LoggerFactory.getLogger(Fabric8PodExec.class);

  /** How much of a command's standard error is kept for the failure's message. */
  private static final int MAX_ERROR_BYTES = 4096;

  /**
   * How much of an input goes into one WebSocket frame (fabric8's default is 8 KiB: a gigabyte in
   * 131,072 frames, each copied twice and handed to the kubelet's pipe on its own).
   */
  static final int FRAME_BYTES = 64 * 1024;

  private final Cluster cluster;

  Fabric8PodExec(Cluster cluster) {
    this.cluster = cluster;
  }

  private PodResource pod(String pod) {
    return cluster.client().pods().inNamespace(cluster.namespace()).withName(pod);
  }

  @Override
  public int send(String pod, String container, String command, InputStream input, Duration timeout)
      throws IOException {
    Capped error = new Capped();
    try (ExecWatch watch =
        pod(pod)
            .inContainer(container)
            .redirectingInput(FRAME_BYTES)
            .writingOutput(new Capped())
            .writingError(error)
            .exec("sh", "-c", command)) {
      OutputStream in = watch.getInput();
      byte[] buffer = new byte[FRAME_BYTES];
      // A command that ended (or a stream that broke) reads no more: stop writing then, or every
      // frame still queued would fail on its own.
      for (int n = input.read(buffer);
          n >= 0 && !watch.exitCode().isDone();
          n = input.read(buffer)) {
        in.write(buffer, 0, n);
      }
      if (!watch.exitCode().isDone()) {
        in.flush();
      }
      int exit = await(watch, timeout);
      if (exit != 0) {
        log.debug("'{}' in {}/{} exited with {}: {}", command, pod, container, exit, error.text());
      }
      return exit;
    } catch (KubernetesClientException e) {
      throw new IOException("exec in " + pod + "/" + container + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Output output(String pod, String container, String command) throws IOException {
    Capped error = new Capped();
    ExecWatch watch;
    try {
      watch =
          pod(pod)
              .inContainer(container)
              .redirectingOutput()
              .writingError(error)
              .exec("sh", "-c", command);
    } catch (KubernetesClientException e) {
      throw new IOException("exec in " + pod + "/" + container + " failed: " + e.getMessage(), e);
    }
    return new Output() {
      @Override
      public InputStream stream() {
        return watch.getOutput();
      }

      @Override
      public int exitCode(Duration timeout) throws IOException {
        return await(watch, timeout);
      }

      @Override
      public String error() {
        return error.text();
      }

      @Override
      public void close() throws IOException {
        try {
          watch.getOutput().close();
        } finally {
          watch.close();
        }
      }
    };
  }

  @Override
  public int run(String pod, String container, String command, Duration timeout)
      throws IOException {
    Capped error = new Capped();
    try (ExecWatch watch =
        pod(pod)
            .inContainer(container)
            .writingOutput(new Capped())
            .writingError(error)
            .exec("sh", "-c", command)) {
      return await(watch, timeout);
    } catch (KubernetesClientException e) {
      throw new IOException("exec in " + pod + "/" + container + " failed: " + e.getMessage(), e);
    }
  }

  private static int await(ExecWatch watch, Duration timeout) throws IOException {
    try {
      Integer exit = watch.exitCode().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (exit == null) {
        // the WebSocket closed before the command's status came: the stream broke
        throw new IOException("the exec stream closed before the command's exit status came");
      }
      return exit;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for an exec's end");
    } catch (ExecutionException e) {
      throw new IOException("the exec failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("the exec did not end within " + timeout, e);
    }
  }

  /** Keeps the first {@value #MAX_ERROR_BYTES} bytes written to it. */
  private static final class Capped extends OutputStream {
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      if (kept.size() < MAX_ERROR_BYTES) {
        kept.write(b);
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      int n = Math.min(len, MAX_ERROR_BYTES - kept.size());
      if (n > 0) {
        kept.write(b, off, n);
      }
    }

    synchronized String text() {
      return kept.toString(StandardCharsets.UTF_8).trim();
    }
  }
}
