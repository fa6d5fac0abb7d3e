package io.c2d.server;

import static io.c2d.server.HttpProvider.ALICE;
import static io.c2d.server.HttpProvider.awaitEnd;
import static io.c2d.server.HttpProvider.awaitRunning;
import static io.c2d.server.HttpProvider.body;
import static io.c2d.server.OceanHttpFlowTest.assertCallFails;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input and limits on the real handler and JDK server: oversized and slow bodies, idle
 * connections, missing, malformed and mistyped fields and parameters (each error names its field),
 * unknown jobs, assets and paths, ranges that cannot be served, too many live log streams.
 *
 * <p>The JDK server's request time and idle limits are JVM-wide; c2d-server's surefire
 * configuration sets them to 2 s for the tests.
 */
final class OceanHttpLimitsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SLEEP = "sleep 60\n";

  @TempDir Path dir;
  private HttpProvider provider;
  private HttpClient http;

  @BeforeEach
  void start() throws Exception {
    provider = HttpProvider.start(dir, b -> b.maxBodyBytes(4096).maxLiveLogStreams(1));
    http = HttpClient.newHttpClient();
  }

  @AfterEach
  void stop() {
    provider.close();
  }

  @Test
  void anOversizedBodyIsRefused413WithOrWithoutALength() throws Exception {
    byte[] big = ("{\"x\":\"" + "a".repeat(10_000) + "\"}").getBytes(StandardCharsets.UTF_8);

    Answer declared =
        send(post("/api/services/freeCompute").POST(HttpRequest.BodyPublishers.ofByteArray(big)));
    Answer chunked =
        send(
            post("/api/services/freeCompute")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));

    assertThat(declared.status).isEqualTo(413);
    assertThat(declared.json().path("field").asText()).isEqualTo("body");
    assertThat(chunked.status).isEqualTo(413);
    assertThat(chunked.json().path("error").asText()).contains("4096");
  }

  @Test
  void aBodySentTooSlowlyHasItsConnectionClosed() throws Exception {
    try (Socket socket = new Socket(provider.url().getHost(), provider.url().getPort())) {
      socket.setSoTimeout(15_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /api/services/freeCompute HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"consumer")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long started = System.nanoTime();

      String answer = readUntilClosed(socket.getInputStream());

      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertThat(took).isLessThan(Duration.ofSeconds(12));
      assertThat(answer).doesNotContain("HTTP/1.1 200");
    }
  }

  @Test
  void anIdleConnectionIsClosed() throws Exception {
    try (Socket socket = new Socket(provider.url().getHost(), provider.url().getPort())) {
      socket.setSoTimeout(15_000);
      long started = System.nanoTime();

      assertThat(readUntilClosed(socket.getInputStream())).isEmpty();

      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(12));
    }
  }

  @Test
  void everyMissingOrMalformedStartFieldIsNamed() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    ObjectNode good = signedBody(alice);

    assertRefused(startWith(good, b -> b.remove("consumerAddress")), 400, "consumerAddress");
    assertRefused(startWith(good, b -> b.remove("nonce")), 400, "nonce");
    assertRefused(startWith(good, b -> b.putObject("nonce")), 400, "nonce");
    assertRefused(startWith(good, b -> b.put("nonce", "12a")), 400, "nonce");
    assertRefused(startWith(good, b -> b.put("signature", "0x1234")), 400, "signature");
    assertRefused(startWith(good, b -> b.put("consumerAddress", "alice")), 400, "consumerAddress");
    assertRefused(startWith(good, b -> b.remove("environment")), 400, "environment");
    assertRefused(startWith(good, b -> b.put("environment", "nowhere")), 400, "environment");
    assertRefused(
        startWith(good, b -> b.withArray("datasets").addObject().put("documentId", "did:op:zz")),
        400,
        "datasets[1].documentId");
    assertRefused(startWith(good, b -> b.put("datasets", "all")), 400, "datasets");
    assertRefused(
        startWith(good, b -> ((ObjectNode) b.get("algorithm")).put("meta", 7)),
        400,
        "algorithm.meta");
    assertRefused(startWith(good, b -> b.put("maxJobDuration", "long")), 400, "maxJobDuration");
    assertRefused(startWith(good, b -> b.put("output", "0xabcdef")), 400, "output");
    assertRefused(raw("/api/services/freeCompute", "not json"), 400, "body");
    assertRefused(raw("/api/services/freeCompute", "[1,2]"), 400, "body");
    assertRefused(raw("/api/services/freeCompute", "{\"a\":1,\"a\":2}"), 400, "body");
    assertRefused(raw("/api/services/freeCompute", ""), 400, "body");
    assertThat(alice.nonce()).as("no refused body spent the nonce").isZero();
  }

  @Test
  void anUnknownAssetIs404NamingTheDid() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    ObjectNode body = signedBody(alice);
    String unknown = String.format("did:op:%064x", 99);
    body.withArray("datasets")
        .removeAll()
        .addObject()
        .put("documentId", unknown)
        .put("serviceId", "compute");

    Answer answer = raw("/api/services/freeCompute", body.toString());

    assertThat(answer.status).isEqualTo(404);
    assertThat(answer.json().path("code").asText()).isEqualTo("asset_not_found");
    assertThat(answer.json().path("error").asText()).contains(unknown);
  }

  @Test
  void everyMalformedQueryParameterIsNamed() throws Exception {
    String alice = new HttpConsumer(provider.url(), ALICE).address();

    assertRefused(get("/api/services/compute", ""), 400, "consumerAddress");
    assertRefused(get("/api/services/compute", "consumerAddress=bob"), 400, "consumerAddress");
    assertRefused(
        get("/api/services/compute", "consumerAddress=" + alice + "&jobId=../../etc"),
        400,
        "jobId");
    assertRefused(
        get("/api/services/compute", "consumerAddress=" + alice + "&consumerAddress=" + alice),
        400,
        "consumerAddress");
    assertRefused(get("/api/services/compute", "consumerAddress=%25zz"), 400, "consumerAddress");
    assertRefused(get("/api/services/nonce", ""), 400, "userAddress");
    String signed =
        "consumerAddress="
            + alice
            + "&jobId="
            + "ab".repeat(16)
            + "&nonce=1&signature=0x"
            + "1".repeat(130);
    assertRefused(
        get("/api/services/computeResult", signed + "&index=../../etc/passwd"), 400, "index");
    assertRefused(get("/api/services/computeResult", signed + "&index=-1"), 400, "index");
    assertRefused(
        get("/api/services/computeResult", signed.replace("&nonce=1", "") + "&index=0"),
        400,
        "nonce");
    assertRefused(
        get("/api/services/computeStreamableLogs", signed.replace("0x1111", "0x11zz")),
        400,
        "signature");
  }

  @Test
  void unknownJobsPathsAndMethodsAreTold() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    String unknownJob = "ab".repeat(16);

    assertCallFails(() -> alice.status(unknownJob), "computeStatus", 404);
    assertCallFails(() -> alice.stop(unknownJob), "computeStop", 404);
    assertCallFails(() -> alice.result(unknownJob, 0, 0), "computeResult", 404);
    Answer path = get("/api/services/files", "");
    assertThat(path.status).isEqualTo(404);
    assertThat(path.json().path("error").asText()).contains("/api/services/files");
    Answer method =
        send(
            HttpRequest.newBuilder(URI.create(provider.url() + "/api/services/computeResult"))
                .DELETE());
    assertThat(method.status).isEqualTo(405);
    assertThat(method.headers.firstValue("Allow")).hasValue("GET");
  }

  @Test
  void aRangeThatCannotBeServedIs416() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    String jobId = alice.start(body("echo hello\n"), true).path(0).path("jobId").asText();
    JsonNode done = awaitEnd(alice, jobId, Duration.ofSeconds(30));
    JsonNode log = OceanHttpFlowTest.result(done, "algorithm.log");
    long size = log.path("filesize").asLong();

    for (String range :
        new String[] {"bytes=" + size + "-", "bytes=-5", "bytes=1-2,4-5", "items=0-"}) {
      HttpConsumer.Signature signature = alice.sign("getComputeResult");
      Answer answer =
          send(
              HttpRequest.newBuilder(
                      URI.create(
                          alice.endpoint("computeResult")
                              + "?consumerAddress="
                              + alice.address()
                              + "&jobId="
                              + jobId
                              + "&index="
                              + log.path("index").asInt()
                              + "&nonce="
                              + signature.nonce()
                              + "&signature="
                              + signature.value()))
                  .header("Range", range)
                  .GET());

      assertThat(answer.status).as(range).isEqualTo(416);
      assertThat(answer.headers.firstValue("Content-Range")).as(range).hasValue("bytes */" + size);
      assertThat(answer.json().path("field").asText()).isEqualTo("Range");
    }
  }

  @Test
  void tooManyLiveLogStreamsAre503WithRetryAfter() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    String first = alice.start(body(SLEEP), true).path(0).path("jobId").asText();
    String second = alice.start(body(SLEEP), true).path(0).path("jobId").asText();
    awaitRunning(alice, first);
    awaitRunning(alice, second);

    try (InputStream open = alice.liveLogs(first)) {
      HttpConsumer.CallFailed refused = null;
      try {
        alice.liveLogs(second).close();
      } catch (HttpConsumer.CallFailed e) {
        refused = e;
      }
      assertThat(refused).isNotNull();
      assertThat(refused.status()).isEqualTo(503);
      assertThat(open).isNotNull();
    }
    alice.stop(first);
    alice.stop(second);
  }

  @Test
  void liveLogsOfAnEndedJobAre404WithAJsonBody() throws Exception {
    HttpConsumer alice = provider.consumer(ALICE);
    String jobId = alice.start(body("echo hi\n"), true).path(0).path("jobId").asText();
    awaitEnd(alice, jobId, Duration.ofSeconds(30));

    assertCallFails(() -> alice.liveLogs(jobId).close(), "computeStreamableLogs", 404);
  }

  // ---------------------------------------------------------------------------------------------

  private ObjectNode signedBody(HttpConsumer consumer) {
    ObjectNode body = body("echo hi\n");
    body.put("consumerAddress", consumer.address());
    body.put("nonce", "1");
    body.put("signature", consumer.signatureOf("1", "freeStartCompute"));
    return body;
  }

  private Answer startWith(ObjectNode good, java.util.function.Consumer<ObjectNode> change)
      throws Exception {
    ObjectNode body = good.deepCopy();
    change.accept(body);
    return raw("/api/services/freeCompute", body.toString());
  }

  private Answer raw(String path, String body) throws Exception {
    return send(post(path).POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private HttpRequest.Builder post(String path) {
    return HttpRequest.newBuilder(URI.create(provider.url() + path))
        .header("Content-Type", "application/json");
  }

  private Answer get(String path, String query) throws Exception {
    return send(
        HttpRequest.newBuilder(
                URI.create(provider.url() + path + (query.isEmpty() ? "" : "?" + query)))
            .GET());
  }

  private Answer send(HttpRequest.Builder request) throws Exception {
    HttpResponse<byte[]> response =
        http.send(
            request.timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    return new Answer(response.statusCode(), response.headers(), response.body());
  }

  private static void assertRefused(Answer answer, int status, String field) throws IOException {
    assertThat(answer.status).as("%s", answer).isEqualTo(status);
    JsonNode body = answer.json();
    assertThat(body.path("field").asText()).as("%s", answer).isEqualTo(field);
    assertThat(body.path("error").asText()).as("%s", answer).isNotBlank();
  }

  private static String readUntilClosed(InputStream in) throws IOException {
    StringBuilder text = new StringBuilder();
    byte[] buffer = new byte[1024];
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        text.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
      }
    } catch (java.net.SocketException e) {
      // a reset is a close too
    }
    return text.toString();
  }

  /** An answer as received. */
  private static final class Answer {
    final int status;
    final java.net.http.HttpHeaders headers;
    final byte[] body;

    Answer(int status, java.net.http.HttpHeaders headers, byte[] body) {
      this.status = status;
      this.headers = headers;
      this.body = body;
    }

    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }

    @Override
    public String toString() {
      return status + " " + new String(body, StandardCharsets.UTF_8);
    }
  }
}
