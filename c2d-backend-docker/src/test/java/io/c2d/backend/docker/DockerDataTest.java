package io.c2d.backend.docker;

import static io.c2d.backend.docker.TestJobs.dataset;
import static io.c2d.backend.docker.TestJobs.did;
import static io.c2d.backend.docker.TestJobs.outputNames;
import static io.c2d.backend.docker.TestJobs.raw;
import static io.c2d.backend.docker.TestJobs.read;
import static io.c2d.backend.docker.TestJobs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.JobDirectory;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.c2d.spi.backend.support.SandboxContract;
import io.c2d.testkit.junit.Requires;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How data enters and leaves a job on the real engine: local inputs bind-mounted read-only (never
 * copied), inputs that must not or cannot be mounted safely, outputs cut at the cap as they stream,
 * and 200 MiB moved in and out with the provider's heap flat.
 */
@Requires(DockerEngine.class)
final class DockerDataTest {
  private static final long MIB = 1L << 20;
  private static final long HEAP_BOUND = 64 * MIB;

  @TempDir Path dir;
  private DockerComputeBackend backend;
  private final TestJobs.Recorder recorder = new TestJobs.Recorder();

  private DockerComputeBackend backend(long outputCap) {
    backend =
        DockerComputeBackend.builder()
            .resultRoot(dir.resolve("results"))
            .environment(TestJobs.environment(outputCap, 64 * 1024))
            .instance("data-test")
            .pullMissingImages(false)
            .build();
    return backend;
  }

  /** A backend whose jobs' /data is a volume, filled and read through the engine's archive API. */
  private DockerComputeBackend volumeBackend(long outputCap) {
    backend =
        DockerComputeBackend.builder()
            .resultRoot(dir.resolve("results"))
            .environment(TestJobs.environment(outputCap, 64 * 1024))
            .instance("data-test")
            .pullMissingImages(false)
            .hostSandbox(false)
            .build();
    return backend;
  }

  @AfterEach
  void stop() {
    if (backend != null) {
      backend.close();
    }
  }

  private BackendJobState run(JobSpec spec) {
    TestJobs.join(backend.submit(spec, recorder));
    BackendJobState end = recorder.awaitEnd(spec.jobId());
    assertThat(TestJobs.leftovers(spec.jobId())).as("containers and volumes left").isEmpty();
    return end;
  }

  /** Runs {@code script} with {@code file} as file 0 of dataset 1. */
  private BackendJobState runOver(String name, String script, Path file) {
    return run(spec(name, raw(script), dataset(1, file.toUri())).build());
  }

  /**
   * Copies input 0 to output {@code copy}, then tries to append to it: output {@code append} says
   * {@code writable} or {@code refused}.
   */
  private static String copyAndTryToAppend() {
    return "cat "
        + input(0)
        + " > $OUTPUTS/copy\n"
        + "if echo tampered >> "
        + input(0)
        + " 2>/dev/null; then echo writable; else echo refused; fi > $OUTPUTS/append\n";
  }

  private static String input(int n) {
    return SandboxContract.container().path(SandboxContract.inputFile(did(1), n));
  }

