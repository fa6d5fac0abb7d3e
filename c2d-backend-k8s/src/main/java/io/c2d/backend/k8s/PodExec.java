package io.c2d.backend.k8s;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/**
 * Runs {@code sh -c <command>} in a container of a running pod, its standard streams carried by the
 * API server ({@code pods/exec}): how the inputs get into a job's pod and its results out, with no
 * API object in between. {@link #fabric8} is the real one; the tests give the local kubelet's.
 *
 * <p>Implementations are thread-safe; every call blocks on the API server.
 */
interface PodExec {
  /**
   * Starts {@code command} with its standard input open for the caller: what is written to {@link
   * Upload#input()} reaches it, with flow control (writes block while the stream is behind), and
   * {@link Upload#close()} ends the input. Whether the command succeeded the command itself must
   * tell (by a marker in the pod): the protocol of older API servers carries no end of input, so
   * the exec stream is closed, not waited on.
   */
  Upload upload(String pod, String container, String command) throws IOException;

  /**
   * Runs {@code command}, its standard output read by {@code reader} as it comes (never held whole
   * in memory), waiting at most {@code timeout} for its exit after the output ended. A reader that
   * stops early (returns false) ends the stream; the command's exit is not waited for then.
   *
   * @return whether the reader read the whole output
   * @throws IOException if the stream fails or the command exits with another code than 0
   */
  boolean download(
      String pod, String container, String command, OutputReader reader, Duration timeout)
      throws IOException;

  /** Runs {@code command} with no input; returns its exit code, waiting at most {@code timeout}. */
  int run(String pod, String container, String command, Duration timeout) throws IOException;

  /** An upload under way. */
  interface Upload extends Closeable {
    /** The command's standard input. */
    OutputStream input();
  }

  /** Reads a command's standard output. */
  interface OutputReader {
    /** Reads {@code output}; returns false if it stopped before its end. */
    boolean read(InputStream output) throws IOException;
  }

  /** The real one: fabric8's exec over the API server's WebSocket. */
  static PodExec fabric8(Cluster cluster) {
    return new Fabric8PodExec(cluster);
  }
}
