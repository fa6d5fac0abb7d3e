package io.c2d.model;

import static java.util.Objects.requireNonNull;

import io.c2d.InvalidRequestException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * Where one file of a dataset lives: a local path, an http(s) URL (with the method and headers of
 * Ocean's {@code url} file object), an IPFS content id or an Arweave transaction id (both fetched
 * through a gateway the provider configures), or a path inside a Kubernetes PersistentVolumeClaim.
 * The provider fetches or mounts it before the algorithm starts; the algorithm never does.
 *
 * <p>A locator may carry the file's declared size and SHA-256: a fetched body longer than the
 * declared size, or with another digest, fails the job's data provisioning.
 *
 * <p>Header values, a URL's user-info and its query string may be credentials: {@link #redacted()}
 * and {@link #toString()} never show them; use them in logs and error messages. {@link #uri()} and
 * {@link #headers()} give them in full, for the fetcher.
 *
 * <p>Immutable and thread-safe. Every factory validates its input and refuses it with an {@link
 * InvalidRequestException} naming the field in Ocean's dotted form ({@code "file.url"}, {@code
 * "file.headers"}, {@code "file.hash"}, {@code "file.transactionId"}, {@code "file.claim"}, {@code
 * "file.path"}, {@code "file.method"}, {@code "file.size"}); no factory accepts null.
 */
public final class FileLocator {
  /** The longest URL or path accepted, in characters. */
  public static final int MAX_URI_CHARS = 8192;

  /** The most headers a url locator may carry. */
  public static final int MAX_HEADERS = 64;

  /** The kinds of place a file can live. */
  public enum Kind {
    /** A path on the provider's machine ({@code file:}). */
    FILE,
    /** An {@code http:} or {@code https:} URL, fetched with a method and headers. */
    URL,
    /** An IPFS content id, fetched through the provider's IPFS gateway. */
    IPFS,
    /** An Arweave transaction id, fetched through the provider's Arweave gateway. */
    ARWEAVE,
    /** A path inside a Kubernetes PersistentVolumeClaim, mounted read-only (Kubernetes only). */
    PVC
  }

  private final Kind kind;

  /** FILE: the absolute path; URL: the URL; IPFS: the cid; ARWEAVE: the tx id; PVC: the claim. */
  private final String value;

  /** PVC: the path inside the claim; otherwise null. */
  private final @Nullable String subPath;

  private final String method;
  private final Map<String, String> headers;
  private final long expectedSize;
  private final @Nullable Sha256 sha256;

  private FileLocator(
      Kind kind,
      String value,
      @Nullable String subPath,
      String method,
      Map<String, String> headers,
      long expectedSize,
      @Nullable Sha256 sha256) {
    this.kind = kind;
    this.value = value;
    this.subPath = subPath;
    this.method = method;
    this.headers = headers;
    this.expectedSize = expectedSize;
    this.sha256 = sha256;
  }

  /**
   * The locator a URI names: {@code file:} a local file, {@code http:} and {@code https:} a URL
   * fetched with GET, {@code ipfs://<cid>} an IPFS content id, {@code ar://<tx>} an Arweave
   * transaction, {@code pvc://<claim>/<path>} a path inside a PersistentVolumeClaim. The inverse of
   * {@link #uri()}. A {@code data:} URI (RFC 2397, at most {@value #MAX_URI_CHARS} characters) is a
   * {@link Kind#URL} whose content is inline, for small test inputs; fetching it makes no request.
   *
   * @throws InvalidRequestException ({@code "file.url"}) for another scheme or a malformed URI
   */
  public static FileLocator of(URI uri) {
    requireNonNull(uri, "uri");
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    return switch (scheme) {
      case "file" -> file(LocatorChecks.filePath(uri));
      case "http", "https" -> url(uri);
      case "data" ->
          new FileLocator(Kind.URL, LocatorChecks.dataUri(uri), null, "GET", Map.of(), -1, null);
      case "ipfs" -> ipfs(LocatorChecks.authorityId(uri, "file.hash"));
      case "ar" -> arweave(LocatorChecks.authorityId(uri, "file.transactionId"));
      case "pvc" -> {
        String path = uri.getPath() == null ? "" : uri.getPath();
        yield pvc(
            LocatorChecks.authorityId(uri, "file.claim"),
            path.startsWith("/") ? path.substring(1) : path);
      }
      default ->
          throw new InvalidRequestException(
              "file.url",
              "expected a file:, http:, https:, data:, ipfs:, ar: or pvc: URI but got '"
                  + Text.abbreviate(LocatorChecks.redact(uri.toString()))
                  + "'");
    };
  }

