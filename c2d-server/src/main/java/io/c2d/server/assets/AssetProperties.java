package io.c2d.server.assets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.C2dException;
import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.model.ComputePolicy;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import io.c2d.spi.ProviderConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link AssetDirectory#fromProperties(Map)}: {@code c2d.assets.dir}, or one dataset described by
 * {@code c2d.assets.did} and its siblings.
 *
 * <p>Stateless and thread-safe.
 */
final class AssetProperties {
  static final String PREFIX = "c2d.assets.";
  static final String DIR = "dir";
  static final String DID = "did";

  private static final ObjectMapper JSON = new ObjectMapper();

  private AssetProperties() {}

  static AssetDirectory directory(Map<String, String> properties) {
    ProviderConfig config = ProviderConfig.of(properties).scoped(PREFIX);
    Optional<String> dir = config.string(DIR);
    Optional<String> did = config.string(DID);
    if (dir.isPresent() && did.isPresent()) {
      throw invalid(
          PREFIX
              + DIR
              + " and "
              + PREFIX
              + DID
              + " exclude each other: give a directory or one"
              + " asset");
    }
    if (dir.isPresent()) {
      try {
        return AssetFolder.open(Path.of(dir.get()));
      } catch (InvalidPathException e) {
        throw invalid(PREFIX + DIR + " is not a path: " + Assets.quote(dir.get()));
      }
    }
    if (did.isPresent()) {
      return singleAsset(config, did.get());
    }
    throw invalid("no asset directory is configured: set " + PREFIX + DIR + " or " + PREFIX + DID);
  }

  private static AssetDirectory singleAsset(ProviderConfig config, String didText) {
    Did did = property(DID, () -> Did.parse(didText, PREFIX + DID));
    String serviceId = config.string("service-id", "compute");
    Duration timeout = config.duration("timeout", Duration.ZERO);
    List<FileLocator> files = new ArrayList<>();
    for (String file : list(config.string("files").orElse(""))) {
      files.add(property("files", () -> locator(file)));
    }
    if (files.isEmpty()) {
      throw invalid("property " + PREFIX + "files is required with " + PREFIX + DID);
    }
    ObjectNode ddo = JSON.createObjectNode();
    ddo.putArray("@context").add("https://w3id.org/did/v1");
    ddo.put("id", did.value()).put("version", "4.1.0");
    ddo.putObject("metadata")
        .put("type", "dataset")
        .put("name", config.string("name", "dataset"))
        .put("author", "c2d.assets properties")
        .put("license", "none");
    ObjectNode service = ddo.putArray("services").addObject();
    service.put("id", serviceId).put("type", "compute").put("files", "");
    Optional<String> datatoken = config.string("datatoken");
    if (datatoken.isPresent()) {
      service.put(
          "datatokenAddress",
          property("datatoken", () -> EthAddress.parse(datatoken.get(), PREFIX + "datatoken"))
              .value());
    }
    service.put("timeout", timeout.toSeconds());
    ObjectNode compute = service.putObject("compute");
    compute.put("allowRawAlgorithm", config.booleanValue("allow-raw-algorithm", false));
    compute.put("allowNetworkAccess", config.booleanValue("allow-network-access", false));
    ArrayNode algorithms = compute.putArray("publisherTrustedAlgorithms");
    for (String algorithm : list(config.string("trusted-algorithms").orElse(""))) {
      String trusted =
          algorithm.equals(ComputePolicy.ANY)
              ? algorithm
              : property(
                      "trusted-algorithms",
                      () -> Did.parse(algorithm, PREFIX + "trusted-algorithms"))
                  .value();
      algorithms
          .addObject()
          .put("did", trusted)
          .put("filesChecksum", ComputePolicy.ANY)
          .put("containerSectionChecksum", ComputePolicy.ANY);
    }
    ArrayNode publishers = compute.putArray("publisherTrustedAlgorithmPublishers");
    for (String publisher : list(config.string("trusted-publishers").orElse(""))) {
      publishers.add(
          publisher.equals(ComputePolicy.ANY)
              ? publisher
              : property(
                      "trusted-publishers",
                      () -> EthAddress.parse(publisher, PREFIX + "trusted-publishers"))
                  .value());
    }
    return property(
        DID, () -> AssetDirectory.builder().add(ddo.toString(), Map.of(serviceId, files)).build());
  }

  /** An absolute path, or a URI of a kind {@link FileLocator#of(URI)} reads. */
  private static FileLocator locator(String text) {
    if (text.startsWith("/")) {
      return FileLocator.file(Path.of(text));
    }
    try {
      return FileLocator.of(new URI(text));
    } catch (URISyntaxException e) {
      throw new InvalidRequestException(
          "file.url", "is neither an absolute path nor a URI: " + Assets.quote(text));
    }
  }

  private static List<String> list(String text) {
    List<String> items = new ArrayList<>();
    for (String item : text.split(",", -1)) {
      if (!item.isBlank()) {
        items.add(item.trim());
      }
    }
    return items;
  }

  private static <T> T property(String key, java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (ConfigurationException e) {
      throw e;
    } catch (C2dException | InvalidPathException e) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "property " + PREFIX + key + " is invalid: " + e.getMessage(),
          e);
    }
  }

  private static ConfigurationException invalid(String message) {
    return new ConfigurationException(ErrorCode.CONFIGURATION_INVALID, message);
  }
}
