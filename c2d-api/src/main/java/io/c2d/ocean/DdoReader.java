package io.c2d.ocean;

import static io.c2d.ocean.JsonFields.array;
import static io.c2d.ocean.JsonFields.optional;
import static io.c2d.ocean.JsonFields.optionalBoolean;
import static io.c2d.ocean.JsonFields.optionalText;
import static io.c2d.ocean.JsonFields.rename;
import static io.c2d.ocean.JsonFields.renamed;
import static io.c2d.ocean.JsonFields.requireObject;
import static io.c2d.ocean.JsonFields.required;
import static io.c2d.ocean.JsonFields.requiredText;
import static io.c2d.ocean.JsonFields.text;
import static io.c2d.ocean.JsonFields.wholeNumber;

import com.fasterxml.jackson.databind.JsonNode;
import io.c2d.InvalidRequestException;
import io.c2d.model.ComputePolicy;
import io.c2d.model.ContainerSpec;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.ResultPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads an Ocean DDO (v4, or v5 with its fields in {@code credentialSubject}) into an {@link
 * OceanDdo}.
 *
 * <p>Stateless and thread-safe; refuses with an {@link InvalidRequestException} naming the member.
 */
final class DdoReader {
  private static final String SUBJECT = "credentialSubject";
  private static final String MODEL_CONTAINER = "algorithm.container.";
  private static final int MAX_SERVICES = 64;
  private static final int MAX_TRUSTED = 1024;
  private static final int MAX_SERVICE_ID = 256;

  private DdoReader() {}

  static OceanDdo read(String json) {
    if (json.length() > OceanDdo.MAX_CHARS) {
      throw new InvalidRequestException(
          "body", "is longer than " + OceanDdo.MAX_CHARS + " characters");
    }
    JsonNode root = JsonText.read(json);
    requireObject(root, "body");
    Did did = Did.parse(requiredText(root, "id", "id"), "id");
    JsonNode subject = root;
    String prefix = "";
    JsonNode credentialSubject = optional(root, SUBJECT);
    if (credentialSubject != null) {
      requireObject(credentialSubject, SUBJECT);
      subject = credentialSubject;
      prefix = SUBJECT + ".";
      String subjectId = optionalText(subject, "id", prefix + "id");
      if (subjectId != null && !Did.parse(subjectId, prefix + "id").equals(did)) {
        throw new InvalidRequestException(prefix + "id", "differs from the DDO's id " + did);
      }
    }
    Long chainId = null;
    JsonNode chain = optional(subject, "chainId");
    if (chain != null) {
      chainId = wholeNumber(chain, prefix + "chainId");
    }
    EthAddress nftAddress = address(subject, "nftAddress", prefix + "nftAddress");
    EthAddress publisher = null;
    JsonNode nft = optional(subject, "nft");
    if (nft != null) {
      requireObject(nft, prefix + "nft");
      publisher = address(nft, "owner", prefix + "nft.owner");
    }
    JsonNode metadata = required(subject, "metadata", prefix + "metadata");
    requireObject(metadata, prefix + "metadata");
    String type = requiredText(metadata, "type", prefix + "metadata.type");
    if (!type.equals("dataset") && !type.equals("algorithm")) {
      throw new InvalidRequestException(
          prefix + "metadata.type",
          "must be dataset or algorithm but is '" + JsonFields.abbreviate(type) + "'");
    }
    ContainerSpec container = null;
    if (type.equals("algorithm")) {
      container = algorithmContainer(metadata, prefix + "metadata.algorithm");
    }
    List<OceanDdo.Service> services = services(subject, prefix + "services");
    return new OceanDdo(
        json, did, type, chainId, nftAddress, publisher, container, List.copyOf(services));
  }

  private static @Nullable EthAddress address(JsonNode object, String name, String field) {
    String value = optionalText(object, name, field);
    return value == null ? null : EthAddress.parse(value, field);
  }

  private static ContainerSpec algorithmContainer(JsonNode metadata, String path) {
    JsonNode algorithm = required(metadata, "algorithm", path);
    requireObject(algorithm, path);
    String field = path + ".container";
    JsonNode node = required(algorithm, "container", field);
    requireObject(node, field);
    String entrypoint = requiredText(node, "entrypoint", field + ".entrypoint");
    String image = requiredText(node, "image", field + ".image");
    String tag = requiredText(node, "tag", field + ".tag");
    String checksum = optionalText(node, "checksum", field + ".checksum");
    try {
      return new ContainerSpec(image, tag, checksum, entrypoint);
    } catch (InvalidRequestException e) {
      String member =
          e.field().startsWith(MODEL_CONTAINER)
              ? e.field().substring(MODEL_CONTAINER.length())
              : "";
      throw rename(
          e,
          member.isEmpty() ? field : field + "." + ("digest".equals(member) ? "checksum" : member));
    }
  }

