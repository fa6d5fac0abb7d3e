package io.c2d.spi.backend;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.C2dException;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The JSON form of {@link BackendJobState} that backends keep beside their jobs. */
final class BackendJobStateJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private BackendJobStateJson() {}

  /** Writes {@code state} as compact JSON. */
  static String write(BackendJobState state) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("jobId", state.jobId().value());
    root.put("status", state.status().code());
    root.put("statusName", state.status().name());
    if (state.exitCode() != null) {
      root.put("exitCode", state.exitCode());
    }
    root.put("detail", state.detail());
    root.put("at", state.at().toString());
    ArrayNode results = root.putArray("results");
    for (JobResult result : state.results()) {
      results
          .addObject()
          .put("name", result.name())
          .put("kind", result.kind().oceanType())
          .put("size", result.size())
          .put("index", result.index());
    }
    try {
      return MAPPER.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a job state is always writable", e);
    }
  }

  /**
   * Reads what {@link #write} wrote.
   *
   * @throws IllegalArgumentException if it is not a job state
   */
  static BackendJobState read(String json) {
    try {
      JsonNode root = MAPPER.readTree(json);
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException("not a JSON object");
      }
      int code = root.path("status").asInt(-1);
      JobStatus status =
          JobStatus.ofCode(code)
              .orElseThrow(() -> new IllegalArgumentException("unknown status " + code));
      JsonNode exit = root.get("exitCode");
      JsonNode detail = root.get("detail");
      List<JobResult> results = new ArrayList<>();
      for (JsonNode result : root.path("results")) {
        String type = result.path("kind").asText("");
        results.add(
            new JobResult(
                result.path("name").asText(""),
                ResultKind.ofOceanType(type)
                    .orElseThrow(() -> new IllegalArgumentException("unknown kind " + type)),
                result.path("size").asLong(-1),
                result.path("index").asInt(-1)));
      }
      return new BackendJobState(
          JobId.of(root.path("jobId").asText("")),
          status,
          exit == null || !exit.canConvertToInt() ? null : exit.asInt(),
          detail == null || detail.isNull() ? null : detail.asText(),
          results,
          Instant.parse(root.path("at").asText("")));
    } catch (JsonProcessingException | C2dException | java.time.DateTimeException e) {
      throw new IllegalArgumentException("not a job state: " + e.getMessage(), e);
    }
  }
}