  /**
   * A file on the provider's machine.
   *
   * @throws InvalidRequestException ({@code "file.path"}) if it is not absolute or has a {@code ..}
   *     segment
   */
  public static FileLocator file(Path path) {
    String text = LocatorChecks.absolutePath(requireNonNull(path, "path"));
    return new FileLocator(Kind.FILE, text, null, "GET", Map.of(), -1, null);
  }

  /**
   * An {@code http:} or {@code https:} URL fetched with GET and no headers.
   *
   * @throws InvalidRequestException ({@code "file.url"}) if it is not an absolute http(s) URL with
   *     a host
   */
  public static FileLocator url(URI url) {
    return urlBuilder(url).build();
  }

  /**
   * A builder for Ocean's {@code url} file object: the URL, its method and headers.
   *
   * @throws InvalidRequestException ({@code "file.url"}) if it is not an absolute http(s) URL with
   *     a host
   */
  public static UrlBuilder urlBuilder(URI url) {
    return new UrlBuilder(LocatorChecks.url(requireNonNull(url, "url")));
  }

  /**
   * A file on IPFS, by its content id (CIDv0 or CIDv1, letters and digits only: no path).
   *
   * @throws InvalidRequestException ({@code "file.hash"}) if it is empty, longer than 128
   *     characters or holds anything but ASCII letters and digits
   */
  public static FileLocator ipfs(String cid) {
    return new FileLocator(Kind.IPFS, LocatorChecks.cid(cid), null, "GET", Map.of(), -1, null);
  }

  /**
   * A file on Arweave, by its transaction id (base64url: letters, digits, {@code -} and {@code _}).
   *
   * @throws InvalidRequestException ({@code "file.transactionId"}) if it is empty, longer than 128
   *     characters or holds other characters
   */
  public static FileLocator arweave(String transactionId) {
    return new FileLocator(
        Kind.ARWEAVE, LocatorChecks.transactionId(transactionId), null, "GET", Map.of(), -1, null);
  }

  /**
   * A file inside a Kubernetes PersistentVolumeClaim, mounted read-only. Only the Kubernetes
   * backend serves it; other backends fail the job's data provisioning.
   *
   * @param claimName the claim's name, a DNS-1123 subdomain (lower case, at most 253 characters)
   * @param pathInClaim a relative path inside the claim, without {@code .} or {@code ..} segments
   * @throws InvalidRequestException ({@code "file.claim"} or {@code "file.path"}) if either is
   *     malformed
   */
  public static FileLocator pvc(String claimName, String pathInClaim) {
    return new FileLocator(
        Kind.PVC,
        LocatorChecks.claimName(claimName),
        LocatorChecks.pathInClaim(pathInClaim),
        "GET",
        Map.of(),
        -1,
        null);
  }

  /** The kind of place this file lives in. */
  public Kind kind() {
    return kind;
  }

  /**
   * The locator as one URI, in full (credentials included; see {@link #redacted()} for logs):
   * {@code file:} for {@link Kind#FILE}, the URL for {@link Kind#URL}, {@code ipfs://<cid>}, {@code
   * ar://<tx>} and {@code pvc://<claim>/<path>} for the others. The method, headers, declared size
   * and checksum are not part of it. {@link #of(URI)} reads it back.
   */
  public URI uri() {
    try {
      return switch (kind) {
        case FILE -> Path.of(value).toUri();
        case URL -> URI.create(value);
        // The authority form: an id need not be a valid host name.
        case IPFS -> new URI("ipfs", value, null, null, null);
        case ARWEAVE -> new URI("ar", value, null, null, null);
        case PVC -> new URI("pvc", value, "/" + subPath, null, null);
      };
    } catch (URISyntaxException e) {
      throw new IllegalStateException("a validated locator is always a URI", e);
    }
  }

  /** The local path of a {@link Kind#FILE} locator; empty for the other kinds. */
  public Optional<Path> path() {
    return kind == Kind.FILE ? Optional.of(Path.of(value)) : Optional.empty();
  }

  /** The content id of an {@link Kind#IPFS} locator; empty for the other kinds. */
  public Optional<String> cid() {
    return kind == Kind.IPFS ? Optional.of(value) : Optional.empty();
  }

  /** The transaction id of an {@link Kind#ARWEAVE} locator; empty for the other kinds. */
  public Optional<String> transactionId() {
    return kind == Kind.ARWEAVE ? Optional.of(value) : Optional.empty();
  }

  /** The claim's name of a {@link Kind#PVC} locator; empty for the other kinds. */
  public Optional<String> claimName() {
    return kind == Kind.PVC ? Optional.of(value) : Optional.empty();
  }

