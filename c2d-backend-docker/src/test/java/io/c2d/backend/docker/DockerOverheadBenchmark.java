package io.c2d.backend.docker;

import static io.c2d.backend.docker.TestJobs.raw;
import static io.c2d.backend.docker.TestJobs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.testkit.junit.Commands;
import io.c2d.testkit.junit.Requires;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wall time of a whole one-second job on the Docker backend (submit to its terminal report,
 * staging, collecting and clean-up included) against a bare {@code docker run --rm} of the same
 * image and command on the same engine, as the median ratio of a few alternating rounds. Not a unit
 * test (surefire does not pick it up by name); run it with
 *
 * <pre>
 * ./mvnw test -pl c2d-backend-docker -Dtest=DockerOverheadBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * <p>It writes its figures to {@code c2d-backend-docker/target/docker-overhead.txt}.
 */
@Requires(DockerEngine.class)
final class DockerOverheadBenchmark {
  private static final Logger logger = LoggerFactory.getLogger(DockerOverheadBenchmark.class);
  private static final int ROUNDS = 7;
  private static final String COMMAND = "sleep 1";

  @TempDir Path dir;

  @Test
  void oneSecondJobAgainstABareDockerRun() throws IOException {
    List<Double> ratios = new ArrayList<>();
    StringBuilder report = new StringBuilder();
    try (DockerComputeBackend backend =
        DockerComputeBackend.builder()
            .resultRoot(dir)
            .environment(TestJobs.environment(1 << 20, 64 * 1024))
            .instance("benchmark")
            .pullMissingImages(false)
            .build()) {
      TestJobs.Recorder recorder = new TestJobs.Recorder();
      for (int round = -1; round < ROUNDS; round++) { // round -1 warms both up
        long bare = bareRun();
        JobSpec spec = spec("bench-" + round, raw(COMMAND + "\n")).build();
        long start = System.nanoTime();
        TestJobs.join(backend.submit(spec, recorder));
        BackendJobState end = recorder.awaitEnd(spec.jobId());
        long job = System.nanoTime() - start;
        assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
        if (round >= 0) {
          double ratio = (double) job / bare;
          ratios.add(ratio);
          report.append(
              String.format(
                  Locale.ROOT,
                  "round %d: c2d job %d ms, bare docker run %d ms, ratio %.3f%n",
                  round,
                  job / 1_000_000,
                  bare / 1_000_000,
                  ratio));
        }
      }
    }
    List<Double> sorted = ratios.stream().sorted().toList();
    double median = sorted.get(sorted.size() / 2);
    report.append(String.format(Locale.ROOT, "median ratio: %.3f%n", median));
    Path out = Path.of("target", "docker-overhead.txt");
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, report.toString(), StandardCharsets.UTF_8);
    logger.warn("Docker backend overhead:\n{}", report);
    assertThat(median).isPositive();
  }

  private static long bareRun() {
    long start = System.nanoTime();
    Commands.Result result =
        DockerEngine.run(
            List.of(
                "docker",
                "run",
                "--rm",
                "--network",
                "none",
                DockerEngine.IMAGE + ":" + DockerEngine.TAG,
                "sh",
                "-c",
                COMMAND),
            60);
    long took = System.nanoTime() - start;
    assertThat(result.code()).as(result.output()).isZero();
    return took;
  }
}
