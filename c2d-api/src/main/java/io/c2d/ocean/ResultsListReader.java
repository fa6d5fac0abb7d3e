package io.c2d.ocean;

import static io.c2d.ocean.JsonFields.abbreviate;
import static io.c2d.ocean.JsonFields.array;
import static io.c2d.ocean.JsonFields.renamed;
import static io.c2d.ocean.JsonFields.requireObject;
import static io.c2d.ocean.JsonFields.required;
import static io.c2d.ocean.JsonFields.requiredText;
import static io.c2d.ocean.JsonFields.wholeNumber;

import com.fasterxml.jackson.databind.JsonNode;
import io.c2d.InvalidRequestException;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Ocean's results list, on its own or as the {@code results} member of a status list entry,
 * accepting operator-service's misspelt {@code configrationLog}.
 *
 * <p>Stateless and thread-safe. Refuses with an {@link InvalidRequestException} naming the item,
 * such as {@code "[1].type"} or {@code "[0].results[1].type"}.
 */
final class ResultsListReader {
  private ResultsListReader() {}

  /** Reads a whole document. */
  static List<JobResult> read(String json) {
    return read(JsonText.read(json), "body");
  }

  /** Reads the list at {@code path}; {@code "body"} for a whole document. */
  static List<JobResult> read(JsonNode node, String path) {
    List<JsonNode> items = array(node, path);
    String prefix = "body".equals(path) ? "" : path;
    List<JobResult> results = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      String item = prefix + "[" + i + "]";
      JsonNode entry = items.get(i);
      requireObject(entry, item);
      String name = requiredText(entry, "filename", item + ".filename");
      renamed(item + ".filename", () -> JobResult.checkName(name));
      long size = wholeNumber(required(entry, "filesize", item + ".filesize"), item + ".filesize");
      String type = requiredText(entry, "type", item + ".type");
      ResultKind kind =
          ResultKind.ofOceanType(type)
              .orElseThrow(
                  () ->
                      new InvalidRequestException(
                          item + ".type", "unknown result type '" + abbreviate(type) + "'"));
      long index = wholeNumber(required(entry, "index", item + ".index"), item + ".index");
      if (index > Integer.MAX_VALUE) {
        throw new InvalidRequestException(item + ".index", "is too large");
      }
      results.add(new JobResult(name, kind, size, (int) index));
    }
    return List.copyOf(results);
  }
}
