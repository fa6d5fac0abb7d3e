package io.c2d.ocean;

import static io.c2d.ocean.JsonFields.array;
import static io.c2d.ocean.JsonFields.optional;
import static io.c2d.ocean.JsonFields.optionalText;
import static io.c2d.ocean.JsonFields.rename;
import static io.c2d.ocean.JsonFields.requireObject;
import static io.c2d.ocean.JsonFields.requiredText;
import static io.c2d.ocean.JsonFields.text;
import static io.c2d.ocean.JsonFields.wholeNumber;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.InvalidRequestException;
import io.c2d.model.DatasetInput;
import io.c2d.model.FileLocator;
import io.c2d.model.Sha256;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes Ocean's file objects ({@code url}, {@code ipfs}, {@code arweave}) and c2d's own
 * ({@code file}, {@code pvc}) as {@link FileLocator}s.
 *
 * <p>Stateless and thread-safe. Refuses with an {@link InvalidRequestException} naming the member,
 * such as {@code "file.url"}, {@code "[1].hash"} or {@code "files[0].headers"}.
 */
final class FileObjects {
  private FileObjects() {}

  /** Reads one file object, naming fields {@code "file.<member>"}. */
  static FileLocator readOne(String json) {
    return read(JsonText.read(json), "file");
  }

  /**
   * Reads an array of file objects, an object whose {@code files} member is one (the decrypted
   * {@code files} of an Ocean DDO service), or a single file object.
   */
  static List<FileLocator> readMany(String json) {
    JsonNode root = JsonText.read(json);
    if (root.isObject() && !root.has("type")) {
      JsonNode files = optional(root, "files");
      if (files == null) {
        throw new InvalidRequestException("files", "is missing");
      }
      return readArray(files, "files");
    }
    if (root.isObject()) {
      return List.of(read(root, "file"));
    }
    return readArray(root, "body");
  }

  private static List<FileLocator> readArray(JsonNode node, String path) {
    List<JsonNode> items = array(node, path);
    if (items.size() > DatasetInput.MAX_FILES) {
      throw new InvalidRequestException(
          path, "has more than " + DatasetInput.MAX_FILES + " file objects");
    }
    String prefix = "body".equals(path) ? "" : path;
    List<FileLocator> locators = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      locators.add(read(items.get(i), prefix + "[" + i + "]"));
    }
    return locators;
  }

  /** Reads the file object {@code node}, naming its members {@code path + "." + member}. */
  static FileLocator read(JsonNode node, String path) {
    requireObject(node, path);
    try {
      String type = requiredText(node, "type", "file.type");
      FileLocator locator =
          switch (type) {
            case "url" -> url(node);
            case "ipfs" -> FileLocator.ipfs(requiredText(node, "hash", "file.hash"));
            case "arweave" ->
                FileLocator.arweave(requiredText(node, "transactionId", "file.transactionId"));
            case "file" -> file(requiredText(node, "path", "file.path"));
            case "pvc" ->
                FileLocator.pvc(
                    requiredText(node, "claim", "file.claim"),
                    requiredText(node, "path", "file.path"));
            default ->
                throw new InvalidRequestException(
                    "file.type",
                    "expected url, ipfs, arweave, file or pvc but got '"
                        + JsonFields.abbreviate(type)
                        + "'");
          };
      JsonNode size = optional(node, "size");
      if (size != null) {
        locator = locator.withExpectedSize(wholeNumber(size, "file.size"));
      }
      String sha256 = optionalText(node, "sha256", "file.sha256");
      if (sha256 != null) {
        locator = locator.withSha256(Sha256.parse(sha256, "file.sha256"));
      }
      return locator;
    } catch (InvalidRequestException e) {
      throw relocate(e, path);
    }
  }

  private static FileLocator url(JsonNode node) {
    String text = requiredText(node, "url", "file.url");
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      // Not echoed: a malformed URL may still hold a password.
      throw new InvalidRequestException("file.url", "is not a valid URI");
    }
    if ("data".equalsIgnoreCase(uri.getScheme())) {
      return FileLocator.of(uri);
    }
    FileLocator.UrlBuilder builder = FileLocator.urlBuilder(uri);
    String method = optionalText(node, "method", "file.method");
    if (method != null) {
      builder.method(method);
    }
    JsonNode headers = optional(node, "headers");
    if (headers != null) {
      // ocean.js writes an object; ocean-node's type is an array of one-member objects.
      if (headers.isArray()) {
        for (JsonNode one : headers) {
          addHeaders(builder, one);
        }
      } else {
        addHeaders(builder, headers);
      }
    }
    return builder.build();
  }

  private static void addHeaders(FileLocator.UrlBuilder builder, JsonNode headers) {
    requireObject(headers, "file.headers");
    for (Iterator<Map.Entry<String, JsonNode>> it = headers.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> header = it.next();
      builder.header(header.getKey(), text(header.getValue(), "file.headers"));
    }
  }

  private static FileLocator file(String path) {
    try {
      return FileLocator.file(Path.of(path));
    } catch (InvalidPathException e) {
      throw new InvalidRequestException(
          "file.path", "is not a path: '" + JsonFields.abbreviate(path) + "'");
    }
  }

  private static InvalidRequestException relocate(InvalidRequestException e, String path) {
    String field = e.field();
    if (path.equals("file") || !(field.equals("file") || field.startsWith("file."))) {
      return e;
    }
    return rename(e, path + field.substring("file".length()));
  }

  /** Writes {@code locator} as a file object, with c2d's {@code size} and {@code sha256}. */
  static String write(FileLocator locator) {
    return JsonText.write(node(locator));
  }

  static ObjectNode node(FileLocator locator) {
    ObjectNode node = JsonText.newObject();
    switch (locator.kind()) {
      case URL -> {
        node.put("type", "url");
        node.put("url", locator.uri().toString());
        node.put("method", locator.method());
        if (!locator.headers().isEmpty()) {
          ObjectNode headers = node.putObject("headers");
          locator.headers().forEach(headers::put);
        }
      }
      case IPFS -> {
        node.put("type", "ipfs");
        node.put("hash", value(locator.cid().orElse(null)));
      }
      case ARWEAVE -> {
        node.put("type", "arweave");
        node.put("transactionId", value(locator.transactionId().orElse(null)));
      }
      case FILE -> {
        node.put("type", "file");
        node.put("path", value(locator.path().map(Path::toString).orElse(null)));
      }
      case PVC -> {
        node.put("type", "pvc");
        node.put("claim", value(locator.claimName().orElse(null)));
        node.put("path", value(locator.pathInClaim().orElse(null)));
      }
    }
    locator.expectedSize().ifPresent(size -> node.put("size", size));
    locator.sha256().ifPresent(sha -> node.put("sha256", sha.hex()));
    return node;
  }

  private static String value(@Nullable String value) {
    if (value == null) {
      throw new IllegalStateException("a locator of its kind always has this value");
    }
    return value;
  }
}
