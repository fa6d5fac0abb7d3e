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
import io.c2d.testkit.junit.Requires;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The consumer flow through HTTP on the Docker backend, a real engine: a free job in a closed
 * container of the locally built test image, its live log, its results whole and from an offset,
 * 403 for another wallet, a stop, a delete. Skipped loudly without a Docker engine, failed when
 * {@code CI=true}.
 */
@Requires(DockerTestImage.class)
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
}
