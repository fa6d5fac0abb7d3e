package io.c2d.backend.docker;

import static io.c2d.backend.docker.TestJobs.dataset;
import static io.c2d.backend.docker.TestJobs.did;
import static io.c2d.backend.docker.TestJobs.outputNames;
import static io.c2d.backend.docker.TestJobs.raw;
import static io.c2d.backend.docker.TestJobs.read;
import static io.c2d.backend.docker.TestJobs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.testkit.junit.Requires;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile algorithms on the real engine: each test proves that the sandbox held and that the job
 * ended in the right status. No test sends traffic anywhere: the network test only looks at the
 * container's interfaces and routes.
 */
@Requires(DockerEngine.class)
final class DockerSandboxTest {
  private static final long OUTPUT_CAP = 64 * 1024;

  @TempDir Path dir;
  private DockerComputeBackend backend;
  private final TestJobs.Recorder recorder = new TestJobs.Recorder();

  @BeforeEach
  void start() {
    backend =
        DockerComputeBackend.builder()
            .resultRoot(dir.resolve("results"))
            .environment(TestJobs.environment(OUTPUT_CAP, 64 * 1024))
            .instance("sandbox-test")
            .pidsLimit(32)
            .pullMissingImages(false)
            .build();
  }

  @AfterEach
  void stop() {
    backend.close();
  }

  private BackendJobState run(JobSpec spec) {
    TestJobs.join(backend.submit(spec, recorder));
    BackendJobState end = recorder.awaitEnd(spec.jobId());
    assertThat(TestJobs.leftovers(spec.jobId())).as("containers and volumes left").isEmpty();
    return end;
  }

