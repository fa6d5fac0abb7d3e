package io.c2d.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.c2d.InvalidRequestException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which result filters check a job's outputs and logs before its owner may see them, in order, with
 * each filter's parameters, and whether the publisher reviews the results before release. The
 * publisher's configuration gives one for every asset; an asset's DDO may add its own in its
 * compute policy ({@link ComputePolicy#resultPolicy()}), as {@code compute.resultFilters}:
 *
 * <pre>{@code
 * "resultFilters": {
 *   "review": true,
 *   "filters": [ { "name": "allow-list", "parameters": { "types": "csv,json" } } ]
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ResultPolicy {
  /** No filter and no review: results are served as the backend collected them. */
  public static final ResultPolicy NONE = new ResultPolicy(List.of(), false);

  private static final int MAX_FILTERS = 16;
  private static final int MAX_PARAMETERS = 64;
  private static final int MAX_KEY = 64;
  private static final int MAX_VALUE = 1024;

  private final List<Filter> filters;
  private final boolean review;

  private ResultPolicy(List<Filter> filters, boolean review) {
    this.filters = List.copyOf(filters);
    this.review = review;
  }

  /**
   * A policy of {@code filters}, in order, and the review flag.
   *
   * @throws IllegalArgumentException if there are more than 16 filters
   */
  public static ResultPolicy of(List<Filter> filters, boolean review) {
    requireNonNull(filters, "filters");
    if (filters.size() > MAX_FILTERS) {
      throw new IllegalArgumentException(
          "at most " + MAX_FILTERS + " result filters, not " + filters.size());
    }
    return new ResultPolicy(filters, review);
  }

  /**
   * Parses the JSON form shown above ({@code review} and {@code filters} both optional; parameter
   * values may be strings, numbers or booleans and are kept as text).
   *
   * @param field the field to name in errors, such as {@code "services[0].compute.resultFilters"}
   * @throws InvalidRequestException if it is not such an object, has more than 16 filters or 64
   *     parameters per filter, or a name, key or value is malformed or too long
   */
  public static ResultPolicy parse(String json, String field) {
    requireNonNull(json, "json");
    requireNonNull(field, "field");
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException(
          io.c2d.ErrorCode.INVALID_REQUEST, field, "is not valid JSON", e);
    }
    return fromNode(node, field);
  }

  static ResultPolicy fromNode(JsonNode node, String field) {
    if (node == null || !node.isObject()) {
      throw new InvalidRequestException(field, "must be an object with 'filters' and 'review'");
    }
    JsonNode review = node.path("review");
    if (!review.isMissingNode() && !review.isNull() && !review.isBoolean()) {
      throw new InvalidRequestException(field + ".review", "must be true or false");
    }
    JsonNode filters = node.path("filters");
    List<Filter> parsed = new ArrayList<>();
    if (!filters.isMissingNode() && !filters.isNull()) {
      if (!filters.isArray()) {
        throw new InvalidRequestException(field + ".filters", "must be an array");
      }
      if (filters.size() > MAX_FILTERS) {
        throw new InvalidRequestException(
            field + ".filters", "has more than " + MAX_FILTERS + " filters");
      }
      for (int i = 0; i < filters.size(); i++) {
        parsed.add(filter(filters.get(i), field + ".filters[" + i + "]"));
      }
    }
    return new ResultPolicy(parsed, review.asBoolean(false));
  }

  private static Filter filter(JsonNode node, String field) {
    if (!node.isObject() || !node.path("name").isTextual()) {
      throw new InvalidRequestException(field, "must be an object with a 'name'");
    }
    String name = node.path("name").asText();
    JsonNode parameters = node.path("parameters");
    Map<String, String> values = new TreeMap<>();
    if (!parameters.isMissingNode() && !parameters.isNull()) {
      if (!parameters.isObject()) {
        throw new InvalidRequestException(field + ".parameters", "must be an object");
      }
      if (parameters.size() > MAX_PARAMETERS) {
        throw new InvalidRequestException(
            field + ".parameters", "has more than " + MAX_PARAMETERS + " entries");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = parameters.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        String key = entry.getKey();
        JsonNode value = entry.getValue();
        String at = field + ".parameters." + Text.abbreviate(key);
        if (key.isEmpty() || key.length() > MAX_KEY) {
          throw new InvalidRequestException(at, "keys are 1 to " + MAX_KEY + " characters");
        }
        if (!value.isValueNode() || value.isNull()) {
          throw new InvalidRequestException(at, "must be a string, number or boolean");
        }
        if (value.asText().length() > MAX_VALUE) {
          throw new InvalidRequestException(at, "is longer than " + MAX_VALUE + " characters");
        }
        values.put(key, value.asText());
      }
    }
    try {
      return new Filter(name, values);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(field + ".name", String.valueOf(e.getMessage()));
    }
  }

  /** The filters, in the order they run; unmodifiable. */
  public List<Filter> filters() {
    return filters;
  }

  /** Whether the publisher reviews the results before release. */
  public boolean review() {
    return review;
  }

  /** Whether this policy does anything. */
  public boolean isNone() {
    return filters.isEmpty() && !review;
  }

  /**
   * This policy followed by {@code other}: the filters of both, this one's first, and a review if
   * either asks for one.
   */
  public ResultPolicy then(ResultPolicy other) {
    requireNonNull(other, "other");
    if (other.isNone()) {
      return this;
    }
    if (isNone()) {
      return other;
    }
    List<Filter> both = new ArrayList<>(filters);
    both.addAll(other.filters);
    return new ResultPolicy(both, review || other.review);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResultPolicy that && filters.equals(that.filters) && review == that.review;
  }

  @Override
  public int hashCode() {
    return filters.hashCode() * 31 + Boolean.hashCode(review);
  }

  @Override
  public String toString() {
    return "ResultPolicy[filters=" + filters + ", review=" + review + "]";
  }

  /**
   * One filter of a chain.
   *
   * @param name the filter's provider name, such as {@code "allow-list"}
   * @param parameters its parameters for this asset; copied, sorted
   */
  public record Filter(String name, Map<String, String> parameters) {
    /** Validates the name and copies the parameters. */
    public Filter {
      requireNonNull(name, "name");
      if (!name.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
        throw new IllegalArgumentException(
            "a filter name is 1 to 64 lower-case letters, digits, '.', '_' or '-': '"
                + Text.abbreviate(name)
                + "'");
      }
      parameters = Map.copyOf(new TreeMap<>(requireNonNull(parameters, "parameters")));
    }

    /** The filter {@code name} without parameters. */
    public static Filter named(String name) {
      return new Filter(name, Map.of());
    }
  }
}
