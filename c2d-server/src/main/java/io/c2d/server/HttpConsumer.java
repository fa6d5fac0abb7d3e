package io.c2d.server;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.model.OceanSignature;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;

/**
 * A small Java client of Ocean's compute endpoints that calls and signs as ocean.js 8.6.2 does: the
 * endpoints come from the root document, a signed call's message is the EIP-55 consumer address,
 * then the nonce (the provider's nonce plus one), then the command, and the signature is EIP-191
 * over its keccak-256 digest. A failed call throws a {@link CallFailed} that names the endpoint,
 * its status and its body. Thread-safe (one nonce at a time per client).
 */
final class HttpConsumer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final URI provider;
  private final ConsumerKey key;
  private final String address;
  private final HttpClient http;
  private final Object nonceLock = new Object();
  private Map<String, URI> endpoints = Map.of();

  HttpConsumer(URI provider, ConsumerKey key) {
    this.provider = requireNonNull(provider, "provider");
    this.key = requireNonNull(key, "key");
    this.address = Keys.toChecksumAddress(key.address().value());
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** The consumer's address as ocean.js sends it (EIP-55). */
  String address() {
    return address;
  }

  /** {@code GET /}: the root document; also learns the endpoints. */
  JsonNode root() throws IOException, InterruptedException {
    Reply reply = send("root", HttpRequest.newBuilder(provider).GET());
    JsonNode root = reply.json();
    Map<String, URI> found = new LinkedHashMap<>();
    String base = provider.toString().replaceAll("/+$", "");
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("serviceEndpoints").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String path = entry.getValue().path(1).asText().replaceAll("^/+", "");
      found.put(entry.getKey(), URI.create(base + "/" + path));
    }
    endpoints = Map.copyOf(found);
    return root;
  }

  long nonce() throws IOException, InterruptedException {
    Reply reply = send("nonce", get("nonce", "userAddress=" + address));
    return reply.json().path("nonce").asLong(0);
  }

  JsonNode environments() throws IOException, InterruptedException {
    return send("computeEnvironments", get("computeEnvironments", "")).json();
  }

  /**
   * {@code POST initializeCompute}, unsigned as ocean.js sends it: {@code body} holds the datasets,
   * algorithm, environment, payment and maximum duration; the consumer is added here.
   */
  JsonNode initialize(ObjectNode body) throws IOException, InterruptedException {
    ObjectNode sent = body.deepCopy();
    sent.put("consumerAddress", address);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint("initializeCompute"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(sent.toString()));
    return send("initializeCompute", request).json();
  }

  /**
   * {@code POST freeCompute} (free) or {@code computeStart}: {@code body} holds the datasets,
   * algorithm and environment; the consumer, nonce and signature are added here.
   */
  JsonNode start(ObjectNode body, boolean free) throws IOException, InterruptedException {
    String name = free ? "freeCompute" : "computeStart";
    ObjectNode signed = body.deepCopy();
    Signature signature = sign(free ? "freeStartCompute" : "startCompute");
    signed.put("consumerAddress", address);
    signed.put("nonce", signature.nonce());
    signed.put("signature", signature.value());
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint(name))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(signed.toString()));
    return send(name, request).json();
  }

  JsonNode status(String jobId) throws IOException, InterruptedException {
    return send(
            "computeStatus", get("computeStatus", "consumerAddress=" + address + "&jobId=" + jobId))
        .json();
  }

  JsonNode stop(String jobId) throws IOException, InterruptedException {
    Signature signature = sign("stopCompute");
    HttpRequest.Builder request =
        HttpRequest.newBuilder(withQuery(endpoint("computeStop"), signed(signature, jobId)))
            .PUT(HttpRequest.BodyPublishers.noBody());
    return send("computeStop", request).json();
  }

  JsonNode delete(String jobId) throws IOException, InterruptedException {
    Signature signature = sign(io.c2d.server.http.OceanComputeHandler.DELETE_COMMAND);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(withQuery(endpoint("computeDelete"), signed(signature, jobId)))
            .DELETE();
    return send("computeDelete", request).json();
  }

  /** {@code GET computeResult}, from byte {@code offset} on when it is positive. */
  byte[] result(String jobId, int index, long offset) throws IOException, InterruptedException {
    Signature signature = sign("getComputeResult");
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                withQuery(endpoint("computeResult"), signed(signature, jobId) + "&index=" + index))
            .GET();
    if (offset > 0) {
      request.header("Range", "bytes=" + offset + "-");
    }
    return send("computeResult", request).body();
  }

  /** {@code GET computeStreamableLogs}: the live log as it streams; the caller closes it. */
  InputStream liveLogs(String jobId) throws IOException, InterruptedException {
    Signature signature = sign("getComputeStreamableLogs");
    HttpRequest request =
        HttpRequest.newBuilder(
                withQuery(endpoint("computeStreamableLogs"), signed(signature, jobId)))
            .GET()
            .build();
    HttpResponse<InputStream> response =
        http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() != 200) {
      byte[] body;
      try (InputStream in = response.body()) {
        body = in.readAllBytes();
      }
      throw new CallFailed(
          "computeStreamableLogs", response.statusCode(), new String(body, StandardCharsets.UTF_8));
    }
    return response.body();
  }

  /** A signed query's members: consumer, job, nonce and signature, URL-encoded. */
  private String signed(Signature signature, String jobId) {
    return "consumerAddress="
        + address
        + "&jobId="
        + encode(jobId)
        + "&nonce="
        + signature.nonce()
        + "&signature="
        + signature.value();
  }

  /** Signs {@code command} with the next nonce, as ocean.js does. */
  Signature sign(String command) throws IOException, InterruptedException {
    synchronized (nonceLock) {
      String nonce = Long.toString(nonce() + 1);
      return new Signature(nonce, signatureOf(nonce, command));
    }
  }

  /** Ocean's signature of {@code address + nonce + command}. */
  String signatureOf(String nonce, String command) {
    byte[] digest = Hash.sha3((address + nonce + command).getBytes(StandardCharsets.UTF_8));
    // as ocean.js signs it: without the digest's leading zero bytes
    return key.personalSign(OceanSignature.signedDigestBytes(digest));
  }

  Reply send(String name, HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<byte[]> response =
        http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
    Reply reply = new Reply(response.statusCode(), response.body(), response);
    if (reply.status() / 100 != 2) {
      throw new CallFailed(name, reply.status(), reply.text());
    }
    return reply;
  }

  HttpRequest.Builder get(String name, String query) {
    return HttpRequest.newBuilder(withQuery(endpoint(name), query)).GET();
  }

  URI endpoint(String name) {
    URI uri = endpoints.get(name);
    if (uri == null) {
      throw new IllegalStateException(
          "the provider lists no endpoint " + name + " (call root() first): " + endpoints.keySet());
    }
    return uri;
  }

  private static URI withQuery(URI endpoint, String query) {
    return query.isEmpty() ? endpoint : URI.create(endpoint + "?" + query);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** A nonce and the signature made with it. */
  record Signature(String nonce, String value) {}

  /** An answer: status, headers and body. */
  static final class Reply {
    private final int status;
    private final byte[] body;
    private final HttpResponse<byte[]> response;

    Reply(int status, byte[] body, HttpResponse<byte[]> response) {
      this.status = status;
      this.body = body;
      this.response = response;
    }

    int status() {
      return status;
    }

    byte[] body() {
      return body.clone();
    }

    HttpResponse<byte[]> response() {
      return response;
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  /** A call answered with an error status. */
  static final class CallFailed extends IOException {
    private static final long serialVersionUID = 1L;

    private final String endpoint;
    private final int status;
    private final String body;

    CallFailed(String endpoint, int status, String body) {
      super(endpoint + " answered " + status + ": " + body);
      this.endpoint = endpoint;
      this.status = status;
      this.body = body;
    }

    String endpoint() {
      return endpoint;
    }

    int status() {
      return status;
    }

    String body() {
      return body;
    }
  }
}
