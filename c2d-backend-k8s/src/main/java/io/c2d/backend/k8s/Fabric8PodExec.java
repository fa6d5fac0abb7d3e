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

/**
 * {@link PodExec} through fabric8's exec WebSocket. fabric8 bounds what it queues for the socket (a
 * write blocks while the queue is full) and what it buffers of the output (it asks the server for
 * more as it is read), so a gigabyte moves through a few megabytes of heap.
 *
 * <p>Thread-safe.
 */
final class Fabric8PodExec implements PodExec {
  /** How much of a command's standard error is kept for the failure's message. */
  private static final int MAX_ERROR_BYTES = 4096;

  private final Cluster cluster;

  Fabric8PodExec(Cluster cluster) {
    this.cluster = cluster;
  }

  private PodResource pod(String pod) {
    return cluster.client().pods().inNamespace(cluster.namespace()).withName(pod);
  }

  @Override
  public Upload upload(String pod, String container, String command) throws IOException {
    ExecWatch watch;
    try {
      watch =
          pod(pod)
              .inContainer(container)
              .redirectingInput()
              .writingError(new Capped())
              .exec("sh", "-c", command);
    } catch (KubernetesClientException e) {
      throw new IOException("exec in " + pod + "/" + container + " failed: " + e.getMessage(), e);
    }
    return new Upload() {
      @Override
      public OutputStream input() {
        return watch.getInput();
      }

      @Override
      public void close() throws IOException {
        try {
          watch.getInput().flush();
        } finally {
          watch.close();
        }
      }
    };
  }

  @Override
  public boolean download(
      String pod, String container, String command, OutputReader reader, Duration timeout)
      throws IOException {
    Capped error = new Capped();
    try (ExecWatch watch =
        pod(pod)
            .inContainer(container)
            .redirectingOutput()
            .writingError(error)
            .exec("sh", "-c", command)) {
      boolean whole;
      try (InputStream output = watch.getOutput()) {
        whole = reader.read(output);
      }
      if (!whole) {
        return false;
      }
      int exit = await(watch, timeout);
      if (exit != 0) {
        throw new IOException(
            "'" + command + "' in " + container + " exited with " + exit + ": " + error.text());
      }
      return true;
    } catch (KubernetesClientException e) {
      throw new IOException("exec in " + pod + "/" + container + " failed: " + e.getMessage(), e);
    }
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
      return exit == null ? -1 : exit;
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
