package io.c2d.ocean;

import static io.c2d.ocean.JsonFields.array;
import static io.c2d.ocean.JsonFields.optional;
import static io.c2d.ocean.JsonFields.rename;
import static io.c2d.ocean.JsonFields.requireObject;
import static io.c2d.ocean.JsonFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.InvalidRequestException;
import io.c2d.model.DatasetInput;
import io.c2d.model.FileLocator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads the publisher's files document of one asset: per service id, the clear-text file objects of
 * that service (see {@link OceanDdo#readServiceFiles(String, Function)}).
 *
 * <p>Stateless and thread-safe; refuses with an {@link InvalidRequestException} naming the member.
 */
final class ServiceFilesReader {
  private static final int MAX_SERVICES = 64;
  private static final int MAX_SERVICE_ID = 256;

  private ServiceFilesReader() {}

  static Map<String, List<FileLocator>> read(String json, Function<String, Path> localFile) {
    JsonNode root = JsonText.read(json);
    requireObject(root, "body");
    if (root.size() > MAX_SERVICES) {
      throw new InvalidRequestException("body", "names more than " + MAX_SERVICES + " services");
    }
    Map<String, List<FileLocator>> files = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String serviceId = entry.getKey();
      if (serviceId.isBlank() || serviceId.length() > MAX_SERVICE_ID) {
        throw new InvalidRequestException(
            "body", "a service id must be 1 to " + MAX_SERVICE_ID + " characters, not blank");
      }
      JsonNode value = entry.getValue();
      String path = serviceId;
      if (value.isObject()) {
        // Ocean's decrypted files object: {nftAddress?, datatokenAddress?, files: [...]}
        path = serviceId + ".files";
        JsonNode inner = optional(value, "files");
        if (inner == null) {
          throw new InvalidRequestException(path, "is missing");
        }
        value = inner;
      }
      files.put(serviceId, locators(array(value, path), path, localFile));
    }
    return files;
  }

  private static List<FileLocator> locators(
      List<JsonNode> items, String path, Function<String, Path> localFile) {
    if (items.size() > DatasetInput.MAX_FILES) {
      throw new InvalidRequestException(
          path, "has more than " + DatasetInput.MAX_FILES + " file objects");
    }
    List<FileLocator> locators = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      String field = path + "[" + i + "]";
      JsonNode item = items.get(i);
      requireObject(item, field);
      JsonNode type = optional(item, "type");
      if (type != null && type.isTextual() && type.textValue().equals("file")) {
        item = localFile((ObjectNode) item, field, localFile);
      }
      locators.add(FileObjects.read(item, field));
    }
    return locators;
  }

  /** The {@code file} object with its {@code path} replaced by what {@code localFile} makes it. */
  private static JsonNode localFile(
      ObjectNode item, String field, Function<String, Path> localFile) {
    JsonNode pathNode = optional(item, "path");
    if (pathNode == null) {
      throw new InvalidRequestException(field + ".path", "is missing");
    }
    String path = text(pathNode, field + ".path");
    Path resolved;
    try {
      resolved = localFile.apply(path);
    } catch (InvalidRequestException e) {
      throw rename(e, field + ".path");
    }
    ObjectNode copy = item.deepCopy();
    copy.put("path", resolved.toString());
    return copy;
  }
}