  /** The relative path inside the claim of a {@link Kind#PVC} locator; empty for the others. */
  public Optional<String> pathInClaim() {
    return Optional.ofNullable(subPath);
  }

  /** The HTTP method, {@code GET} or {@code POST}; {@code GET} for every kind but a POST url. */
  public String method() {
    return method;
  }

  /**
   * The request headers of a {@link Kind#URL} locator, in order; empty for others. Unmodifiable.
   */
  public Map<String, String> headers() {
    return headers;
  }

  /** The file's declared size in bytes, if the publisher declared one. */
  public OptionalLong expectedSize() {
    return expectedSize < 0 ? OptionalLong.empty() : OptionalLong.of(expectedSize);
  }

  /** The file's declared SHA-256, if the publisher declared one. */
  public Optional<Sha256> sha256() {
    return Optional.ofNullable(sha256);
  }

  /**
   * This locator with a declared size: a fetched body of another length fails.
   *
   * @throws InvalidRequestException ({@code "file.size"}) if it is negative
   */
  public FileLocator withExpectedSize(long bytes) {
    if (bytes < 0) {
      throw new InvalidRequestException("file.size", "must not be negative");
    }
    return new FileLocator(kind, value, subPath, method, headers, bytes, sha256);
  }

  /** This locator with a declared SHA-256: a fetched body with another digest fails. */
  public FileLocator withSha256(Sha256 sha256) {
    return new FileLocator(
        kind, value, subPath, method, headers, expectedSize, requireNonNull(sha256, "sha256"));
  }

  /**
   * The locator without credentials, for logs and error messages: a URL without its user-info,
   * query and fragment ({@code https://host:8443/data.csv}, a {@code ?...} marks a dropped query),
   * {@code ipfs://<cid>}, {@code ar://<tx>}, {@code pvc://<claim>/<path>}, or the local path's URI;
   * never a header value.
   */
  public String redacted() {
    return kind == Kind.URL ? LocatorChecks.redact(value) : uri().toString();
  }

  /** The same as {@link #redacted()}, with the method and the header names for a url. */
  @Override
  public String toString() {
    if (kind != Kind.URL || (method.equals("GET") && headers.isEmpty())) {
      return redacted();
    }
    return method + " " + redacted() + (headers.isEmpty() ? "" : " headers=" + headers.keySet());
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof FileLocator that)) {
      return false;
    }
    return kind == that.kind
        && value.equals(that.value)
        && Objects.equals(subPath, that.subPath)
        && method.equals(that.method)
        && headers.equals(that.headers)
        && expectedSize == that.expectedSize
        && Objects.equals(sha256, that.sha256);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, value, subPath, method, headers, expectedSize, sha256);
  }

  /**
   * Builds a {@link Kind#URL} locator: Ocean's {@code url} file object. Not thread-safe.
   *
   * <p>Every setter validates its argument and throws {@link InvalidRequestException} naming the
   * field; none accepts null.
   */
  public static final class UrlBuilder {
    private final String url;
    private String method = "GET";
    private final Map<String, String> headers = new LinkedHashMap<>();

    private UrlBuilder(String url) {
      this.url = url;
    }

    /**
     * The HTTP method, {@code GET} (the default) or {@code POST}, in either case.
     *
     * @throws InvalidRequestException ({@code "file.method"}) for another method
     */
    public UrlBuilder method(String method) {
      String upper = LocatorChecks.method(requireNonNull(method, "method"));
      this.method = upper;
      return this;
    }

    /**
     * Adds a request header, replacing one of the same name (names compare without case).
     *
     * @throws InvalidRequestException ({@code "file.headers"}) if the name is not an HTTP token, is
     *     one the HTTP client sets itself ({@code Host}, {@code Content-Length}, {@code
     *     Connection}, {@code Range}, ...), the value holds CR, LF or another control character, or
     *     there are more than {@value FileLocator#MAX_HEADERS} headers
     */
    public UrlBuilder header(String name, String value) {
      requireNonNull(name, "name");
      requireNonNull(value, "value");
      LocatorChecks.header(name, value);
      headers.keySet().removeIf(existing -> existing.equalsIgnoreCase(name));
      LocatorChecks.roomForHeader(headers.size());
      headers.put(name, value);
      return this;
    }

    /** Adds every header of {@code headers}, in its iteration order. */
    public UrlBuilder headers(Map<String, String> headers) {
      requireNonNull(headers, "headers").forEach(this::header);
      return this;
    }

    /** Builds the locator. */
    public FileLocator build() {
      return new FileLocator(
          Kind.URL,
          url,
          null,
          method,
          Collections.unmodifiableMap(new LinkedHashMap<>(headers)),
          -1,
          null);
    }
  }
}
