package io.c2d.backend.k8s;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
  public Upload upload(String pod, String container, String command) {
    commands.add(pod + "/" + container + ": " + command);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    return new Upload() {
      @Override
      public OutputStream input() {
        return bytes;
      }

      @Override
      public void close() {
        uploads.put(pod, bytes.toByteArray());
      }
    };
  }

  @Override
  public boolean download(
      String pod, String container, String command, OutputReader reader, Duration timeout)
      throws IOException {
    commands.add(pod + "/" + container + ": " + command);
    byte[] tar = results.get(pod);
    if (tar == null) {
      throw new IOException("no results in pod " + pod);
    }
    return reader.read(new ByteArrayInputStream(tar));
  }

  @Override
  public int run(String pod, String container, String command, Duration timeout) {
    commands.add(pod + "/" + container + ": " + command);
    return 0;
  }
}
