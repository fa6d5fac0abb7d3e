package io.c2d.server.http;

import static java.util.Objects.requireNonNull;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One HTTP request as {@link OceanComputeHandler} needs it, free of any server framework's types:
 * the method, the path below the point where the handler is mounted, the raw (still URL-encoded)
 * query, the headers and the body as a stream. An adapter builds one per request from its server's
 * own request object.
 *
 * <p>Immutable apart from the body stream, which the handler reads at most once and never past its
 * size limit; confined to the thread that handles the request. Header names are matched without
 * regard to case.
 */
public final class ProviderRequest {
  private final String method;
  private final String path;
  private final String rawQuery;
  private final Map<String, List<String>> headers;
  private final InputStream body;

  private ProviderRequest(
      String method,
      String path,
      String rawQuery,
      Map<String, List<String>> headers,
      InputStream body) {
    this.method = method;
    this.path = path;
    this.rawQuery = rawQuery;
    this.headers = headers;
    this.body = body;
  }

  /**
   * A request.
   *
   * @param method the HTTP method, such as {@code "GET"} (upper-cased here)
   * @param path the path below the handler's mount point, such as {@code "/api/services/compute"};
   *     {@code ""} or {@code "/"} is the root document
   * @param rawQuery the query as sent, without {@code ?}, still URL-encoded; {@code ""} for none
   * @param headers every header; names in any case, values in the order received
   * @param body the body; an empty stream for none
   */
  public static ProviderRequest of(
      String method,
      String path,
      String rawQuery,
      Map<String, ? extends List<String>> headers,
      InputStream body) {
    requireNonNull(method, "method");
    requireNonNull(path, "path");
    requireNonNull(rawQuery, "rawQuery");
    requireNonNull(headers, "headers");
    requireNonNull(body, "body");
    Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach(
        (name, values) -> {
          if (name != null) {
            copy.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values);
          }
        });
    copy.replaceAll((name, values) -> List.copyOf(values));
    return new ProviderRequest(
        method.toUpperCase(Locale.ROOT), path, rawQuery, Collections.unmodifiableMap(copy), body);
  }

  /** The method, upper case. */
  public String method() {
    return method;
  }

  /** The path below the handler's mount point. */
  public String path() {
    return path;
  }

  /** The raw query, URL-encoded, without {@code ?}; {@code ""} for none. */
  public String rawQuery() {
    return rawQuery;
  }

  /** The first value of the header {@code name} (any case), if sent. */
  public Optional<String> header(String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /** Every header, names without regard to case; unmodifiable. */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /** The body stream. */
  public InputStream body() {
    return body;
  }

  @Override
  public String toString() {
    return method + " " + path;
  }
}
