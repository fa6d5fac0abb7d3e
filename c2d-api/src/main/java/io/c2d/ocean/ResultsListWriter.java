package io.c2d.ocean;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.model.JobResult;
import java.util.List;

/**
 * Writes Ocean's results list, {@code [{"filename", "filesize", "type", "index"}]}, on its own or
 * as the {@code results} member of a status list entry.
 *
 * <p>Stateless and thread-safe.
 */
final class ResultsListWriter {
  private ResultsListWriter() {}

  static String write(List<JobResult> results) {
    return JsonText.write(array(results));
  }

  static ArrayNode array(List<JobResult> results) {
    ArrayNode list = JsonText.newArray();
    for (JobResult result : results) {
      ObjectNode node = list.addObject();
      node.put("filename", result.name());
      node.put("filesize", result.size());
      node.put("type", result.kind().oceanType());
      node.put("index", result.index());
    }
    return list;
  }
}
