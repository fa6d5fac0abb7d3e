package io.c2d.backend.docker;

import static io.c2d.backend.docker.TestJobs.outputNames;
import static io.c2d.backend.docker.TestJobs.raw;
import static io.c2d.backend.docker.TestJobs.read;
import static io.c2d.backend.docker.TestJobs.result;
import static io.c2d.backend.docker.TestJobs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.testkit.junit.Requires;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Floods on the real engine, capped at the source, in both staging modes (a directory on this host
 * and a volume): a job that writes past its disk quota ends {@code DISK_QUOTA_EXCEEDED} with what
 * it wrote up to the quota collected (cut at the output cap); a job that prints past the log cap is
 * killed as soon as the cap is reached and ends {@code COMPLETED_TRUNCATED} with {@code
 * algorithm.log} cut exactly at the cap. Scaled down (a 20 MiB quota, a 1 MiB log cap) so each runs
 * in seconds; the floods themselves would go on for gigabytes.
 */
@Requires(DockerEngine.class)
final class DockerFloodTest {
  private static final long MIB = 1 << 20;
  private static final long OUTPUT_CAP = 8 * MIB;
  private static final long LOG_CAP = MIB;
  private static final long DISK_QUOTA = 20 * MIB;

  @TempDir Path dir;
  private DockerComputeBackend backend;
  private final TestJobs.Recorder recorder = new TestJobs.Recorder();

