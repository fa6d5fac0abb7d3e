package io.c2d.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c2d.InvalidRequestException;

/** The one Jackson mapper of the model, and JSON checks on values handed in as text. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /** Returns {@code json} if it is a JSON object no longer than {@code maxLength}, else throws. */
  static String requireObject(String json, String field, int maxLength) {
    if (json.length() > maxLength) {
      throw new InvalidRequestException(field, "is longer than " + maxLength + " characters");
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException(
          io.c2d.ErrorCode.INVALID_REQUEST, field, "is not valid JSON", e);
    }
    if (node == null || !node.isObject()) {
      throw new InvalidRequestException(field, "must be a JSON object");
    }
    return json;
  }
}
