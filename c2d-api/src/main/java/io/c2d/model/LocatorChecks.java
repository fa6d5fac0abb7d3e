package io.c2d.model;

import io.c2d.InvalidRequestException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The validation of {@link FileLocator}'s input, kind by kind: each check returns the value the
 * locator keeps, or throws an {@link InvalidRequestException} naming the field in Ocean's dotted
 * form. Also the redaction of credentials from a URL.
 *
 * <p>Stateless; thread-safe.
 */
final class LocatorChecks {
  private static final int MAX_URI_CHARS = FileLocator.MAX_URI_CHARS;
  private static final int MAX_HEADERS = FileLocator.MAX_HEADERS;
  private static final int MAX_HEADER_VALUE_CHARS = 8192;
  private static final int MAX_ID_CHARS = 128;
  private static final int MAX_CLAIM_CHARS = 253;
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}");
  private static final Pattern CID = Pattern.compile("[A-Za-z0-9]{1," + MAX_ID_CHARS + "}");
  private static final Pattern TX_ID = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_ID_CHARS + "}");
  private static final Pattern DNS_1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /**
   * Headers the JDK's HTTP client sets itself and refuses from callers, and the range headers the
   * fetcher sets to resume a cut download.
   */
  private static final Set<String> RESTRICTED_HEADERS =
      Set.of(
          "connection",
          "content-length",
          "expect",
          "host",
          "upgrade",
          "te",
          "trailer",
          "transfer-encoding",
          "range",
          "if-range");

  private LocatorChecks() {}

  // file

  /**
   * The normalized text of a local path.
   *
   * @throws InvalidRequestException ({@code "file.path"}) if it is not absolute, has a {@code ..}
   *     segment, is too long or holds a NUL character
   */
  static String absolutePath(Path path) {
    if (!path.isAbsolute()) {
      throw new InvalidRequestException("file.path", "must be an absolute path");
    }
    for (Path segment : path) {
      if (segment.toString().equals("..")) {
        throw new InvalidRequestException("file.path", "must not climb with '..'");
      }
    }
    String text = path.normalize().toString();
    if (text.length() > MAX_URI_CHARS || text.indexOf('\0') >= 0) {
      throw new InvalidRequestException("file.path", "is too long or holds a NUL character");
    }
    return text;
  }

  /** The local path of a {@code file:} URI ({@code "file.path"}). */
  static Path filePath(URI uri) {
    try {
      if (uri.isOpaque() || uri.getRawAuthority() != null) {
        throw new InvalidRequestException(
            "file.path",
            "expected file:/absolute/path but got '" + Text.abbreviate(uri.toString()) + "'");
      }
      return Path.of(uri);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(
          "file.path", "is not a local path: '" + Text.abbreviate(uri.toString()) + "'");
    }
  }

  // url

  /** The text of a {@code data:} URI, inline content of a url locator ({@code "file.url"}). */
  static String dataUri(URI uri) {
    String text = uri.toString();
    if (text.length() > MAX_URI_CHARS || !uri.isOpaque() || text.indexOf(',') < 0) {
      throw new InvalidRequestException(
          "file.url",
          "expected data:[<type>][;base64],<content> of at most " + MAX_URI_CHARS + " characters");
    }
    return text;
  }

  // ipfs, arweave, pvc

  /** The authority of {@code scheme://<id>}, an id alone ({@code field}). */
  static String authorityId(URI uri, String field) {
    String authority = uri.getRawAuthority();
    if (authority == null) {
      throw new InvalidRequestException(
          field,
          "expected "
              + uri.getScheme()
              + "://<id> but got '"
              + Text.abbreviate(uri.toString())
              + "'");
    }
    if ((uri.getRawQuery() != null || uri.getRawFragment() != null)
        || (!field.equals("file.claim")
            && uri.getRawPath() != null
            && !uri.getRawPath().isEmpty())) {
      throw new InvalidRequestException(
          field, "must be an id alone, without a path, query or fragment");
    }
    return authority;
  }

  /** The text of an absolute http(s) URL with a host ({@code "file.url"}). */
  static String url(URI url) {
    String text = url.toString();
    if (text.length() > MAX_URI_CHARS) {
      throw new InvalidRequestException(
          "file.url", "is longer than " + MAX_URI_CHARS + " characters");
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new InvalidRequestException(
          "file.url",
          "expected an http: or https: URL but got '" + Text.abbreviate(redact(text)) + "'");
    }
    if (url.isOpaque() || url.getHost() == null || url.getHost().isEmpty()) {
      throw new InvalidRequestException(
          "file.url", "must name a host: '" + Text.abbreviate(redact(text)) + "'");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c <= 0x20 || c == 0x7f) {
        throw new InvalidRequestException("file.url", "holds a space or control character");
      }
    }
    return text;
  }

  /** An IPFS content id ({@code "file.hash"}). */
  static String cid(@Nullable String cid) {
    return checkId(cid, CID, "file.hash", "ASCII letters and digits");
  }

  /** An Arweave transaction id ({@code "file.transactionId"}). */
  static String transactionId(@Nullable String transactionId) {
    return checkId(
        transactionId, TX_ID, "file.transactionId", "ASCII letters, digits, '-' and '_'");
  }

  /** A PersistentVolumeClaim's name, a DNS-1123 subdomain ({@code "file.claim"}). */
  static String claimName(@Nullable String claimName) {
    if (claimName == null
        || claimName.isEmpty()
        || claimName.length() > MAX_CLAIM_CHARS
        || !DNS_1123_SUBDOMAIN.matcher(claimName).matches()) {
      throw new InvalidRequestException(
          "file.claim",
          "expected a DNS-1123 name (lower-case letters, digits, '-' and '.', at most "
              + MAX_CLAIM_CHARS
              + " characters) but got '"
              + Text.abbreviate(String.valueOf(claimName))
              + "'");
    }
    return claimName;
  }

  private static String checkId(
      @Nullable String id, Pattern pattern, String field, String allowed) {
    if (id == null || !pattern.matcher(id).matches()) {
      throw new InvalidRequestException(
          field,
          "expected 1 to "
              + MAX_ID_CHARS
              + " "
              + allowed
              + " but got '"
              + Text.abbreviate(String.valueOf(id))
              + "'");
    }
    return id;
  }

  /** A relative path inside a claim, without empty, {@code .} or {@code ..} segments. */
  static String pathInClaim(@Nullable String path) {
    if (path == null || path.isEmpty()) {
      throw new InvalidRequestException("file.path", "is missing");
    }
    if (path.length() > MAX_URI_CHARS) {
      throw new InvalidRequestException(
          "file.path", "is longer than " + MAX_URI_CHARS + " characters");
    }
    if (path.startsWith("/")) {
      throw new InvalidRequestException("file.path", "must be relative to the claim's root");
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\') {
        throw new InvalidRequestException("file.path", "holds a control character or a backslash");
      }
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new InvalidRequestException(
            "file.path",
            "must not hold empty, '.' or '..' segments: '" + Text.abbreviate(path) + "'");
      }
    }
    return path;
  }

  /** A URL without user-info, query and fragment; {@code ?...} marks a dropped query. */
  static String redact(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      // Not shown at all: where its user-info ends is not known.
      return "<malformed URL>";
    }
    if (uri.isOpaque() || uri.getScheme() == null) {
      return uri.getScheme() == null ? "<relative URI>" : uri.getScheme() + ":...";
    }
    StringBuilder shown = new StringBuilder(uri.getScheme()).append("://");
    if (uri.getHost() != null) {
      shown.append(uri.getHost());
    }
    if (uri.getPort() >= 0) {
      shown.append(':').append(uri.getPort());
    }
    if (uri.getRawPath() != null) {
      shown.append(uri.getRawPath());
    }
    if (uri.getRawQuery() != null) {
      shown.append("?...");
    }
    return shown.toString();
  }

  // a url's method and headers

  /** {@code GET} or {@code POST}, from either case ({@code "file.method"}). */
  static String method(String method) {
    String upper = method.toUpperCase(Locale.ROOT);
    if (!upper.equals("GET") && !upper.equals("POST")) {
      throw new InvalidRequestException(
          "file.method", "expected GET or POST but got '" + Text.abbreviate(method) + "'");
    }
    return upper;
  }

  /**
   * Checks one request header ({@code "file.headers"}): an HTTP token for a name, not one the HTTP
   * client sets itself, a value of bounded length without CR, LF or other control characters.
   */
  static void header(String name, String value) {
    if (!TOKEN.matcher(name).matches()) {
      throw new InvalidRequestException(
          "file.headers", "'" + Text.abbreviate(name) + "' is not a valid header name");
    }
    if (RESTRICTED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
      throw new InvalidRequestException(
          "file.headers", "'" + name + "' is set by the HTTP client and cannot be given");
    }
    if (value.length() > MAX_HEADER_VALUE_CHARS) {
      throw new InvalidRequestException("file.headers", "the value of '" + name + "' is too long");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        // CR and LF would let a publisher inject headers or a second request.
        throw new InvalidRequestException(
            "file.headers", "the value of '" + name + "' holds a control character");
      }
    }
  }

  /** Checks that one more header may be added to {@code count} ({@code "file.headers"}). */
  static void roomForHeader(int count) {
    if (count == MAX_HEADERS) {
      throw new InvalidRequestException("file.headers", "more than " + MAX_HEADERS + " headers");
    }
  }
}
