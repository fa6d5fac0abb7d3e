package io.c2d.server;

import static io.c2d.server.HttpProvider.ALICE;
import static io.c2d.server.HttpProvider.awaitEnd;
import static io.c2d.server.HttpProvider.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c2d.model.ResultPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publisher's review end to end through the HTTP endpoints, with a real engine, the embedded
 * backend's real processes and the JDK's HTTP server on loopback: a consumer's job waits in
 * "awaiting release" (107) until the publisher, authenticated by its bearer token, releases or
 * rejects it, or the review's limit rejects it; the audit record lists every decision.
 */
final class ReviewHttpFlowTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "publisher-secret-token-0123456789abcdef";
  private static final String SUM =
      """
      awk -F, 'NR > 1 { s += $1 } END { print s }' "$INPUTS"/*/0 > "$OUTPUTS/sum.txt"
      echo summed
      """;

  @TempDir Path dir;
  private HttpProvider provider;

  @AfterEach
  void stop() {
    if (provider != null) {
      provider.close();
    }
  }

  @Test
  void pendingThenReleased() throws Exception {
    start(Duration.ofHours(1));
    HttpConsumer alice = provider.consumer(ALICE);
    String jobId = alice.start(body(SUM), true).path(0).path("jobId").asText();

    JsonNode held = awaitStatus(alice, jobId, 107);
    assertThat(held.path("statusText").asText()).isEqualTo("Awaiting release");
    assertThat(held.path("results")).isEmpty();
    JsonNode pending = publisher("GET", "/c2d/reviews", null).json();
    assertThat(pending).hasSize(1);
    assertThat(pending.path(0).path("jobId").asText()).isEqualTo(jobId);
    assertThat(pending.path(0).path("owner").asText()).isEqualToIgnoringCase(alice.address());
    assertThat(pending.path(0).path("proposals").toString()).contains("sum.txt");

    JsonNode released =
        publisher(
                "POST",
                "/c2d/reviews/release",
                "{\"jobId\":\"" + jobId + "\",\"reviewer\":\"dora\"}")
            .json();

    assertThat(released.path(0).path("c2dStatus").asInt()).isEqualTo(70);
    JsonNode done = awaitEnd(alice, jobId, Duration.ofSeconds(30));
    int sum = index(done, "sum.txt");
    assertThat(new String(alice.result(jobId, sum, 0), StandardCharsets.UTF_8)).isEqualTo("10\n");
    assertThat(publisher("GET", "/c2d/reviews", null).json()).isEmpty();
    JsonNode audit = publisher("GET", "/c2d/audit?jobId=" + jobId, null).json();
    assertThat(audit.toString()).contains("\"actor\":\"reviewer:dora\"");
    boolean hashed = false;
    for (JsonNode entry : audit) {
      if (entry.path("actor").asText().equals("reviewer:dora")
          && entry.path("result").asText().equals("sum.txt")) {
        assertThat(entry.path("verdict").asText()).isEqualTo("released");
        assertThat(entry.path("sha256").asText())
            .isEqualTo("917df3320d778ddbaa5c5c7742bc4046bf803c36ed2b050f30844ed206783469");
        hashed = true;
      }
    }
    assertThat(hashed).isTrue();
  }

  @Test
  void pendingThenRejectedDeletesTheResults() throws Exception {
    start(Duration.ofHours(1));
    HttpConsumer alice = provider.consumer(ALICE);
    String jobId = alice.start(body(SUM), true).path(0).path("jobId").asText();
    awaitStatus(alice, jobId, 107);
    assertThat(Files.exists(dir.resolve("jobs").resolve(jobId))).isTrue();

    publisher(
        "POST",
        "/c2d/reviews/reject",
        "{\"jobId\":\"" + jobId + "\",\"reviewer\":\"dora\",\"reason\":\"names a person\"}");

    JsonNode done = awaitEnd(alice, jobId, Duration.ofSeconds(30));
    assertThat(done.path("resultNotices").toString())
        .contains("rejected by the publisher's review: names a person");
    int sum = index(done, "sum.txt");
    assertThatThrownBy(() -> alice.result(jobId, sum, 0))
        .isInstanceOfSatisfying(
            HttpConsumer.CallFailed.class,
            e -> {
              assertThat(e.status()).isEqualTo(403);
              assertThat(e.body()).contains("result_withheld").doesNotContain("10");
            });
    assertThat(Files.exists(dir.resolve("jobs").resolve(jobId))).isFalse();
    assertThat(publisher("GET", "/c2d/audit", null).json().toString()).contains("names a person");
  }

  @Test
  void pendingTimedOutIsRejected() throws Exception {
    start(Duration.ofSeconds(1));
    HttpConsumer alice = provider.consumer(ALICE);
    String jobId = alice.start(body(SUM), true).path(0).path("jobId").asText();

    JsonNode done = awaitEnd(alice, jobId, Duration.ofSeconds(30));

    assertThat(done.path("resultNotices").toString())
        .contains("the publisher did not review the results within PT1S");
    assertThat(publisher("GET", "/c2d/audit?jobId=" + jobId, null).json().toString())
        .contains("\"actor\":\"review-timeout\"");
    assertThat(Files.exists(dir.resolve("jobs").resolve(jobId))).isFalse();
  }

  @Test
  void theReviewerMayRedactAResultOverHttp() throws Exception {
    start(Duration.ofHours(1));
    HttpConsumer alice = provider.consumer(ALICE);
    String jobId = alice.start(body(SUM), true).path(0).path("jobId").asText();
    awaitStatus(alice, jobId, 107);
    String content =
        Base64.getEncoder().encodeToString("rounded: 10\n".getBytes(StandardCharsets.UTF_8));

    publisher(
        "POST",
        "/c2d/reviews/redact",
        "{\"jobId\":\""
            + jobId
            + "\",\"reviewer\":\"dora\",\"result\":\"sum.txt\",\"reason\":\"rounded\",\"content\":\""
            + content
            + "\"}");
    publisher(
        "POST", "/c2d/reviews/release", "{\"jobId\":\"" + jobId + "\",\"reviewer\":\"dora\"}");

    JsonNode done = awaitEnd(alice, jobId, Duration.ofSeconds(30));
    assertThat(new String(alice.result(jobId, index(done, "sum.txt"), 0), StandardCharsets.UTF_8))
        .isEqualTo("rounded: 10\n");
  }

  @Test
  void everyBadCallToTheReviewEndpointsGetsATypedError() throws Exception {
    start(Duration.ofHours(1));
    HttpConsumer alice = provider.consumer(ALICE);
    String jobId = alice.start(body(SUM), true).path(0).path("jobId").asText();

    assertError(call("GET", "/c2d/reviews", null, null), 401, "publisher_unauthorized");
    assertError(call("GET", "/c2d/reviews", null, "Bearer wrong"), 401, "publisher_unauthorized");
    assertError(call("GET", "/c2d/audit", null, "Basic " + TOKEN), 401, "publisher_unauthorized");
    assertError(call("POST", "/c2d/reviews", "{}", "Bearer " + TOKEN), 405, "method_not_allowed");
    assertError(
        call("GET", "/c2d/reviews/release", null, "Bearer " + TOKEN), 405, "method_not_allowed");
    assertError(call("POST", "/c2d/reviews/approve", "{}", "Bearer " + TOKEN), 404, "not_found");
    assertError(
        call("POST", "/c2d/reviews/release", "not json", "Bearer " + TOKEN),
        400,
        "invalid_request");
    assertError(
        call("POST", "/c2d/reviews/release", "{\"reviewer\":\"dora\"}", "Bearer " + TOKEN),
        400,
        "jobId");
    assertError(
        call(
            "POST",
            "/c2d/reviews/release",
            "{\"jobId\":\"xyz\",\"reviewer\":\"dora\"}",
            "Bearer " + TOKEN),
        400,
        "jobId");
    assertError(
        call(
            "POST",
            "/c2d/reviews/release",
            "{\"jobId\":\"" + "f".repeat(32) + "\",\"reviewer\":\"dora\"}",
            "Bearer " + TOKEN),
        404,
        "job_not_found");
    assertError(
        call(
            "POST",
            "/c2d/reviews/release",
            "{\"jobId\":\"" + jobId + "\",\"reviewer\":\"no spaces\"}",
            "Bearer " + TOKEN),
        400,
        "reviewer");
    assertError(
        call(
            "POST",
            "/c2d/reviews/redact",
            "{\"jobId\":\""
                + jobId
                + "\",\"reviewer\":\"dora\",\"result\":\"sum.txt\",\"reason\":\"r\",\"content\":\"%%%\"}",
            "Bearer " + TOKEN),
        400,
        "content");
    assertError(call("GET", "/c2d/audit?jobId=nope", null, "Bearer " + TOKEN), 400, "jobId");
    awaitStatus(alice, jobId, 107);
    publisher(
        "POST", "/c2d/reviews/release", "{\"jobId\":\"" + jobId + "\",\"reviewer\":\"dora\"}");
    assertError(
        call(
            "POST",
            "/c2d/reviews/release",
            "{\"jobId\":\"" + jobId + "\",\"reviewer\":\"dora\"}",
            "Bearer " + TOKEN),
        409,
        "job_not_awaiting_release");
  }

  @Test
  void withoutAConfiguredTokenTheReviewEndpointsAreOff() throws Exception {
    provider =
        HttpProvider.start(
            dir,
            engine -> engine.resultPolicy(ResultPolicy.of(List.of(), true)),
            UnaryOperator.identity());

    assertError(call("GET", "/c2d/reviews", null, "Bearer " + TOKEN), 401, "no publisher token");
  }

  // ---------------------------------------------------------------------------------------------

  private void start(Duration reviewTimeout) throws IOException {
    provider =
        HttpProvider.start(
            dir,
            engine ->
                engine
                    .resultPolicy(
                        ResultPolicy.of(List.of(ResultPolicy.Filter.named("allow-list")), true))
                    .reviewTimeout(reviewTimeout),
            handler -> handler.publisherToken(TOKEN));
  }

  private Answer publisher(String method, String path, String body) throws Exception {
    Answer reply = call(method, path, body, "Bearer " + TOKEN);
    assertThat(reply.status()).as(reply.text()).isEqualTo(200);
    return reply;
  }

  private Answer call(String method, String path, String body, String authorization)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(provider.url() + "api/services" + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    request.header("Content-Type", "application/json");
    HttpResponse<String> response =
        HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofString());
    return new Answer(response.statusCode(), response.body());
  }

  private static void assertError(Answer reply, int status, String mentions) {
    assertThat(reply.status()).as(reply.text()).isEqualTo(status);
    assertThat(reply.text()).contains(mentions);
  }

  private static JsonNode awaitStatus(HttpConsumer consumer, String jobId, int c2dStatus)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      JsonNode job = consumer.status(jobId).path(0);
      if (job.path("c2dStatus").asInt() == c2dStatus) {
        return job;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("job " + jobId + " never reached " + c2dStatus + ": " + job);
      }
      Thread.sleep(50);
    }
  }

  private static int index(JsonNode job, String name) {
    for (JsonNode result : job.path("results")) {
      if (result.path("filename").asText().equals(name)) {
        return result.path("index").asInt();
      }
    }
    throw new AssertionError("no result " + name + " in " + job);
  }

  /** An answer of the review endpoints. */
  private record Answer(int status, String text) {
    JsonNode json() throws IOException {
      return JSON.readTree(text);
    }
  }
}
