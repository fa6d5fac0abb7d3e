package io.c2d.ocean;

import static io.c2d.ocean.JsonFields.array;
import static io.c2d.ocean.JsonFields.epochSecond;
import static io.c2d.ocean.JsonFields.objectText;
import static io.c2d.ocean.JsonFields.optional;
import static io.c2d.ocean.JsonFields.optionalBoolean;
import static io.c2d.ocean.JsonFields.optionalText;
import static io.c2d.ocean.JsonFields.rename;
import static io.c2d.ocean.JsonFields.renamed;
import static io.c2d.ocean.JsonFields.requireObject;
import static io.c2d.ocean.JsonFields.required;
import static io.c2d.ocean.JsonFields.requiredText;
import static io.c2d.ocean.JsonFields.wholeNumber;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.c2d.InvalidRequestException;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.OutputOptions;
import io.c2d.model.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Reads the compute start body of Ocean's provider v4 and of ocean-node into a request builder, as
 * {@link OceanJson#parseStartRequest(String)} documents it.
 *
 * <p>Stateless and thread-safe. Refuses with an {@link InvalidRequestException} naming the first
 * member found missing or malformed.
 */
final class StartRequestReader {
  private static final String CONTAINER = "algorithm.meta.container";

  /** The prefix of the container fields the model names, which the body calls otherwise. */
  private static final String MODEL_CONTAINER = "algorithm.container.";

  private StartRequestReader() {}

  /**
   * Parses a start body; {@code containerOfAlgorithm}, when given, supplies a published algorithm's
   * container.
   */
  static ComputeRequest.Builder read(
      String json, @Nullable Function<? super Did, Optional<ContainerSpec>> containerOfAlgorithm) {
    JsonNode root = JsonText.read(json);
    if (!root.isObject()) {
      throw new InvalidRequestException("body", "must be a JSON object");
    }
    ComputeRequest.Builder builder = ComputeRequest.builder();
    builder.consumer(
        EthAddress.parse(
            requiredText(root, "consumerAddress", "consumerAddress"), "consumerAddress"));
    builder.signature(requiredText(root, "signature", "signature"));
    builder.nonce(nonce(root));
    builder.environment(requiredText(root, "environment", "environment"));
    datasets(root, builder);
    builder.algorithm(algorithm(required(root, "algorithm", "algorithm"), containerOfAlgorithm));

    String requestId = optionalText(root, "requestId", "requestId");
    if (requestId != null) {
      builder.requestId(requestId);
    }
    String agreementId = optionalText(root, "agreementId", "agreementId");
    if (agreementId != null) {
      builder.agreementId(agreementId);
    }
    JsonNode maxJobDuration = optional(root, "maxJobDuration");
    if (maxJobDuration != null) {
      builder.maxDuration(Duration.ofSeconds(wholeNumber(maxJobDuration, "maxJobDuration")));
    }
    Resources resources = ResourcesReader.read(optional(root, "resources"));
    if (resources != null) {
      builder.resources(resources);
    }
    Instant expiresAt = expiry(root);
    if (expiresAt != null) {
      builder.expiresAt(expiresAt);
    }
    Boolean networkAccess = optionalBoolean(root, "networkAccess", "networkAccess");
    if (networkAccess != null) {
      builder.networkAccess(networkAccess);
    }
    builder.output(output(optional(root, "output")));
    return builder;
  }

  private static String nonce(JsonNode root) {
    JsonNode nonce = optional(root, "nonce");
    if (nonce == null) {
      throw new InvalidRequestException("nonce", "is missing");
    }
    if (nonce.isIntegralNumber()) {
      return nonce.bigIntegerValue().toString();
    }
    if (nonce.isTextual()) {
      return nonce.textValue();
    }
    throw new InvalidRequestException("nonce", "must be a whole number or a string of digits");
  }

  private static void datasets(JsonNode root, ComputeRequest.Builder builder) {
    JsonNode dataset = optional(root, "dataset");
    JsonNode datasets = optional(root, "datasets");
    JsonNode additional = optional(root, "additionalDatasets");
    if (dataset != null && datasets != null) {
      throw new InvalidRequestException(
          "datasets",
          "give dataset and additionalDatasets (provider v4) or datasets (ocean-node), not both");
    }
    if (dataset != null) {
      builder.addDataset(dataset(dataset, "dataset"));
      if (additional != null) {
        List<JsonNode> items = array(additional, "additionalDatasets");
        for (int i = 0; i < items.size(); i++) {
          builder.addDataset(dataset(items.get(i), "additionalDatasets[" + i + "]"));
        }
      }
    } else if (datasets != null) {
      if (additional != null) {
        throw new InvalidRequestException(
            "additionalDatasets",
            "goes with dataset (provider v4), not with datasets (ocean-node)");
      }
      List<JsonNode> items = array(datasets, "datasets");
      if (items.isEmpty()) {
        throw new InvalidRequestException("datasets", "must name at least one dataset");
      }
      for (int i = 0; i < items.size(); i++) {
        builder.addDataset(dataset(items.get(i), "datasets[" + i + "]"));
      }
    } else {
      throw new InvalidRequestException("dataset", "is missing");
    }
  }

  private static DatasetInput dataset(JsonNode node, String path) {
    requireObject(node, path);
    Did did =
        Did.parse(requiredText(node, "documentId", path + ".documentId"), path + ".documentId");
    String serviceId = requiredText(node, "serviceId", path + ".serviceId");
    DatasetInput.Builder builder =
        renamed(path + ".serviceId", () -> DatasetInput.builder(did, serviceId));
    String orderTx = optionalText(node, "transferTxId", path + ".transferTxId");
    if (orderTx != null) {
      renamed(path + ".transferTxId", () -> builder.orderTx(orderTx));
    }
    String userData = objectText(node, "userdata", path + ".userdata");
    if (userData != null) {
      renamed(path + ".userdata", () -> builder.userData(userData));
    }
    return builder.build();
  }

  private static Algorithm algorithm(
      JsonNode node,
      @Nullable Function<? super Did, Optional<ContainerSpec>> containerOfAlgorithm) {
    requireObject(node, "algorithm");
    String documentId = optionalText(node, "documentId", "algorithm.documentId");
    JsonNode meta = optional(node, "meta");
    if (meta != null) {
      requireObject(meta, "algorithm.meta");
    }
    Algorithm.Builder builder;
    if (documentId == null) {
      if (meta == null) {
        throw new InvalidRequestException(
            "algorithm.meta",
            "is missing: a raw algorithm needs meta.rawcode and meta.container, a published one"
                + " algorithm.documentId");
      }
      String code = requiredText(meta, "rawcode", "algorithm.meta.rawcode");
      ContainerSpec container = container(required(meta, "container", CONTAINER));
      builder = renamed("algorithm.meta.rawcode", () -> Algorithm.raw(container, code));
    } else {
      Did did = Did.parse(documentId, "algorithm.documentId");
      String serviceId = requiredText(node, "serviceId", "algorithm.serviceId");
      if (meta != null && optionalText(meta, "rawcode", "algorithm.meta.rawcode") != null) {
        throw new InvalidRequestException(
            "algorithm.meta.rawcode",
            "must be empty for a published algorithm (one with algorithm.documentId)");
      }
      JsonNode containerNode = meta == null ? null : optional(meta, "container");
      ContainerSpec asked = containerNode == null ? null : container(containerNode);
      ContainerSpec container = publishedContainer(did, asked, containerOfAlgorithm);
      builder =
          renamed("algorithm.serviceId", () -> Algorithm.published(did, serviceId, container));
    }
    String orderTx = optionalText(node, "transferTxId", "algorithm.transferTxId");
    if (orderTx != null) {
      renamed("algorithm.transferTxId", () -> builder.orderTx(orderTx));
    }
    String customData = objectText(node, "algocustomdata", "algorithm.algocustomdata");
    if (customData != null) {
      renamed("algorithm.algocustomdata", () -> builder.customData(customData));
    }
    JsonNode envs = optional(node, "envs");
    if (envs != null) {
      requireObject(envs, "algorithm.envs");
      for (Iterator<Map.Entry<String, JsonNode>> it = envs.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> env = it.next();
        JsonNode value = env.getValue();
        if (!value.isValueNode() || value.isNull()) {
          throw new InvalidRequestException(
              "algorithm.envs." + env.getKey(), "must be a string, a number or a boolean");
        }
        builder.putEnvironment(env.getKey(), value.asText());
      }
    }
    return builder.build();
  }

  private static ContainerSpec publishedContainer(
      Did did,
      @Nullable ContainerSpec asked,
      @Nullable Function<? super Did, Optional<ContainerSpec>> containerOfAlgorithm) {
    ContainerSpec published =
        containerOfAlgorithm == null
            ? null
            : requireNonNull(containerOfAlgorithm.apply(did), "containerOfAlgorithm result")
                .orElse(null);
    if (published == null) {
      if (asked == null) {
        throw new InvalidRequestException(
            CONTAINER,
            "is missing, and no container is known for the published algorithm "
                + did
                + ": the provider fills it from the algorithm's DDO");
      }
      return asked;
    }
    if (asked != null && !asked.equals(published)) {
      throw new InvalidRequestException(
          CONTAINER,
          "differs from the container published for " + did + " (" + published.reference() + ")");
    }
    return published;
  }

  private static ContainerSpec container(JsonNode node) {
    requireObject(node, CONTAINER);
    String entrypoint = requiredText(node, "entrypoint", CONTAINER + ".entrypoint");
    String image = requiredText(node, "image", CONTAINER + ".image");
    String tag = requiredText(node, "tag", CONTAINER + ".tag");
    String checksum = optionalText(node, "checksum", CONTAINER + ".checksum");
    try {
      return new ContainerSpec(image, tag, checksum, entrypoint);
    } catch (InvalidRequestException e) {
      String field = e.field();
      String member =
          field.startsWith(MODEL_CONTAINER) ? field.substring(MODEL_CONTAINER.length()) : "";
      throw rename(
          e,
          member.isEmpty()
              ? CONTAINER
              : CONTAINER + "." + ("digest".equals(member) ? "checksum" : member));
    }
  }

  private static @Nullable Instant expiry(JsonNode root) {
    JsonNode validUntil = optional(root, "validUntil");
    JsonNode expiresAt = optional(root, "expiresAt");
    Instant valid = validUntil == null ? null : epochSecond(validUntil, "validUntil");
    Instant expires = expiresAt == null ? null : epochSecond(expiresAt, "expiresAt");
    if (valid != null && expires != null && !valid.equals(expires)) {
      throw new InvalidRequestException("expiresAt", "differs from validUntil");
    }
    return expires != null ? expires : valid;
  }

  private static OutputOptions output(@Nullable JsonNode node) {
    if (node == null) {
      return OutputOptions.KEEP;
    }
    if (node.isTextual()) {
      throw new InvalidRequestException(
          "output",
          "ocean-node's encrypted remote output is not supported; c2d keeps results for download");
    }
    requireObject(node, "output");
    Boolean publish = optionalBoolean(node, "publishAsAsset", "output.publishAsAsset");
    String assetName = optionalText(node, "assetName", "output.assetName");
    if (publish == null && assetName == null) {
      return OutputOptions.KEEP;
    }
    return new OutputOptions(publish != null && publish, assetName);
  }
}
