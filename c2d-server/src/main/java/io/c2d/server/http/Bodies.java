package io.c2d.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads request bodies with a size limit and parses them as JSON objects; every failure is an
 * {@link InvalidRequestException} naming {@code "body"} (a body over the limit, {@value
 * #TOO_LARGE}, answers 413). Stateless and thread-safe.
 */
final class Bodies {
  /** The field an over-long body names; the error mapping answers 413 for it. */
  static final String TOO_LARGE = "body.size";

  static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  private Bodies() {}

  /**
   * The body's bytes, refusing it unread when its declared length is over {@code limit} and
   * stopping reading as soon as it passes the limit.
   */
  static byte[] read(ProviderRequest request, int limit) throws IOException {
    String declared = request.header("Content-Length").orElse(null);
    if (declared != null) {
      long length;
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        throw new InvalidRequestException(
            ErrorCode.INVALID_REQUEST, "Content-Length", "is not a number", e);
      }
      if (length > limit) {
        throw new InvalidRequestException(
            TOO_LARGE, "the body has " + length + " bytes; at most " + limit + " are accepted");
      }
    }
    InputStream in = request.body();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int total = 0;
    for (int n; (n = in.read(buffer)) >= 0; ) {
      total += n;
      if (total > limit) {
        throw new InvalidRequestException(
            TOO_LARGE,
            "the body has more than " + limit + " bytes; at most " + limit + " are accepted");
      }
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }

  /** The body as a JSON object. */
  static ObjectNode object(byte[] body) {
    if (body.length == 0) {
      throw new InvalidRequestException("body", "is empty; expected a JSON object");
    }
    JsonNode node;
    try {
      node = JSON.readTree(new String(body, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException(
          ErrorCode.INVALID_REQUEST, "body", "is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (!(node instanceof ObjectNode object)) {
      throw new InvalidRequestException("body", "expected a JSON object");
    }
    return object;
  }
}