  @Test
  void hasNoNetworkButLoopback() {
    BackendJobState end =
        run(
            spec(
                    "network",
                    raw(
                        """
                        ls /sys/class/net > $OUTPUTS/interfaces
                        tail -n +2 /proc/net/route | wc -l > $OUTPUTS/routes
                        """))
                .build());

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(backend, end, "interfaces").strip()).isEqualTo("lo");
    assertThat(read(backend, end, "routes").strip()).isEqualTo("0");
  }

  @Test
  void cannotWriteOutsideItsOutputs() throws IOException {
    Path input = Files.writeString(dir.resolve("input.csv"), "a,b\n1,2\n");
    String in = "/data/inputs/" + did(1).id() + "/0";
    String script =
        "try() { if sh -c \"$1\" 2>/dev/null; then echo \"WROTE $1\"; else echo \"refused $1\"; fi; }\n"
            + "{\n"
            + "try 'echo x > /etc/evil'\n"
            + "try 'echo x > /bin/evil'\n"
            + "try 'echo x > "
            + in
            + "'\n"
            + "try 'rm -f "
            + in
            + "'\n"
            + "try 'chmod 666 "
            + in
            + "'\n"
            + "try 'touch /data/evil'\n"
            + "try 'mkdir /data/inputs/evil'\n"
            + "try 'echo x > /data/transformations/algorithm'\n"
            + "try 'echo x > /data/ddos/evil'\n"
            + "} > $OUTPUTS/report\n"
            + "id -u > $OUTPUTS/uid\n"
            + "echo ok > /tmp/scratch && cat /tmp/scratch > $OUTPUTS/tmp\n";
    BackendJobState end = run(spec("rootfs", raw(script), dataset(1, input.toUri())).build());

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
    String report = read(backend, end, "report");
    assertThat(report).doesNotContain("WROTE");
    assertThat(report.lines()).hasSize(9).allMatch(line -> line.startsWith("refused"));
    assertThat(read(backend, end, "uid").strip()).isEqualTo("65534");
    assertThat(read(backend, end, "tmp").strip()).isEqualTo("ok");
    assertThat(Files.readString(input)).isEqualTo("a,b\n1,2\n");
  }

  @Test
  void forkBombIsHeldByThePidsLimit() {
    String script =
        """
        n=0
        while [ $n -lt 1000 ]; do
          sleep 120 &
          n=$((n+1))
          echo $n > $OUTPUTS/forks
        done
        """;
    JobSpec spec = spec("fork-bomb", raw(script)).maxDuration(Duration.ofSeconds(30)).build();
    Instant started = Instant.now();
    BackendJobState end = run(spec);

    assertThat(end.status()).isIn(JobStatus.ALGORITHM_FAILED, JobStatus.TIMED_OUT);
    assertThat(Duration.between(started, Instant.now())).isLessThan(Duration.ofSeconds(50));
    int forks = Integer.parseInt(read(backend, end, "forks").strip());
    assertThat(forks).isPositive().isLessThan(32);
  }

  @Test
  void runsOutOfMemory() {
    String script = "awk 'BEGIN { s = \"xxxxxxxxxxxxxxxx\"; while (1) { s = s s } }'\n";
    BackendJobState end =
        run(spec("oom", raw(script)).resources(Resources.of(0.5, 32, 256, 0)).build());

    assertThat(end.status()).isEqualTo(JobStatus.OUT_OF_MEMORY);
    assertThat(end.detail()).contains("memory");
  }

  @Test
  void neverEndsAndTimesOut() {
    Instant started = Instant.now();
    BackendJobState end =
        run(spec("forever", raw("sleep 600\n")).maxDuration(Duration.ofSeconds(2)).build());

    assertThat(end.status()).isEqualTo(JobStatus.TIMED_OUT);
    assertThat(end.detail()).contains("maximum duration");
    assertThat(Duration.between(started, Instant.now())).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void outputsOverTheCapAreCut() {
    BackendJobState end =
        run(spec("too-much", raw("head -c 100000 /dev/zero > $OUTPUTS/big\n")).build());

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED_TRUNCATED);
    assertThat(TestJobs.result(end, "big").size()).isEqualTo(OUTPUT_CAP);
    assertThat(read(backend, end, "big")).hasSize((int) OUTPUT_CAP);
    assertThat(end.detail()).contains("cap");
  }

  @Test
  void symbolicLinksInOutputsAreNotFollowed() {
    String script =
        """
        ln -s /etc/passwd $OUTPUTS/passwd
        ln -s / $OUTPUTS/root
        mkdir $OUTPUTS/dir && ln -s ../../inputs $OUTPUTS/dir/inputs
        echo ok > $OUTPUTS/ok
        """;
    BackendJobState end = run(spec("symlink", raw(script)).build());

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(outputNames(end)).containsExactly("ok");
    assertThat(read(backend, end, "publish.log")).contains("symbolic link");
    assertThat(read(backend, end, "ok").strip()).isEqualTo("ok");
  }

  @Test
  void cannotReadTheProvidersFiles() throws IOException {
    Path secret = Files.writeString(dir.resolve("provider-secret.txt"), "do not leak");
    Path input = Files.writeString(dir.resolve("input.txt"), "mine");
    String script =
        "for p in "
            + secret
            + " "
            + dir
            + " "
            + dir.resolve("results")
            + " /work /root; do\n"
            + "  if [ -e \"$p\" ]; then echo \"present $p\"; else echo \"absent $p\"; fi\n"
            + "done > $OUTPUTS/paths\n"
            + "cat /proc/mounts > $OUTPUTS/mounts\n"
            + "find /data/inputs -type f | sort > $OUTPUTS/inputs\n"
            + "find / -path /proc -prune -o -path /sys -prune -o -name 'provider-secret*' -print"
            + " > $OUTPUTS/found 2>/dev/null; true\n";
    BackendJobState end = run(spec("provider", raw(script), dataset(1, input.toUri())).build());

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(backend, end, "paths").lines()).allMatch(line -> line.startsWith("absent"));
    assertThat(read(backend, end, "mounts")).doesNotContain(dir.toString());
    assertThat(read(backend, end, "inputs").lines())
        .as("only the job's own inputs are visible")
        .containsExactly("/data/inputs/" + did(1).id() + "/0", "/data/inputs/algoCustomData.json");
    assertThat(read(backend, end, "found")).isEmpty();
    assertThat(Files.readString(secret, StandardCharsets.UTF_8)).isEqualTo("do not leak");
  }
}
