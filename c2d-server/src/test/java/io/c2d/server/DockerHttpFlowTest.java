package io.c2d.server;

import static io.c2d.server.HttpProvider.ALICE;
import static io.c2d.server.HttpProvider.BOB;
import static io.c2d.server.HttpProvider.awaitEnd;
import static io.c2d.server.HttpProvider.awaitRunning;
import static io.c2d.server.HttpProvider.body;
import static io.c2d.server.OceanHttpFlowTest.assertCallFails;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.c2d.backend.docker.DockerComputeBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The consumer flow through HTTP on the Docker backend, a real engine: a free job in a closed
 * container of the locally built test image, its live log, its results whole and from an offset,
 * 403 for another wallet, a stop, a delete. Skipped loudly without a Docker engine, failed when
 * {@code CI=true}.
 */
@ExtendWith(DockerHttpFlowTest.DockerEngine.class)
final class DockerHttpFlowTest {
  private static final String IMAGE = "c2d-test/busybox";
  private static final String TAG = "1";

  @org.junit.jupiter.api.io.TempDir Path dir;
  private HttpProvider provider;

  @BeforeEach
  void start() throws Exception {
    DockerComputeBackend docker =
        DockerComputeBackend.builder()
            .resultRoot(dir.resolve("results"))
            .environment(HttpProvider.environment())
            .instance("c2d-http-" + UUID.randomUUID().toString().substring(0, 8))
            .pullMissingImages(false)
            .build();
    provider = HttpProvider.start(dir, docker, UnaryOperator.identity());
  }

  @AfterEach
  void stop() {
    provider.close();
  }

  @Test
  void aFreeJobRunsInAContainerWithLiveLogsAndResults() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    HttpConsumer bob = provider.consumer(BOB);
    String script =
        """
        for i in 1 2 3 4 5; do echo tick $i; sleep 0.4; done
        awk -F, 'NR > 1 { s += $1 } END { print s }' "$INPUTS"/*/0 > "$OUTPUTS/sum.txt"
        """;
    String jobId = alice.start(body(script, IMAGE, TAG), true).path(0).path("jobId").asText();
    awaitRunning(alice, jobId);

    assertCallFails(() -> bob.liveLogs(jobId).close(), "computeStreamableLogs", 403);
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    try (InputStream logs = alice.liveLogs(jobId)) {
      logs.transferTo(seen);
    }
    assertThat(seen.toString(StandardCharsets.UTF_8)).contains("tick 1").contains("tick 5");

    JsonNode done = awaitEnd(alice, jobId, Duration.ofSeconds(60));
    assertThat(done.path("c2dStatus").asInt()).as("%s", done).isEqualTo(70);
    JsonNode sum = OceanHttpFlowTest.result(done, "sum.txt");
    byte[] whole = alice.result(jobId, sum.path("index").asInt(), 0);
    assertThat(new String(whole, StandardCharsets.UTF_8)).isEqualTo("10\n");
    JsonNode log = OceanHttpFlowTest.result(done, "algorithm.log");
    byte[] logBytes = alice.result(jobId, log.path("index").asInt(), 0);
    assertThat(alice.result(jobId, log.path("index").asInt(), 4))
        .isEqualTo(Arrays.copyOfRange(logBytes, 4, logBytes.length));
    assertCallFails(() -> bob.result(jobId, 0, 0), "computeResult", 403);

    alice.delete(jobId);
    assertCallFails(() -> alice.status(jobId), "computeStatus", 404);
  }

  @Test
  void aLongJobInAContainerStops() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    String jobId =
        alice.start(body("sleep 120\n", IMAGE, TAG), true).path(0).path("jobId").asText();
    awaitRunning(alice, jobId);

    assertThat(alice.stop(jobId).path(0).path("jobId").asText()).isEqualTo(jobId);

    JsonNode done = awaitEnd(alice, jobId, Duration.ofSeconds(60));
    assertThat(done.path("c2dStatus").asInt()).isEqualTo(102);
    alice.delete(jobId);
  }

  /** Enabled where a Docker engine answers and the test image builds. */
  static final class DockerEngine implements ExecutionCondition {
    private static volatile String problem;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      String found = problem;
      if (found == null) {
        found = check();
        problem = found;
      }
      if (found.isEmpty()) {
        return ConditionEvaluationResult.enabled("a Docker engine answers");
      }
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException("CI=true but the Docker HTTP tests cannot run: " + found);
      }
      org.slf4j.LoggerFactory.getLogger(DockerHttpFlowTest.class)
          .warn("SKIPPING the Docker HTTP tests: {}", found);
      return ConditionEvaluationResult.disabled("SKIPPED, no Docker engine: " + found);
    }

    private static String check() {
      try {
        if (run(List.of("docker", "info", "--format", "{{.ServerVersion}}")) != 0) {
          return "`docker info` failed";
        }
        // the image c2d-backend-docker's tests build, from Debian's busybox-static
        Path script = Path.of("../c2d-backend-docker/src/test/resources/build-test-image.sh");
        if (run(List.of("bash", script.toString(), IMAGE + ":" + TAG)) != 0) {
          return "building " + IMAGE + ":" + TAG + " failed";
        }
        return "";
      } catch (IOException e) {
        return e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted";
      }
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
      if (!process.waitFor(180, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return -1;
      }
      return process.exitValue();
    }
  }
}
