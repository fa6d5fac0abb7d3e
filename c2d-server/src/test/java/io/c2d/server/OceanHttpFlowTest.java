package io.c2d.server;

import static io.c2d.server.HttpProvider.ALICE;
import static io.c2d.server.HttpProvider.BOB;
import static io.c2d.server.HttpProvider.awaitEnd;
import static io.c2d.server.HttpProvider.awaitRunning;
import static io.c2d.server.HttpProvider.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer flows of ocean.js through a small Java client of the endpoints, against the real
 * handler on the JDK's HTTP server, a real engine and the embedded backend's real processes.
 */
final class OceanHttpFlowTest {
  private static final String SUM =
      """
      awk -F, 'NR > 1 { s += $1 } END { print s }' "$INPUTS"/*/0 > "$OUTPUTS/sum.txt"
      echo summed
      """;

  @TempDir Path dir;
  private HttpProvider provider;

  @BeforeEach
  void start() throws Exception {
    provider = HttpProvider.start(dir);
  }

  @AfterEach
  void stop() {
    provider.close();
  }

  @Test
  void theRootDocumentListsOceanNodesEndpoints() throws Exception {
    HttpConsumer alice = new HttpConsumer(provider.url(), ALICE);
    // ocean.js sends "Authorization: undefined" on the root GET
    HttpConsumer.Reply reply =
        alice.send(
            "root",
            HttpRequest.newBuilder(provider.url())
                .header("Authorization", "undefined")
                .header("Content-type", "application/json")
                .GET());
    JsonNode root = reply.json();

    assertThat(root.path("providerAddress").asText()).isEqualTo(HttpProvider.PROVIDER.value());
    assertThat(root.path("chainIds").get(0).asText()).isEqualTo("8996");
    assertThat(root.path("software").asText()).isEqualTo("c2d");
    assertThat(root.path("version").asText()).isNotEmpty();
    JsonNode endpoints = root.path("serviceEndpoints");
    for (String name :
        List.of(
            "nonce",
            "computeEnvironments",
            "initializeCompute",
            "computeStart",
            "freeCompute",
            "computeStatus",
            "computeStop",
            "computeResult",
            "computeStreamableLogs",
            "computeDelete")) {
      assertThat(endpoints.path(name).size()).as(name).isEqualTo(2);
    }
    assertThat(endpoints.path("freeCompute").get(1).asText())
        .isEqualTo("/api/services/freeCompute");
    assertThat(endpoints.path("computeStop").get(0).asText()).isEqualTo("PUT");
  }

  @Test
  void aFreeJobRunsAndItsResultsDownloadWholeAndFromAnOffset() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    JsonNode environments = alice.environments();
    assertThat(environments.path(0).path("id").asText()).isEqualTo("local");
    assertThat(environments.path(0).path("free").isObject()).isTrue();
    assertThat(environments.path(0).path("consumerAddress").asText())
        .isEqualTo(HttpProvider.PROVIDER.value());
    assertThat(alice.nonce()).isZero();

    JsonNode started = alice.start(body(SUM), true);

