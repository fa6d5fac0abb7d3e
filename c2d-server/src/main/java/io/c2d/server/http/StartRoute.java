package io.c2d.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.ComputeEngine;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.OceanSignature;
import io.c2d.ocean.OceanJson;
import io.c2d.server.assets.AssetDirectory;
import io.c2d.server.assets.AssetService;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Starts (paid and free) and {@code initializeCompute}: from ocean.js's JSON body to the engine's
 * request, with the publisher's files and DDOs from the {@link AssetDirectory}. Thread-safe.
 */
final class StartRoute {
  private final ComputeEngine engine;
  private final AssetDirectory assets;
  private final EthAddress provider;
  private final @Nullable PaidStarts paid;

  StartRoute(
      ComputeEngine engine, AssetDirectory assets, EthAddress provider, @Nullable PaidStarts paid) {
    this.engine = engine;
    this.assets = assets;
    this.provider = provider;
    this.paid = paid;
  }

  CompletionStage<ComputeJob> start(ObjectNode body, boolean free) {
    String consumer = text(body, "consumerAddress");
    String nonce = text(body, "nonce");
    String signature = text(body, "signature");
    if (body.has("datasets") && body.has("dataset")) {
      // ocean.js 8 sends datasets[0] again as "dataset", "kept for backwards compatibility";
      // ocean-node reads only "datasets"
      body.remove("dataset");
    }
    if (body.path("output").isTextual()) {
      throw new InvalidRequestException(
          "output", "c2d keeps results itself; an encrypted remote output is not supported");
    }
    ComputeRequest.Builder request;
    try {
      request =
          OceanJson.parseStartRequest(Bodies.JSON.writeValueAsString(body), assets::containerOf);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a parsed body cannot be written back", e);
    }
    List<DatasetInput> datasets = request.datasets();
    for (int i = 0; i < datasets.size(); i++) {
      request.setDataset(i, assets.resolve(datasets.get(i)));
    }
    Optional<Algorithm> algorithm = request.algorithm();
    if (algorithm.isPresent()) {
      request.algorithm(assets.resolve(algorithm.get()));
    }
    if (free) {
      request.free(true);
    }
    EngineAuth.sign(
        request,
        consumer,
        nonce,
        signature,
        free ? OceanSignature.FREE_START_COMPUTE : OceanSignature.START_COMPUTE);
    ComputeRequest built = request.build();
    if (!free && paid != null) {
      Optional<ComputeEnvironment> environment = environment(built.environmentId());
      if (environment.isPresent() && !environment.get().pricing().isEmpty()) {
        return paid.start(built, environment.get(), body);
      }
    }
    return engine.start(built);
  }

  /**
   * ocean-node's {@code initializeCompute}: checks the environment, the consumer and that every
   * asset is published here, and answers what each needs (whether its order is valid yet); for a
   * priced environment also each asset's {@code providerFee} to order with and the escrow {@code
   * payment} terms ({@link PaidStarts#initialize}).
   */
  ObjectNode initialize(ObjectNode body) {
    EthAddress consumer = EthAddress.parse(text(body, "consumerAddress"), "consumerAddress");
    String environmentId = text(body, "environment");
    ComputeEnvironment environment =
        environment(environmentId)
            .orElseThrow(
                () ->
                    new InvalidRequestException(
                        ErrorCode.ENVIRONMENT_UNKNOWN,
                        "environment",
                        "no environment '" + QueryParams.abbreviate(environmentId) + "' here",
                        null));
    JsonNode datasets = body.path("datasets");
    if (!datasets.isArray() || datasets.isEmpty()) {
      throw new InvalidRequestException("datasets", "expected a non-empty array");
    }
    ObjectNode answer = Bodies.JSON.createObjectNode();
    ArrayNode entries = answer.putArray("datasets");
    for (int i = 0; i < datasets.size(); i++) {
      JsonNode dataset = datasets.get(i);
      String field = "datasets[" + i + "]";
      Did did = did(dataset, field + ".documentId");
      String serviceId = text(dataset, "serviceId", field + ".serviceId");
      AssetService service = assets.computeService(did, serviceId);
      ObjectNode entry = entries.addObject().setAll(entry(did, serviceId, dataset));
      service.terms().datatokenAddress().ifPresent(token -> entry.put("datatoken", token.value()));
    }
    JsonNode algorithm = body.path("algorithm");
    if (!algorithm.isObject()) {
      throw new InvalidRequestException("algorithm", "expected an object");
    }
    if (algorithm.hasNonNull("documentId")) {
      Did did = did(algorithm, "algorithm.documentId");
      String serviceId = text(algorithm, "serviceId", "algorithm.serviceId");
      AssetService service = assets.service(did, serviceId);
      ObjectNode entry = answer.putObject("algorithm").setAll(entry(did, serviceId, algorithm));
      service.terms().datatokenAddress().ifPresent(token -> entry.put("datatoken", token.value()));
    } else {
      answer.putObject("algorithm");
    }
    answer.put("environment", environment.id());
    answer.put("free", environment.isFree());
    if (paid != null && !environment.pricing().isEmpty()) {
      paid.initialize(answer, environment, consumer, body);
    }
    return answer;
  }

  private Optional<ComputeEnvironment> environment(String id) {
    return engine.environments().stream().filter(e -> e.id().equals(id)).findFirst();
  }

  private ObjectNode entry(Did did, String serviceId, JsonNode sent) {
    ObjectNode entry = Bodies.JSON.createObjectNode();
    entry.put("did", did.value());
    entry.put("serviceId", serviceId);
    entry.put("consumerAddress", provider.value());
    JsonNode order = sent.path("transferTxId");
    if (order.isTextual() && !order.asText().isEmpty()) {
      entry.put("validOrder", order.asText());
    } else {
      entry.put("validOrder", false);
    }
    return entry;
  }

  private static Did did(JsonNode node, String field) {
    return Did.parse(text(node, "documentId", field), field);
  }

  /** A required member given as a JSON string or whole number, as its text. */
  static String text(JsonNode node, String member) {
    return text(node, member, member);
  }

  private static String text(JsonNode node, String member, String field) {
    JsonNode value = node.path(member);
    if (value.isTextual() && !value.asText().isEmpty()) {
      return value.asText();
    }
    if (value.isIntegralNumber()) {
      return value.asText();
    }
    if (value.isMissingNode() || value.isNull() || value.isTextual()) {
      throw new InvalidRequestException(field, "is required");
    }
    throw new InvalidRequestException(
        field,
        "expected a string but got "
            + value.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
  }
}
