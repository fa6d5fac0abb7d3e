package io.c2d.backend.k8s;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * Runs {@code sh -c <command>} in a container of a running pod, its standard streams carried by the
 * API server ({@code pods/exec}): how the inputs get into a job's pod and its results out, with no
 * API object in between. {@link #fabric8} is the real one; the tests give the local kubelet's.
 *
 * <p>One exec stream is one WebSocket, which may break under load; so these are the primitives of a
 * transfer that survives it: {@link ChunkedUpload} sends the inputs in chunks each verified in the
 * pod and sent again when their stream broke, {@link ResumableOutput} reads the results on from
 * where a broken stream left off.
 *
 * <p>Implementations are thread-safe; every call blocks on the API server.
 */
interface PodExec {
  /**
   * Runs {@code command} with {@code input} on its standard input, with flow control (writing waits
   * while the stream is behind), then waits at most {@code timeout} for its exit. The command must
   * end by itself once it read what it expects: the protocol of older API servers carries no end of
   * input, so the stream is not closed before the command's exit. Writing stops early when the
   * command ended before it read all of {@code input}.
   *
   * @return the command's exit code
   * @throws IOException if the stream fails or no exit came in time
   */
  int send(String pod, String container, String command, InputStream input, Duration timeout)
      throws IOException;

  /**
   * Starts {@code command}, its standard output to be read as it comes (never held whole in
   * memory). The caller closes it; closing it before the output ended ends the stream.
   *
   * @throws IOException if the stream cannot be opened
   */
  Output output(String pod, String container, String command) throws IOException;

  /** Runs {@code command} with no input; returns its exit code, waiting at most {@code timeout}. */
  int run(String pod, String container, String command, Duration timeout) throws IOException;

  /** A command's standard output under way. */
  interface Output extends Closeable {
    /**
     * The command's standard output. It ends when the stream ended, which is not always the
     * command's end: only {@link #exitCode} tells whether all of it came.
     */
    InputStream stream();

    /**
     * Waits at most {@code timeout} for the command's exit code, once its output ended.
     *
     * @throws IOException if the stream ended without the command's exit status (it broke), or none
     *     came in time
     */
    int exitCode(Duration timeout) throws IOException;

    /** The start of what the command wrote to its standard error, for a failure's message. */
    String error();
  }

  /** The real one: fabric8's exec over the API server's WebSocket. */
  static PodExec fabric8(Cluster cluster) {
    return new Fabric8PodExec(cluster);
  }
}
