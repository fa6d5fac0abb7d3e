package io.c2d.ocean;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;

/**
 * The one JSON mapper of the Ocean documents, and the conversions between text and trees.
 *
 * <p>Stateless and thread-safe. {@link #read(String)} refuses what is not one JSON value with an
 * {@link InvalidRequestException} naming {@code "body"}.
 */
final class JsonText {
  /**
   * Strict where Ocean's own servers are lenient, because a repeated key or trailing text in a
   * signed body is more likely an attack than a typo; Jackson's default limits on nesting depth and
   * number length hold as well.
   */
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private JsonText() {}

  /** Reads one JSON value of at most {@link OceanJson#MAX_BODY_CHARS} characters. */
  static JsonNode read(String json) {
    requireNonNull(json, "json");
    if (json.length() > OceanJson.MAX_BODY_CHARS) {
      throw new InvalidRequestException(
          "body", "is longer than " + OceanJson.MAX_BODY_CHARS + " characters");
    }
    try {
      JsonNode node = MAPPER.readTree(json);
      if (node == null || node.isMissingNode()) {
        throw new InvalidRequestException("body", "is empty");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException(
          ErrorCode.INVALID_REQUEST,
          "body",
          "is not valid JSON: " + JsonFields.abbreviate(e.getOriginalMessage()),
          e);
    }
  }

  /** A tree as compact JSON text. */
  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      // Only trees this package built or read within the parser's limits are written.
      throw new IllegalStateException("a JSON tree cannot be written", e);
    }
  }

  static ArrayNode newArray() {
    return MAPPER.createArrayNode();
  }

  static ObjectNode newObject() {
    return MAPPER.createObjectNode();
  }
}
