package io.c2d.spi.backend;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.C2dException;
import io.c2d.model.Algorithm;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import io.c2d.model.JobId;
import io.c2d.model.OutputOptions;
import io.c2d.model.Resources;
import io.c2d.ocean.OceanJson;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The JSON form of {@link JobSpec} that backends keep beside their jobs. */
final class JobSpecJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int VERSION = 1;

  private JobSpecJson() {}

  /** Writes {@code spec} as compact JSON. */
  static String write(JobSpec spec) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("v", VERSION);
    root.put("jobId", spec.jobId().value());
    root.put("owner", spec.owner().value());
    root.put("requestId", spec.requestId());
    root.put("agreementId", spec.agreementId().orElse(null));
    ArrayNode datasets = root.putArray("datasets");
    for (DatasetInput dataset : spec.datasets()) {
      ObjectNode node = datasets.addObject();
      node.put("did", dataset.did().value());
      node.put("serviceId", dataset.serviceId());
      node.put("orderTx", dataset.orderTx().orElse(null));
      ArrayNode locators = node.putArray("locators");
      for (FileLocator locator : dataset.locators()) {
        locators.add(readTree(OceanJson.writeFileObject(locator)));
      }
      node.put("ddo", dataset.ddoJson().orElse(null));
      node.put("userdata", dataset.userData().orElse(null));
    }
    Algorithm algorithm = spec.algorithm();
    ObjectNode algo = root.putObject("algorithm");
    algo.put("did", algorithm.did().map(Did::value).orElse(null));
    algo.put("serviceId", algorithm.serviceId().orElse(null));
    algo.put("orderTx", algorithm.orderTx().orElse(null));
    ContainerSpec container = algorithm.container();
    algo.put("image", container.image());
    algo.put("tag", container.tag());
    algo.put("digest", container.digest());
    algo.put("entrypoint", container.entrypoint());
    algo.put("rawcode", algorithm.rawCode().orElse(null));
    ArrayNode files = algo.putArray("files");
    algorithm.files().forEach(file -> files.add(file.toString()));
    algo.put("ddo", algorithm.ddoJson().orElse(null));
    ObjectNode envs = algo.putObject("envs");
    algorithm.environment().forEach(envs::put);
    algo.put("customData", algorithm.customData());
    root.put("environment", spec.environmentId());
    Resources resources = spec.resources();
    ObjectNode res = root.putObject("resources");
    res.put("milliCpus", resources.milliCpus());
    res.put("memoryBytes", resources.memoryBytes());
    res.put("diskBytes", resources.diskBytes());
    res.put("gpus", resources.gpus());
    root.put("maxDurationMillis", spec.maxDuration().toMillis());
    root.put("networkAccess", spec.networkAccess());
    root.put("publishAsAsset", spec.output().publishAsAsset());
    root.put("assetName", spec.output().assetName());
    root.put("createdAt", spec.createdAt().toString());
    root.put("requestSha256", spec.requestSha256());
    try {
      return MAPPER.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a job spec is always writable", e);
    }
  }

  /**
   * Reads what {@link #write} wrote.
   *
   * @throws IllegalArgumentException if it is not a job spec
   */
  static JobSpec read(String json) {
    try {
      JsonNode root = MAPPER.readTree(json);
      if (root == null || root.path("v").asInt() != VERSION) {
        throw new IllegalArgumentException("not a version " + VERSION + " job spec");
      }
      JobSpec.Builder spec =
          JobSpec.builder(JobId.of(text(root, "jobId")), EthAddress.of(text(root, "owner")))
              .requestId(text(root, "requestId"))
              .agreementId(optional(root, "agreementId"))
              .environmentId(text(root, "environment"))
              .networkAccess(root.path("networkAccess").asBoolean(false))
              .maxDuration(Duration.ofMillis(root.path("maxDurationMillis").asLong()))
              .output(
                  new OutputOptions(
                      root.path("publishAsAsset").asBoolean(false), optional(root, "assetName")))
              .createdAt(Instant.parse(text(root, "createdAt")))
              .requestSha256(root.path("requestSha256").asText(""));
      List<DatasetInput> datasets = new ArrayList<>();
      for (JsonNode node : root.path("datasets")) {
        DatasetInput.Builder dataset =
            DatasetInput.builder(Did.of(text(node, "did")), text(node, "serviceId"));
        String orderTx = optional(node, "orderTx");
        if (orderTx != null) {
          dataset.orderTx(orderTx);
        }
        // State written before locators existed holds URIs under "files".
        for (JsonNode file : node.path("files")) {
          dataset.addFile(URI.create(file.asText()));
        }
        for (JsonNode locator : node.path("locators")) {
          dataset.addLocator(OceanJson.readFileObject(locator.toString()));
        }
        String ddo = optional(node, "ddo");
        if (ddo != null) {
          dataset.ddoJson(ddo);
        }
        String userData = optional(node, "userdata");
        if (userData != null) {
          dataset.userData(userData);
        }
        datasets.add(dataset.build());
      }
      spec.datasets(datasets);
      spec.algorithm(readAlgorithm(root.path("algorithm")));
      JsonNode res = root.path("resources");
      spec.resources(
          new Resources(
              res.path("milliCpus").asLong(),
              res.path("memoryBytes").asLong(),
              res.path("diskBytes").asLong(),
              res.path("gpus").asInt()));
      return spec.build();
    } catch (JsonProcessingException | C2dException | java.time.DateTimeException e) {
      throw new IllegalArgumentException("not a job spec: " + e.getMessage(), e);
    }
  }

  private static Algorithm readAlgorithm(JsonNode algo) {
    ContainerSpec container =
        new ContainerSpec(
            text(algo, "image"),
            text(algo, "tag"),
            optional(algo, "digest"),
            text(algo, "entrypoint"));
    String did = optional(algo, "did");
    Algorithm.Builder builder;
    if (did == null) {
      builder = Algorithm.raw(container, text(algo, "rawcode"));
    } else {
      builder = Algorithm.published(Did.of(did), text(algo, "serviceId"), container);
      String orderTx = optional(algo, "orderTx");
      if (orderTx != null) {
        builder.orderTx(orderTx);
      }
      for (JsonNode file : algo.path("files")) {
        builder.addFile(URI.create(file.asText()));
      }
      String ddo = optional(algo, "ddo");
      if (ddo != null) {
        builder.ddoJson(ddo);
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = algo.path("envs").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> env = it.next();
      builder.putEnvironment(env.getKey(), env.getValue().asText());
    }
    builder.customData(algo.path("customData").asText("{}"));
    return builder.build();
  }

  private static JsonNode readTree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a file object is always JSON", e);
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("missing text field " + field);
    }
    return value.asText();
  }

  private static @Nullable String optional(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }
}
