package io.c2d.backend.k8s;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.c2d.spi.backend.support.StagingArchive;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exec transfers ({@link ChunkedUpload} in, {@link ResumableOutput} out) against real busybox
 * commands in a directory that stands for the pod, with the streams broken on purpose where the
 * real node breaks them now and then: a chunk cut midway is sent again and the inputs arrive whole;
 * a results stream cut (cleanly or with an error) is read on from where it stopped and the bytes
 * are those of one unbroken stream; a command that writes other bytes the second time, a chunk that
 * never arrives, and an archive without its end marker are refused.
 */
class ExecTransferTest {
  private static final Path BUSYBOX =
      Files.isExecutable(Path.of("/bin/busybox"))
          ? Path.of("/bin/busybox")
          : Path.of("/usr/bin/busybox");

  /** Busybox's applets, linked once (JUnit's temporary directories warn about every link). */
  private static @Nullable Path bin;

  @TempDir Path root;
  private BreakingExec exec;

  @BeforeAll
  static void linkApplets() throws Exception {
    if (!Files.isExecutable(BUSYBOX)) {
      return;
    }
    Path linked = Files.createTempDirectory("busybox-applets");
    Process list = new ProcessBuilder(BUSYBOX.toString(), "--list").start();
    for (String applet :
        new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
      if (!applet.isBlank()) {
        Files.createSymbolicLink(linked.resolve(applet.trim()), BUSYBOX);
      }
    }
    list.waitFor();
    bin = linked;
  }