  private static List<OceanDdo.Service> services(JsonNode subject, String path) {
    List<JsonNode> items = array(required(subject, "services", path), path);
    if (items.size() > MAX_SERVICES) {
      throw new InvalidRequestException(path, "has more than " + MAX_SERVICES + " services");
    }
    List<OceanDdo.Service> services = new ArrayList<>(items.size());
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      String field = path + "[" + i + "]";
      OceanDdo.Service service = service(items.get(i), field);
      if (!ids.add(service.id())) {
        throw new InvalidRequestException(
            field + ".id", "repeats the service id '" + JsonFields.abbreviate(service.id()) + "'");
      }
      services.add(service);
    }
    return services;
  }

  private static OceanDdo.Service service(JsonNode node, String path) {
    requireObject(node, path);
    String id = requiredText(node, "id", path + ".id");
    if (id.isBlank() || id.length() > MAX_SERVICE_ID) {
      throw new InvalidRequestException(
          path + ".id", "must be 1 to " + MAX_SERVICE_ID + " characters, not blank");
    }
    String type = requiredText(node, "type", path + ".type");
    EthAddress datatoken = address(node, "datatokenAddress", path + ".datatokenAddress");
    String endpoint = optionalText(node, "serviceEndpoint", path + ".serviceEndpoint");
    Duration timeout = Duration.ZERO;
    JsonNode timeoutNode = optional(node, "timeout");
    if (timeoutNode != null) {
      timeout = Duration.ofSeconds(wholeNumber(timeoutNode, path + ".timeout"));
    }
    ComputePolicy policy = ComputePolicy.CLOSED;
    JsonNode compute = optional(node, "compute");
    if (compute != null && type.equals("compute")) {
      policy = policy(compute, path + ".compute");
    }
    return new OceanDdo.Service(id, type, datatoken, endpoint, timeout, policy);
  }

  private static ComputePolicy policy(JsonNode compute, String path) {
    requireObject(compute, path);
    Boolean raw = optionalBoolean(compute, "allowRawAlgorithm", path + ".allowRawAlgorithm");
    Boolean network = optionalBoolean(compute, "allowNetworkAccess", path + ".allowNetworkAccess");
    List<ComputePolicy.TrustedAlgorithm> algorithms = new ArrayList<>();
    JsonNode trusted = optional(compute, "publisherTrustedAlgorithms");
    if (trusted != null) {
      String field = path + ".publisherTrustedAlgorithms";
      List<JsonNode> items = limited(array(trusted, field), field);
      for (int i = 0; i < items.size(); i++) {
        algorithms.add(trustedAlgorithm(items.get(i), field + "[" + i + "]"));
      }
    }
    List<String> publishers = new ArrayList<>();
    JsonNode trustedPublishers = optional(compute, "publisherTrustedAlgorithmPublishers");
    if (trustedPublishers != null) {
      String field = path + ".publisherTrustedAlgorithmPublishers";
      List<JsonNode> items = limited(array(trustedPublishers, field), field);
      for (int i = 0; i < items.size(); i++) {
        String item = field + "[" + i + "]";
        String publisher = text(items.get(i), item);
        publishers.add(
            publisher.equals(ComputePolicy.ANY)
                ? publisher
                : EthAddress.parse(publisher, item).value());
      }
    }
    ComputePolicy policy =
        ComputePolicy.of(raw != null && raw, network != null && network, algorithms, publishers);
    JsonNode filters = optional(compute, "resultFilters");
    return filters == null
        ? policy
        : policy.withResultPolicy(ResultPolicy.parse(filters.toString(), path + ".resultFilters"));
  }

  private static List<JsonNode> limited(List<JsonNode> items, String field) {
    if (items.size() > MAX_TRUSTED) {
      throw new InvalidRequestException(field, "has more than " + MAX_TRUSTED + " entries");
    }
    return items;
  }

  private static ComputePolicy.TrustedAlgorithm trustedAlgorithm(JsonNode node, String path) {
    requireObject(node, path);
    String did = requiredText(node, "did", path + ".did");
    if (!did.equals(ComputePolicy.ANY)) {
      did = Did.parse(did, path + ".did").value();
    }
    String files = checksum(node, "filesChecksum", path);
    String container = checksum(node, "containerSectionChecksum", path);
    String trustedDid = did;
    return renamed(path, () -> new ComputePolicy.TrustedAlgorithm(trustedDid, files, container));
  }

  /**
   * A checksum member; a missing one pins nothing ({@code "*"}), read exactly as {@link
   * ComputePolicy#fromDdo} reads it so that this DDO's terms and the engine's check agree.
   */
  private static String checksum(JsonNode node, String name, String path) {
    JsonNode value = optional(node, name);
    return value == null ? ComputePolicy.ANY : text(value, path + "." + name);
  }
}
