package io.c2d.backend.k8s;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The exec streams of pods that {@link KubeletSimulator} plays (fabric8's mock server has no exec):
 * what the backend uploads is kept per pod, what it downloads is the archive of the results the
 * simulator set, and every command it runs is recorded.
 */
final class FakePodExec implements PodExec {
  final Map<String, byte[]> uploads = new ConcurrentHashMap<>();
  final List<String> commands = new CopyOnWriteArrayList<>();
  private final Map<String, byte[]> results = new ConcurrentHashMap<>();
  private final Map<String, Runnable> breakers = new ConcurrentHashMap<>();

  /** Reading the results of {@code pod} runs {@code meanwhile}, then breaks off. */
  void breakResults(String pod, Runnable meanwhile) {
    breakers.put(pod, meanwhile);
  }

  /** The publish step of {@code pod} will stream these outputs and log files. */
  void serveResults(String pod, Map<String, String> outputs, Map<String, String> logFiles) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      add(tar, "logs/", null);
      for (Map.Entry<String, String> e : logFiles.entrySet()) {
        add(tar, "logs/" + e.getKey(), e.getValue());
      }
      add(tar, "outputs/", null);
      for (Map.Entry<String, String> e : outputs.entrySet()) {
        add(tar, "outputs/" + e.getKey(), e.getValue());
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    results.put(pod, bytes.toByteArray());
  }

  private static void add(TarArchiveOutputStream tar, String name, String content)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    byte[] bytes = content == null ? new byte[0] : content.getBytes(StandardCharsets.UTF_8);
    if (content != null) {
      entry.setSize(bytes.length);
    }
    tar.putArchiveEntry(entry);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  @Override
  public int send(String pod, String container, String command, InputStream input, Duration timeout)
      throws IOException {
    commands.add(pod + "/" + container + ": " + command);
    byte[] chunk = input.readAllBytes();
    uploads.merge(
        pod,
        chunk,
        (before, more) -> {
          byte[] both = Arrays.copyOf(before, before.length + more.length);
          System.arraycopy(more, 0, both, before.length, more.length);
          return both;
        });
    return 0;
  }

  @Override
  public Output output(String pod, String container, String command) throws IOException {
    commands.add(pod + "/" + container + ": " + command);
    Runnable breaker = breakers.get(pod);
    if (breaker != null) {
      breaker.run();
      throw new IOException("the exec stream of pod " + pod + " closed");
    }
    byte[] tar = results.get(pod);
    if (tar == null) {
      throw new IOException("no results in pod " + pod);
    }
    InputStream stream = new ByteArrayInputStream(tar);
    return new Output() {
      @Override
      public InputStream stream() {
        return stream;
      }

      @Override
      public int exitCode(Duration timeout) {
        return 0;
      }

      @Override
      public String error() {
        return "";
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public int run(String pod, String container, String command, Duration timeout) {
    commands.add(pod + "/" + container + ": " + command);
    return 0;
  }
}
