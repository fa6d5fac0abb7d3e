package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.spi.ProviderConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Tells the {@link OrderVerifier} which datatoken, service index and timeout an order of a service
 * of an asset must have.
 *
 * <p>A provider normally derives these from the asset's DDO (Ocean DDO v4: {@code
 * services[i].datatokenAddress}, {@code services[i].timeout} in seconds, and the index {@code i});
 * {@link Builder#ddo(String)} does exactly that. An application with a metadata cache of its own
 * implements this interface over it.
 *
 * <p>Implementations must be thread-safe and answer from memory: {@link #lookup} is called on the
 * verifier's caller thread, which must not wait on the network.
 */
public interface ServiceDirectory {

  /**
   * The order terms of service {@code serviceId} of asset {@code did}, if this provider serves it.
   */
  Optional<OrderedService> lookup(Did did, String serviceId);

  /** A builder of an immutable in-memory directory. */
  static Builder builder() {
    return new Builder();
  }

  /**
   * An in-memory directory of the services configured below {@code prefix}: for every {@code
   * <name>}, {@code <prefix>services.<name>.did}, {@code .service-id}, {@code .datatoken}, {@code
   * .index} and {@code .timeout} (a duration; {@code 0} for ever, the default).
   *
   * @throws ConfigurationException naming the property that is missing or malformed
   */
  static ServiceDirectory fromConfig(ProviderConfig config, String prefix) {
    requireNonNull(config, "config");
    requireNonNull(prefix, "prefix");
    ProviderConfig services = config.scoped(prefix + "services.");
    TreeSet<String> names = new TreeSet<>();
    for (String key : services.asMap().keySet()) {
      int dot = key.indexOf('.');
      if (dot > 0) {
        names.add(key.substring(0, dot));
      }
    }
    Builder builder = builder();
    for (String name : names) {
      ProviderConfig service = services.scoped(name + ".");
      String where = prefix + "services." + name + ".";
      String did = service.requireString("did");
      String datatoken = service.requireString("datatoken");
      long index = service.longValue("index", 0);
      try {
        builder.service(
            Did.of(did),
            service.requireString("service-id"),
            new OrderedService(
                EthAddress.of(datatoken),
                Math.toIntExact(index),
                service.duration("timeout", Duration.ZERO)));
      } catch (InvalidRequestException | IllegalArgumentException | ArithmeticException e) {
        throw new ConfigurationException(
            ErrorCode.CONFIGURATION_INVALID,
            "properties " + where + "* do not describe a service: " + e.getMessage(),
            e);
      }
    }
    return builder.build();
  }

  /** Builds an immutable in-memory {@link ServiceDirectory}. Not thread-safe. */
  final class Builder {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<Key, OrderedService> services = new HashMap<>();

    private Builder() {}

    /** Adds (or replaces) the terms of service {@code serviceId} of asset {@code did}. */
    public Builder service(Did did, String serviceId, OrderedService service) {
      services.put(
          new Key(requireNonNull(did, "did"), requireNonNull(serviceId, "serviceId")),
          requireNonNull(service, "service"));
      return this;
    }

    /**
     * Adds every service of a DDO v4 that names a datatoken: its {@code id}, {@code
     * datatokenAddress}, {@code timeout} (seconds, 0 or absent for ever) and its index in {@code
     * services}. All or nothing: a DDO with one malformed service adds none.
     *
     * @throws ConfigurationException ({@link ErrorCode#CONFIGURATION_INVALID}) if the JSON is not a
     *     DDO with an {@code id} and {@code services}, or a service's fields are malformed
     */
    public Builder ddo(String ddoJson) {
      requireNonNull(ddoJson, "ddoJson");
      Map<Key, OrderedService> read;
      try {
        read = servicesOf(ddoJson);
      } catch (InvalidRequestException | IllegalArgumentException e) {
        throw new ConfigurationException(
            ErrorCode.CONFIGURATION_INVALID, "the DDO cannot be read: " + e.getMessage(), e);
      }
      services.putAll(read);
      return this;
    }

    private static Map<Key, OrderedService> servicesOf(String ddoJson) {
      JsonNode ddo;
      try {
        ddo = JSON.readTree(ddoJson);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("the DDO is not JSON: " + e.getOriginalMessage(), e);
      }
      if (ddo == null || !ddo.isObject()) {
        throw new IllegalArgumentException("the DDO is not a JSON object");
      }
      Did did = Did.of(text(ddo, "id", "DDO"));
      JsonNode list = ddo.path("services");
      if (!list.isArray()) {
        throw new IllegalArgumentException("the DDO " + did + " has no services array");
      }
      Map<Key, OrderedService> read = new HashMap<>();
      for (int i = 0; i < list.size(); i++) {
        JsonNode service = list.get(i);
        if (!service.hasNonNull("datatokenAddress")) {
          continue;
        }
        String where = "services[" + i + "]";
        JsonNode timeout = service.path("timeout");
        if (!timeout.isMissingNode() && !timeout.isNull() && !timeout.canConvertToLong()) {
          throw new IllegalArgumentException(where + ".timeout must be a number of seconds");
        }
        read.put(
            new Key(did, text(service, "id", where)),
            new OrderedService(
                EthAddress.parse(
                    text(service, "datatokenAddress", where), where + ".datatokenAddress"),
                i,
                Duration.ofSeconds(timeout.asLong(0))));
      }
      return read;
    }

    private static String text(JsonNode node, String field, String where) {
      JsonNode value = node.path(field);
      if (!value.isTextual() || value.asText().isBlank()) {
        throw new IllegalArgumentException(where + "." + field + " must be a non-empty string");
      }
      return value.asText();
    }

    /** The directory, a snapshot of what was added. */
    public ServiceDirectory build() {
      Map<Key, OrderedService> snapshot = Map.copyOf(services);
      return new ServiceDirectory() {
        @Override
        public Optional<OrderedService> lookup(Did did, String serviceId) {
          return Optional.ofNullable(snapshot.get(new Key(did, serviceId)));
        }

        @Override
        public String toString() {
          return "ServiceDirectory" + snapshot.keySet();
        }
      };
    }

    private record Key(Did did, String serviceId) {
      @Override
      public String toString() {
        return did + "/" + serviceId;
      }
    }
  }
}