  private void backend(boolean hostSandbox) {
    backend =
        DockerComputeBackend.builder()
            .resultRoot(dir.resolve("results"))
            .environment(TestJobs.environment(OUTPUT_CAP, LOG_CAP))
            .instance("flood-test")
            .pullMissingImages(false)
            .hostSandbox(hostSandbox)
            .build();
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

  @ParameterizedTest(name = "host directory: {0}")
  @ValueSource(booleans = {true, false})
  void aDiskFloodEndsDiskQuotaExceededWithWhatWasWrittenUpToTheCap(boolean hostSandbox)
      throws Exception {
    backend(hostSandbox);
    // the file-size limit kills head at the quota; the shell goes on and exits 0: the full file,
    // found at collection, says the quota was reached (the sum is exactly the quota, not past it)
    String script =
        """
        head -c 3221225472 /dev/zero > $OUTPUTS/flood
        echo the shell went on
        """;
    Instant started = Instant.now();
    BackendJobState end =
        run(
            spec("disk-flood-" + hostSandbox, raw(script))
                .resources(Resources.of(0.5, 128, DISK_QUOTA >> 20, 0))
                .build());

    assertThat(Duration.between(started, Instant.now())).isLessThan(Duration.ofSeconds(30));
    assertThat(end.status()).as(end.detail()).isEqualTo(JobStatus.DISK_QUOTA_EXCEEDED);
    assertThat(end.exitCode()).isEqualTo(0);
    assertThat(end.detail())
        .contains("an output reached the algorithm's disk quota of " + DISK_QUOTA + " bytes")
        .contains("results cut at their caps");
    assertThat(outputNames(end)).containsExactly("flood");
    assertThat(result(end, "flood").size()).isEqualTo(OUTPUT_CAP);
    assertThat(served(end, "flood")).as("the output served, exactly the cap").isEqualTo(OUTPUT_CAP);
    assertThat(read(backend, end, "algorithm.log")).contains("the shell went on");
    assertThat(read(backend, end, "publish.log"))
        .contains("cut 'flood' at " + OUTPUT_CAP + " bytes: outputs are capped");
  }

  @ParameterizedTest(name = "host directory: {0}")
  @ValueSource(booleans = {true, false})
  void aDiskFloodUnderTheOutputCapIsCollectedWhole(boolean hostSandbox) throws Exception {
    backend(hostSandbox);
    BackendJobState end =
        run(
            spec("disk-flood-small-" + hostSandbox, raw("cat /dev/zero > $OUTPUTS/flood\n"))
                .resources(Resources.of(0.5, 128, 4, 0))
                .build());

    assertThat(end.status()).as(end.detail()).isEqualTo(JobStatus.DISK_QUOTA_EXCEEDED);
    assertThat(end.exitCode()).as("128 + SIGXFSZ").isEqualTo(153);
    assertThat(end.detail())
        .contains("wrote a file past its disk quota of " + (4 * MIB) + " bytes")
        .doesNotContain("cut");
    assertThat(served(end, "flood")).as("every byte the quota let it write").isEqualTo(4 * MIB);
  }

  @ParameterizedTest(name = "host directory: {0}")
  @ValueSource(booleans = {true, false})
  void aFloodOfSmallFilesIsKilledWhenTheirSumPassesTheQuota(boolean hostSandbox) throws Exception {
    backend(hostSandbox);
    String script =
        """
        i=0
        while true; do
          head -c 1048576 /dev/zero > $OUTPUTS/f$(printf %05d $i) || exit 1
          i=$((i+1))
        done
        """;
    Instant started = Instant.now();
    BackendJobState end =
        run(
            spec("many-files-" + hostSandbox, raw(script))
                .resources(Resources.of(0.5, 128, DISK_QUOTA >> 20, 0))
                .build());

    assertThat(Duration.between(started, Instant.now())).isLessThan(Duration.ofSeconds(30));
    assertThat(end.status()).as(end.detail()).isEqualTo(JobStatus.DISK_QUOTA_EXCEEDED);
    assertThat(end.detail())
        .contains("went past its disk quota of " + DISK_QUOTA + " bytes")
        .contains("results cut at their caps");
    long served = 0;
    List<String> withContent = new ArrayList<>();
    for (String name : outputNames(end)) {
      long bytes = served(end, name);
      served += bytes;
      if (bytes > 0) {
        withContent.add(name);
      }
    }
    assertThat(served).as("outputs served, exactly the cap").isEqualTo(OUTPUT_CAP);
    // the collector keeps empty files past the cap (they add nothing), and the kill at the quota
    // may come between the shell's creating the next file and head's writing to it
    assertThat(withContent)
        .as("the first files, whole, up to the cap; later ones with content dropped")
        .containsExactly(
            IntStream.range(0, (int) (OUTPUT_CAP / MIB))
                .mapToObj(i -> String.format(Locale.ROOT, "f%05d", i))
                .toArray(String[]::new));
    assertThat(outputNames(end))
        .startsWith("f00000")
        .hasSizeLessThanOrEqualTo(withContent.size() + 1);
    assertThat(read(backend, end, "configuration.log"))
        .contains("limited to " + DISK_QUOTA + " bytes each and in sum");
  }

  @ParameterizedTest(name = "host directory: {0}")
  @ValueSource(booleans = {true, false})
  void aLogFloodIsKilledAtTheCapWithItsLogCutThere(boolean hostSandbox) throws Exception {
    backend(hostSandbox);
    String script =
        """
        echo before > $OUTPUTS/before
        echo first line
        # the engine copies stdout and stderr on two threads: give the first line a head start
        sleep 1
        yes 0123456789abcdefghijklmnopqrstuvwxyz &
        yes stderr-flood >&2
        """;
    Instant started = Instant.now();
    BackendJobState end = run(spec("log-flood-" + hostSandbox, raw(script)).build());
    Duration took = Duration.between(started, Instant.now());

    assertThat(end.status()).as(end.detail()).isEqualTo(JobStatus.COMPLETED_TRUNCATED);
    assertThat(took)
        .as("the flood ends at the cap, not at the deadline")
        .isLessThan(Duration.ofSeconds(20));
    assertThat(end.detail()).contains("went past the log cap of " + LOG_CAP + " bytes");
    assertThat(result(end, "algorithm.log").size()).isEqualTo(LOG_CAP);
    String log = read(backend, end, "algorithm.log");
    assertThat((long) log.length()).isEqualTo(LOG_CAP);
    assertThat(log).startsWith("first line\n");
    assertThat(read(backend, end, "before")).isEqualTo("before\n");
    assertThat(read(backend, end, "publish.log"))
        .contains("algorithm.log cut at " + LOG_CAP + " bytes (the log cap)");
    assertThat(read(backend, end, "configuration.log"))
        .contains("capped at " + LOG_CAP + " bytes as they are written")
        .contains("killing the algorithm: its stdout and stderr went past the log cap");
  }

  @ParameterizedTest(name = "host directory: {0}")
  @ValueSource(booleans = {true, false})
  void aLogJustUnderTheCapIsKeptWholeAndTheJobCompletes(boolean hostSandbox) throws Exception {
    backend(hostSandbox);
    BackendJobState end =
        run(
            spec(
                    "log-under-" + hostSandbox,
                    raw("head -c " + (LOG_CAP - 10) + " /dev/zero | tr '\\0' x\necho 123456789\n"))
                .build());

    assertThat(end.status()).as(end.detail()).isEqualTo(JobStatus.COMPLETED);
    assertThat(result(end, "algorithm.log").size()).isEqualTo(LOG_CAP);
    assertThat(read(backend, end, "algorithm.log")).endsWith("x123456789\n");
  }

  /** The bytes the backend serves of result {@code name}. */
  private long served(BackendJobState end, String name) throws Exception {
    try (InputStream in = TestJobs.join(backend.openResult(end.jobId(), result(end, name)))) {
      return in.transferTo(OutputStream.nullOutputStream());
    }
  }
}