  @AfterAll
  static void unlinkApplets() throws IOException {
    Path linked = bin;
    if (linked != null) {
      try (var links = Files.list(linked)) {
        for (Path link : links.toList()) {
          Files.delete(link);
        }
      }
      Files.delete(linked);
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(bin != null, "busybox is installed");
    Files.createDirectories(root.resolve("data"));
    Files.createDirectories(root.resolve("c2d"));
    exec = new BreakingExec();
  }

  // ------------------------------------------------------------------ in

  @Test
  void chunksCutMidwayAreSentAgainAndTheInputsArriveWhole() throws Exception {
    byte[] large = random(1_000_003, 1);
    exec.sendBreaks.addAll(List.of(-1, 40_000, -1, -1, 0, -1));

    ChunkedUpload upload = upload(64 * 1024);
    stage(upload, large);
    upload.finish();
    upload.close();

    assertThat(root.resolve("data/inputs/did/0")).hasBinaryContent(large);
    assertThat(root.resolve("data/ddos/did.json")).hasContent("{}");
    assertThat(root.resolve("c2d/uploaded")).exists();
    assertThat(root.resolve("data/.c2d-upload")).doesNotExist();
    assertThat(root.resolve("data/" + Manifests.UPLOAD_END_MARKER)).doesNotExist();
    assertThat(root.resolve("spool")).doesNotExist();
    assertThat(upload.resent()).isEqualTo(2);
    assertThat(upload.chunks()).isEqualTo((int) ((upload.sent() + 65535) / 65536));
  }

  @Test
  void aChunkThatNeverArrivesFailsTheUploadAndNothingIsUnpacked() throws Exception {
    // the first chunk arrives; the second breaks at each attempt
    exec.sendBreaks.add(-1);
    for (int i = 0; i < ChunkedUpload.MAX_ATTEMPTS; i++) {
      exec.sendBreaks.add(1000);
    }
    ChunkedUpload upload = upload(64 * 1024);

    assertThatThrownBy(() -> stage(upload, random(200_000, 2)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("did not arrive")
        .hasMessageContaining("after " + ChunkedUpload.MAX_ATTEMPTS + " attempts");
    upload.close();
    assertThat(root.resolve("c2d/uploaded")).doesNotExist();
    assertThat(root.resolve("data/inputs")).doesNotExist();
    assertThat(root.resolve("spool")).doesNotExist();
  }

  @Test
  void anArchiveWithoutItsEndMarkerIsRefused() throws Exception {
    ChunkedUpload upload = upload(64 * 1024);
    try (StagingArchive tar =
        StagingArchive.builder().writableDirectories().writingTo(upload.input())) {
      tar.directory("inputs", true);
      tar.text("inputs/x", "x", false);
    }
    assertThatThrownBy(upload::finish)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("refused");
    upload.close();
    assertThat(root.resolve("c2d/upload-failed")).exists();
    assertThat(root.resolve("c2d/uploaded")).doesNotExist();
    assertThat(root.resolve("c2d/upload-error"))
        .content()
        .contains("the archive was cut before its end marker");
  }

  @Test
  void anUploadThatComesAgainAfterTheUnpackingIsSwallowed() throws Exception {
    ChunkedUpload first = upload(64 * 1024);
    stage(first, random(100_000, 3));
    first.finish();
    first.close();
    ChunkedUpload again = upload(64 * 1024);
    stage(again, random(100_000, 4));
    again.finish();
    again.close();

    assertThat(root.resolve("data/inputs/did/0")).hasBinaryContent(random(100_000, 3));
    assertThat(root.resolve("data/.c2d-upload")).doesNotExist();
  }

  // ------------------------------------------------------------------ out

  @Test
  void aResultsStreamCutAnywhereIsReadOnWhereItStopped() throws Exception {
    Path outputs = Files.createDirectories(root.resolve("data/outputs"));
    Files.createDirectories(root.resolve("data/logs"));
    Files.write(outputs.resolve("large.bin"), random(700_001, 5));
    Files.writeString(outputs.resolve("small.txt"), "small");
    Files.writeString(root.resolve("data/logs/a.log"), "log");
    byte[] whole = unbroken(Manifests.COLLECT_COMMAND);
    // a clean end with no exit status, an error, a clean end again, a break before any byte
    exec.outputBreaks.addAll(List.of(100_000, -200_000, 100_001, 0, 530_000));

    byte[] read;
    int streams;
    try (ResumableOutput output = output(Manifests.COLLECT_COMMAND)) {
      read = output.readAllBytes();
      streams = output.streams();
      assertThat(output.position()).isEqualTo(whole.length);
    }

    assertThat(read).isEqualTo(whole);
    assertThat(streams).isEqualTo(6);
  }

  @Test
  void aCommandThatWritesOtherBytesTheSecondTimeIsRefused() throws Exception {
    exec.outputBreaks.add(150_000);
    try (ResumableOutput output = output("head -c 400000 /dev/urandom")) {
      assertThatThrownBy(output::readAllBytes)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("wrote other bytes the second time");
    }
  }

  @Test
  void aCommandThatFailsIsTriedAFewTimesThenReported() throws Exception {
    try (ResumableOutput output = output("printf partial; echo broken >&2; exit 3")) {
      assertThatThrownBy(output::readAllBytes)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("exited with 3")
          .hasMessageContaining("gave up");
    }
  }

  @Test
  void finishDrainsPaddingAndChecksTheExit() throws Exception {
    try (ResumableOutput output = output("printf abc; head -c 2048 /dev/zero")) {
      assertThat(output.readNBytes(3)).isEqualTo("abc".getBytes(StandardCharsets.UTF_8));
      output.finish();
      assertThat(output.position()).isEqualTo(3 + 2048);
    }
  }

  // ---------------------------------------------------------------------------------------------

  private ChunkedUpload upload(long chunkBytes) throws IOException {
    return new ChunkedUpload(
        exec, "pod", root.resolve("spool"), chunkBytes, Duration.ofSeconds(30), Duration.ZERO);
  }

  private ResumableOutput output(String command) {
    return new ResumableOutput(
        exec,
        "pod",
        Manifests.PUBLISH,
        command,
        Duration.ofSeconds(30),
        Duration.ZERO,
        () -> false);
  }

  /** Writes a staged layout with {@code large} as the one input, and the end marker. */
  private static void stage(ChunkedUpload upload, byte[] large) throws IOException {
    Path source = Files.createTempFile("input", ".bin");
    try {
      Files.write(source, large);
      try (StagingArchive tar =
          StagingArchive.builder().writableDirectories().writingTo(upload.input())) {
        tar.directory("inputs", true);
        tar.directory("inputs/did", true);
        tar.file("inputs/did/0", List.of(source), false);
        tar.directory("ddos", true);
        tar.text("ddos/did.json", "{}", false);
        tar.text(Manifests.UPLOAD_END_MARKER, "", false);
      }
    } finally {
      Files.deleteIfExists(source);
    }
  }

  private byte[] unbroken(String command) throws Exception {
    Process process = exec.start(command);
    byte[] bytes = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    return bytes;
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /**
   * Runs the commands with busybox in {@code root}, which stands for the pod ({@code /data} and
   * {@code /c2d} under it), and breaks the streams as told: each {@link #send} takes the next entry
   * of {@link #sendBreaks} (-1: whole; n: the input stops after n bytes and the stream fails), each
   * {@link #output} the next of {@link #outputBreaks} (n: the stream ends cleanly after n bytes
   * with no exit status; -n: it fails after n bytes).
   */
  private final class BreakingExec implements PodExec {
    final Deque<Integer> sendBreaks = new ArrayDeque<>();
    final Deque<Integer> outputBreaks = new ArrayDeque<>();

    Process start(String command) throws IOException {
      String local =
          command
              .replace("/data", root.resolve("data").toString())
              .replace("/c2d", root.resolve("c2d").toString());
      ProcessBuilder builder =
          new ProcessBuilder(requireNonNull(bin).resolve("sh").toString(), "-c", local)
              .directory(root.toFile())
              .redirectError(ProcessBuilder.Redirect.DISCARD);
      builder.environment().clear();
      builder.environment().put("PATH", requireNonNull(bin).toString());
      return builder.start();
    }

    @Override
    public int send(
        String pod, String container, String command, InputStream input, Duration timeout)
        throws IOException {
      Integer cut = sendBreaks.poll();
      Process process = start(command);
      try (OutputStream in = process.getOutputStream()) {
        if (cut == null || cut < 0) {
          input.transferTo(in);
        } else {
          in.write(input.readNBytes(cut));
        }
      } catch (IOException e) {
        // the command ended before it read all of its input: its exit code tells
      }
      int exit = await(process);
      if (cut != null && cut >= 0) {
        throw new IOException("injected: the stream broke after " + cut + " bytes");
      }
      return exit;
    }

    @Override
    public Output output(String pod, String container, String command) throws IOException {
      Integer cut = outputBreaks.poll();
      Process process = start(command);
      InputStream raw = process.getInputStream();
      InputStream stream =
          cut == null
              ? raw
              : new InputStream() {
                private long left = Math.abs((long) cut);

                @Override
                public int read() throws IOException {
                  byte[] one = new byte[1];
                  return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                  if (left == 0) {
                    if (cut < 0) {
                      throw new IOException("injected: the stream broke");
                    }
                    return -1;
                  }
                  int n = raw.read(b, off, (int) Math.min(len, left));
                  if (n > 0) {
                    left -= n;
                  }
                  return n;
                }
              };
      return new Output() {
        @Override
        public InputStream stream() {
          return stream;
        }

        @Override
        public int exitCode(Duration timeout) throws IOException {
          if (cut != null) {
            process.destroyForcibly();
            throw new IOException("injected: closed before the command's exit status came");
          }
          return await(process);
        }

        @Override
        public String error() {
          return "";
        }

        @Override
        public void close() {
          process.destroyForcibly();
        }
      };
    }

    @Override
    public int run(String pod, String container, String command, Duration timeout)
        throws IOException {
      Process process = start(command);
      process.getOutputStream().close();
      process.getInputStream().transferTo(new ByteArrayOutputStream());
      return await(process);
    }

    private int await(Process process) throws IOException {
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IOException("a command did not end");
        }
        return process.exitValue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
  }
}