    assertThat(started.isArray()).isTrue();
    String jobId = started.path(0).path("jobId").asText();
    assertThat(jobId).matches("[0-9a-f]{32}");
    assertThat(started.path(0).path("owner").asText()).isEqualTo(alice.address());
    assertThat(alice.nonce()).isEqualTo(1);
    JsonNode done = awaitEnd(alice, jobId, Duration.ofSeconds(30));
    assertThat(done.path("status").asInt()).isEqualTo(70);
    assertThat(done.path("c2dStatus").asInt()).isEqualTo(70);
    List<String> names = new ArrayList<>();
    for (JsonNode result : done.path("results")) {
      String name = result.path("filename").asText();
      names.add(name);
      int index = result.path("index").asInt();
      byte[] whole = alice.result(jobId, index, 0);
      assertThat((long) whole.length).as(name).isEqualTo(result.path("filesize").asLong());
      long half = whole.length / 2;
      if (half > 0) {
        byte[] tail = alice.result(jobId, index, half);
        assertThat(tail).as(name).isEqualTo(Arrays.copyOfRange(whole, (int) half, whole.length));
      }
      if (name.equals("sum.txt")) {
        assertThat(new String(whole, StandardCharsets.UTF_8)).isEqualTo("10\n");
      }
    }
    assertThat(names).contains("sum.txt", "algorithm.log", "configuration.log");
  }

  @Test
  void aRangeDownloadAnswers206WithItsContentRange() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    String jobId = alice.start(body(SUM), true).path(0).path("jobId").asText();
    JsonNode done = awaitEnd(alice, jobId, Duration.ofSeconds(30));
    JsonNode log = result(done, "algorithm.log");
    long size = log.path("filesize").asLong();

    HttpConsumer.Signature signature = alice.sign("getComputeResult");
    HttpConsumer.Reply reply =
        alice.send(
            "computeResult",
            alice
                .get(
                    "computeResult",
                    "consumerAddress="
                        + alice.address()
                        + "&jobId="
                        + jobId
                        + "&index="
                        + log.path("index").asInt()
                        + "&nonce="
                        + signature.nonce()
                        + "&signature="
                        + signature.value())
                .header("Range", "bytes=2-"));

    assertThat(reply.status()).isEqualTo(206);
    assertThat(reply.response().headers().firstValue("Content-Range"))
        .hasValue("bytes 2-" + (size - 1) + "/" + size);
    assertThat((long) reply.body().length).isEqualTo(size - 2);
  }

  @Test
  void liveLogsStreamWhileTheJobRunsAndEndWithIt() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    String script = "for i in 1 2 3 4 5 6; do echo line $i; sleep 0.3; done\n";
    String jobId = alice.start(body(script), true).path(0).path("jobId").asText();
    awaitRunning(alice, jobId);

    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    boolean endedAtFirstChunk;
    try (InputStream logs = alice.liveLogs(jobId)) {
      byte[] buffer = new byte[256];
      int n = logs.read(buffer);
      assertThat(n).isPositive();
      endedAtFirstChunk = alice.status(jobId).path(0).hasNonNull("dateFinished");
      seen.write(buffer, 0, n);
      logs.transferTo(seen);
    }

    assertThat(endedAtFirstChunk).as("the first chunk came before the job ended").isFalse();
    assertThat(seen.toString(StandardCharsets.UTF_8)).contains("line 1").contains("line 6");
    JsonNode done = alice.status(jobId).path(0);
    assertThat(done.hasNonNull("dateFinished")).as("the stream ends when the job ends").isTrue();
  }

  @Test
  void aLongJobStops() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    String jobId = alice.start(body("sleep 60\n"), true).path(0).path("jobId").asText();
    awaitRunning(alice, jobId);

    JsonNode stopped = alice.stop(jobId);

    assertThat(stopped.isArray()).isTrue();
    assertThat(stopped.path(0).path("jobId").asText()).isEqualTo(jobId);
    JsonNode done = awaitEnd(alice, jobId, Duration.ofSeconds(30));
    assertThat(done.path("status").asInt()).isEqualTo(70);
    assertThat(done.path("c2dStatus").asInt()).isEqualTo(102);
    assertThat(done.path("stopRequested").asBoolean()).isTrue();
  }

  @Test
  void aSecondWalletIsRefused403OnAnotherOwnersJob() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    HttpConsumer bob = provider.consumer(BOB);
    String jobId = alice.start(body("sleep 60\n"), true).path(0).path("jobId").asText();
    awaitRunning(alice, jobId);

    assertCallFails(() -> bob.liveLogs(jobId).close(), "computeStreamableLogs", 403);
    assertCallFails(() -> bob.result(jobId, 0, 0), "computeResult", 403);
    assertCallFails(() -> bob.stop(jobId), "computeStop", 403);
    assertCallFails(() -> bob.delete(jobId), "computeDelete", 403);
    assertCallFails(
        () ->
            bob.send(
                "computeStatus",
                bob.get("computeStatus", "consumerAddress=" + bob.address() + "&jobId=" + jobId)),
        "computeStatus",
        403);
    assertThat(
            bob.send("computeStatus", bob.get("computeStatus", "consumerAddress=" + bob.address()))
                .json())
        .as("bob's own jobs")
        .isEmpty();
    alice.stop(jobId);
  }

  @Test
  void aReplayedNonceIsRefused401() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    String jobId = alice.start(body(SUM), true).path(0).path("jobId").asText();
    awaitEnd(alice, jobId, Duration.ofSeconds(30));
    HttpConsumer.Signature signature = alice.sign("getComputeResult");
    String query =
        "consumerAddress="
            + alice.address()
            + "&jobId="
            + jobId
            + "&index=0&nonce="
            + signature.nonce()
            + "&signature="
            + signature.value();

    assertThat(alice.send("computeResult", alice.get("computeResult", query)).status())
        .isEqualTo(200);
    assertCallFails(
        () -> alice.send("computeResult", alice.get("computeResult", query)), "computeResult", 401);
    // a replayed start is refused too
    HttpConsumer.Signature spent = alice.sign("freeStartCompute");
    com.fasterxml.jackson.databind.node.ObjectNode body = body(SUM);
    body.put("consumerAddress", alice.address());
    body.put("nonce", "1");
    body.put("signature", alice.signatureOf("1", "freeStartCompute"));
    assertThat(spent.nonce()).isNotEqualTo("1");
    assertCallFails(
        () ->
            alice.send(
                "freeCompute",
                HttpRequest.newBuilder(alice.endpoint("freeCompute"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))),
        "freeCompute",
        401);
  }

  @Test
  void aDeleteRemovesTheJob() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    String jobId = alice.start(body(SUM), true).path(0).path("jobId").asText();
    awaitEnd(alice, jobId, Duration.ofSeconds(30));

    JsonNode deleted = alice.delete(jobId);

    assertThat(deleted.path(0).path("jobId").asText()).isEqualTo(jobId);
    assertCallFails(() -> alice.status(jobId), "computeStatus", 404);
    assertCallFails(() -> alice.result(jobId, 0, 0), "computeResult", 404);
    assertThat(dir.resolve("jobs").resolve(jobId)).doesNotExist();
  }

  @Test
  void aRunningJobCannotBeDeletedBeforeItIsStopped() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    String jobId = alice.start(body("sleep 60\n"), true).path(0).path("jobId").asText();
    awaitRunning(alice, jobId);

    assertCallFails(() -> alice.delete(jobId), "computeDelete", 409);
    alice.stop(jobId);
    awaitEnd(alice, jobId, Duration.ofSeconds(30));
    assertThat(alice.delete(jobId).path(0).path("jobId").asText()).isEqualTo(jobId);
  }

  static JsonNode result(JsonNode job, String name) {
    for (JsonNode result : job.path("results")) {
      if (result.path("filename").asText().equals(name)) {
        return result;
      }
    }
    throw new AssertionError("no result " + name + " in " + job);
  }

  static void assertCallFails(ThrowingCall call, String endpoint, int status) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            HttpConsumer.CallFailed.class,
            failed -> {
              assertThat(failed.endpoint()).isEqualTo(endpoint);
              assertThat(failed.status()).as(failed.getMessage()).isEqualTo(status);
              assertThat(failed.body()).startsWith("{").contains("\"error\"");
            });
  }

  /** A call that may fail. */
  interface ThrowingCall {
    void run() throws Exception;
  }
}