  @Test
  void aJobReadsItsInputBindMountedReadOnlyAndCannotWriteIt() throws IOException {
    backend(MIB);
    Path file = Files.writeString(dir.resolve("input.csv"), "a,b\n1,2\n");
    String script =
        copyAndTryToAppend()
            + "if rm -f "
            + input(0)
            + " 2>/dev/null && [ ! -e "
            + input(0)
            + " ]; then echo removed; else echo kept; fi > $OUTPUTS/remove\n"
            + "grep ' "
            + input(0)
            + " ' /proc/mounts > $OUTPUTS/mount\n";

    BackendJobState end = runOver("mounted", script, file);

    assertThat(end.status()).as(end.detail()).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(backend, end, "copy")).isEqualTo("a,b\n1,2\n");
    assertThat(read(backend, end, "append").strip()).isEqualTo("refused");
    assertThat(read(backend, end, "remove").strip()).isEqualTo("kept");
    assertThat(read(backend, end, "mount"))
        .as("the input is its own read-only mount")
        .contains(" " + input(0) + " ")
        .containsPattern(" ro[, ]");
    assertThat(read(backend, end, "configuration.log"))
        .contains("mounted dataset " + did(1) + " file 0 read-only, not copied (8 bytes)");
    assertThat(Files.readString(file)).isEqualTo("a,b\n1,2\n");
    JobDirectory job = JobDirectoryStore.of(dir.resolve("results")).directory(end.jobId());
    Path area = job.resultArea(ResultKind.OUTPUT);
    assertThat(Files.getAttribute(area.resolve("copy"), "unix:uid"))
        .as("a moved-in output belongs to the result area's owner, not to the sandbox user")
        .isEqualTo(Files.getAttribute(area, "unix:uid"));
    assertThat(Files.exists(job.resolve("sandbox"))).as("the sandbox directory is gone").isFalse();
  }

  @Test
  void overAVolumeFilledThroughTheEngineInputsAreStillMountedReadOnly() throws IOException {
    volumeBackend(MIB);
    Path file = Files.writeString(dir.resolve("input.csv"), "volume\n");
    String script = copyAndTryToAppend();

    BackendJobState end = runOver("volume", script, file);

    assertThat(end.status()).as(end.detail()).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(backend, end, "copy")).isEqualTo("volume\n");
    assertThat(read(backend, end, "append").strip()).isEqualTo("refused");
    assertThat(read(backend, end, "configuration.log"))
        .contains("mounted dataset " + did(1) + " file 0 read-only, not copied")
        .contains("copied the staged files into the container's /data");
    assertThat(Files.readString(file)).isEqualTo("volume\n");
  }

  @Test
  void aSymbolicLinkAsInputIsRefused() throws IOException {
    backend(MIB);
    Path target = Files.writeString(dir.resolve("real.csv"), "secret\n");
    Path link = Files.createSymbolicLink(dir.resolve("link.csv"), target);

    BackendJobState end = runOver("link", "cat " + input(0) + "\n", link);

    assertThat(end.status()).isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
    assertThat(end.detail()).contains("symbolic link");
  }

  @Test
  void aFileOfTheKernelsPseudoFileSystemsIsRefused() {
    backend(MIB);
    Path status = Path.of("/proc/self/status");

    BackendJobState end = runOver("proc", "cat " + input(0) + "\n", status);

    assertThat(end.status()).isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
    assertThat(end.detail()).contains("not an ordinary file");
  }

  @Test
  void anInputTheProviderCannotReadIsRefusedAndOneOnlyTheAlgorithmCannotReadIsCopied()
      throws IOException {
    backend(MIB);
    Path file = Files.writeString(dir.resolve("closed.csv"), "closed\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));

    BackendJobState end = runOver("closed", "cat " + input(0) + " > $OUTPUTS/copy\n", file);

    if (Files.isReadable(file)) {
      // the provider runs as root: it can read the file, the algorithm's user cannot, so the file
      // reaches the algorithm as a read-only copy instead of a mount it could not open
      assertThat(end.status()).as(end.detail()).isEqualTo(JobStatus.COMPLETED);
      assertThat(read(backend, end, "copy")).isEqualTo("closed\n");
      assertThat(read(backend, end, "configuration.log"))
          .contains("instead of mounting it: the algorithm's user 65534 may not read the file")
          .contains("staged dataset " + did(1) + " file 0 (7 bytes)");
    } else {
      assertThat(end.status()).isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
      assertThat(end.detail()).contains("not a readable regular file");
    }
  }

  @Test
  void anInputInADirectoryOthersMayWriteIsCopiedNotMounted() throws IOException {
    backend(MIB);
    Path shared = Files.createDirectory(dir.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path file = Files.writeString(shared.resolve("input.csv"), "shared\n");

    BackendJobState end =
        runOver(
            "shared",
            "cat "
                + input(0)
                + " > $OUTPUTS/copy\ngrep -c ' /data/inputs/' /proc/mounts"
                + " > $OUTPUTS/mounts || true\n",
            file);

    assertThat(end.status()).as(end.detail()).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(backend, end, "copy")).isEqualTo("shared\n");
    assertThat(read(backend, end, "mounts").strip()).isEqualTo("0");
    assertThat(read(backend, end, "configuration.log"))
        .contains("a directory on its path is writable by other users");
  }

  @Test
  void withMountsOffInputsAreCopiedAndTheLogSaysSo() throws IOException {
    backend =
        DockerComputeBackend.builder()
            .resultRoot(dir.resolve("results"))
            .environment(TestJobs.environment(MIB, 64 * 1024))
            .instance("data-test")
            .pullMissingImages(false)
            .mountInputs(false)
            .build();
    Path file = Files.writeString(dir.resolve("input.csv"), "copied\n");

    BackendJobState end = runOver("copied", "cat " + input(0) + " > $OUTPUTS/copy\n", file);

    assertThat(end.status()).as(end.detail()).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(backend, end, "copy")).isEqualTo("copied\n");
    assertThat(read(backend, end, "configuration.log"))
        .contains("inputs are copied into the container, not mounted")
        .contains("staged dataset " + did(1) + " file 0 (7 bytes)");
  }

  @Test
  void outputsOverTheCapAreCutAndLaterOnesDropped() throws IOException {
    backend(3 * MIB);
    outputsOverTheCap();
  }

  @Test
  void outputsStreamedFromTheEngineAreCutAsTheyArriveAndLaterOnesDropped() throws IOException {
    volumeBackend(3 * MIB);
    outputsOverTheCap();
  }

  private void outputsOverTheCap() {
    String script =
        """
        head -c 2097152 /dev/zero > $OUTPUTS/a
        head -c 2097152 /dev/zero > $OUTPUTS/b
        head -c 2097152 /dev/zero > $OUTPUTS/c
        : > $OUTPUTS/d-empty
        """;

    BackendJobState end = run(spec("cut", raw(script)).build());

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED_TRUNCATED);
    long kept =
        end.results().stream()
            .filter(r -> r.kind() == ResultKind.OUTPUT)
            .mapToLong(r -> r.size())
            .sum();
    assertThat(kept).isEqualTo(3 * MIB);
    assertThat(outputNames(end)).contains("d-empty").hasSize(3);
    assertThat(read(backend, end, "publish.log"))
        .contains("at 1048576 bytes: outputs are capped at 3145728 bytes")
        .containsPattern("dropped '[abc]' \\(2097152 bytes\\)");
    assertThat(end.detail()).contains("cap");
  }

  @Test
  void twoHundredMebibytesInAndOutWithTheHeapFlat() throws Exception {
    backend(256 * MIB);
    long size = 200 * MIB;
    Path file = dir.resolve("large.bin");
    String digest = generate(file, size);

    HeapWatch heap = HeapWatch.start();
    BackendJobState end;
    try {
      end = runOver("large", "cp " + input(0) + " $OUTPUTS/copy\n", file);
    } finally {
      heap.stop();
    }

    assertThat(end.status()).as(end.detail()).isEqualTo(JobStatus.COMPLETED);
    assertThat(TestJobs.result(end, "copy").size()).isEqualTo(size);
    try (InputStream in =
        TestJobs.join(backend.openResult(end.jobId(), TestJobs.result(end, "copy")))) {
      assertThat(sha256(in)).isEqualTo(digest);
    }
    assertThat(read(backend, end, "configuration.log")).contains("read-only, not copied");
    assertThat(heap.growth())
        .as("heap growth while moving 200 MiB in and out")
        .isLessThan(HEAP_BOUND);
  }

  @Test
  void twoHundredMebibytesOfOutputCutAtTheCapWithTheHeapFlat() throws Exception {
    backend(50 * MIB);
    HeapWatch heap = HeapWatch.start();
    BackendJobState end;
    try {
      end = run(spec("large-cut", raw("head -c 209715200 /dev/zero > $OUTPUTS/big\n")).build());
    } finally {
      heap.stop();
    }

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED_TRUNCATED);
    assertThat(TestJobs.result(end, "big").size()).isEqualTo(50 * MIB);
    assertThat(heap.growth()).as("heap growth while cutting 200 MiB").isLessThan(HEAP_BOUND);
  }

  @Test
  void twoHundredMebibytesStreamedFromTheEnginesArchiveWithTheHeapFlat() throws Exception {
    volumeBackend(256 * MIB);
    HeapWatch heap = HeapWatch.start();
    BackendJobState end;
    try {
      end = run(spec("large-tar", raw("head -c 209715200 /dev/zero > $OUTPUTS/big\n")).build());
    } finally {
      heap.stop();
    }

    assertThat(end.status()).as(end.detail()).isEqualTo(JobStatus.COMPLETED);
    assertThat(TestJobs.result(end, "big").size()).isEqualTo(200 * MIB);
    assertThat(heap.growth())
        .as("heap growth while streaming 200 MiB out of the engine")
        .isLessThan(HEAP_BOUND);
  }

  /** Writes {@code size} bytes (a random mebibyte, repeated); returns their SHA-256. */
  private static String generate(Path file, long size)
      throws IOException, NoSuchAlgorithmException {
    byte[] block = new byte[(int) MIB];
    new Random(42).nextBytes(block);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long left = size; left > 0; left -= block.length) {
        int n = (int) Math.min(block.length, left);
        out.write(block, 0, n);
        sha.update(block, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static String sha256(InputStream in) throws IOException, NoSuchAlgorithmException {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    byte[] buffer = new byte[64 * 1024];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      sha.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * The heap a job holds: every 50 ms a full GC, then the used heap; the growth is the largest of
   * those over the used heap after a GC at the start. Garbage never counts, what is held does.
   */
  private static final class HeapWatch {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong peak = new AtomicLong();
    private final long baseline;
    private final Thread thread;

    private HeapWatch() {
      memory.gc();
      baseline = memory.getHeapMemoryUsage().getUsed();
      thread =
          new Thread(
              () -> {
                while (running.get()) {
                  memory.gc();
                  peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                  try {
                    Thread.sleep(50);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "heap-watch");
      thread.setDaemon(true);
      thread.start();
    }

    static HeapWatch start() {
      return new HeapWatch();
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join();
    }

    long growth() {
      return Math.max(0, peak.get() - baseline);
    }
  }
}
