package io.c2d.model;

import static java.util.Objects.requireNonNull;

import io.c2d.InvalidRequestException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The algorithm of a compute request: either a <em>published</em> algorithm (an asset with its own
 * DID, DDO and files, which the dataset's compute policy may trust) or a <em>raw</em> algorithm
 * (code sent with the request, allowed only where the policy says {@code allowRawAlgorithm}).
 *
 * <p>Either way it names the container to run, its own environment variables, and the consumer's
 * custom parameters (written to {@code /data/inputs/algoCustomData.json}).
 *
 * <p>Immutable and thread-safe. Build with {@link #raw} or {@link #published}.
 */
public final class Algorithm {
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final int MAX_CODE = 1 << 20;
  private static final int MAX_CUSTOM_DATA = 64 * 1024;
  private static final int MAX_FILES = 64;

  private final @Nullable Did did;
  private final @Nullable String serviceId;
  private final @Nullable String orderTx;
  private final ContainerSpec container;
  private final @Nullable String rawCode;
  private final List<URI> files;
  private final @Nullable String ddoJson;
  private final Map<String, String> environment;
  private final String customData;

  private Algorithm(Builder b) {
    this.did = b.did;
    this.serviceId = b.serviceId;
    this.orderTx = b.orderTx;
    this.container = requireContainer(b.container);
    this.rawCode = b.rawCode;
    this.files = List.copyOf(b.files);
    this.ddoJson = b.ddoJson;
    this.environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.environment));
    this.customData = b.customData;
  }

  private static ContainerSpec requireContainer(@Nullable ContainerSpec container) {
    if (container == null) {
      throw new InvalidRequestException("algorithm.container", "is missing");
    }
    return container;
  }

  /**
   * A builder of a raw algorithm: {@code code} is written to {@code
   * /data/transformations/algorithm} and its path is {@code $ALGO}.
   */
  public static Builder raw(ContainerSpec container, String code) {
    Builder builder = new Builder();
    builder.container = requireNonNull(container, "container");
    Text.requireText(code, "algorithm.rawcode", MAX_CODE);
    builder.rawCode = code;
    return builder;
  }

  /**
   * A builder of a published algorithm, the asset {@code did} reached through its compute service
   * {@code serviceId}.
   */
  public static Builder published(Did did, String serviceId, ContainerSpec container) {
    Builder builder = new Builder();
    builder.did = requireNonNull(did, "did");
    builder.serviceId = Text.requireText(serviceId, "algorithm.serviceId", 256);
    builder.container = requireNonNull(container, "container");
    return builder;
  }

  /** Whether this is a raw algorithm (no DID). */
  public boolean isRaw() {
    return did == null;
  }

  /** The algorithm asset's DID; empty for a raw algorithm. */
  public Optional<Did> did() {
    return Optional.ofNullable(did);
  }

  /** The compute service of the algorithm asset; empty for a raw algorithm. */
  public Optional<String> serviceId() {
    return Optional.ofNullable(serviceId);
  }

  /** The transaction of the order the consumer placed for the algorithm asset, if any. */
  public Optional<String> orderTx() {
    return Optional.ofNullable(orderTx);
  }

  /** The container to run. */
  public ContainerSpec container() {
    return container;
  }

  /** The code of a raw algorithm; empty for a published one. */
  public Optional<String> rawCode() {
    return Optional.ofNullable(rawCode);
  }

  /** Where the provider fetches a published algorithm's files from; unmodifiable. */
  public List<URI> files() {
    return files;
  }

  /** The published algorithm's DDO as JSON, supplied by the provider application, if known. */
  public Optional<String> ddoJson() {
    return Optional.ofNullable(ddoJson);
  }

  /** Extra environment variables for the algorithm; unmodifiable, in insertion order. */
  public Map<String, String> environment() {
    return environment;
  }

  /** The consumer's custom parameters as a JSON object; {@code {}} when none. */
  public String customData() {
    return customData;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Algorithm that)) {
      return false;
    }
    return Objects.equals(did, that.did)
        && Objects.equals(serviceId, that.serviceId)
        && Objects.equals(orderTx, that.orderTx)
        && container.equals(that.container)
        && Objects.equals(rawCode, that.rawCode)
        && files.equals(that.files)
        && Objects.equals(ddoJson, that.ddoJson)
        && environment.equals(that.environment)
        && customData.equals(that.customData);
  }

  @Override
  public int hashCode() {
    return Objects.hash(did, serviceId, container, rawCode);
  }

  @Override
  public String toString() {
    return did == null
        ? "Algorithm{raw, container=" + container.reference() + '}'
        : "Algorithm{did=" + did + ", container=" + container.reference() + '}';
  }

  /** Builds an {@link Algorithm}. Not thread-safe. */
  public static final class Builder {
    private @Nullable Did did;
    private @Nullable String serviceId;
    private @Nullable String orderTx;
    private @Nullable ContainerSpec container;
    private @Nullable String rawCode;
    private final List<URI> files = new ArrayList<>();
    private @Nullable String ddoJson;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private String customData = "{}";

    private Builder() {}

    /** The order transaction for the algorithm asset (Ocean's {@code transferTxId}). */
    public Builder orderTx(String orderTx) {
      this.orderTx = TxHash.check(orderTx, "algorithm.transferTxId");
      return this;
    }

    /** Adds a file of a published algorithm; staged in order as the algorithm's code. */
    public Builder addFile(URI file) {
      requireNonNull(file, "file");
      if (files.size() == MAX_FILES) {
        throw new InvalidRequestException("algorithm.files", "more than " + MAX_FILES + " files");
      }
      files.add(file);
      return this;
    }

    /** The published algorithm's DDO as JSON. */
    public Builder ddoJson(String ddoJson) {
      this.ddoJson =
          Json.requireObject(requireNonNull(ddoJson, "ddoJson"), "algorithm.ddo", 1 << 20);
      return this;
    }

    /** Adds an environment variable; names are letters, digits and {@code _}. */
    public Builder putEnvironment(String name, String value) {
      requireNonNull(value, "value");
      if (name == null || !ENV_NAME.matcher(name).matches()) {
        throw new InvalidRequestException(
            "algorithm.envs",
            "'" + (name == null ? "null" : Text.abbreviate(name)) + "' is not a variable name");
      }
      if (value.indexOf('\0') >= 0 || value.length() > 32 * 1024) {
        throw new InvalidRequestException(
            "algorithm.envs." + name, "has a NUL byte or is too long");
      }
      environment.put(name, value);
      return this;
    }

    /** The consumer's custom parameters: a JSON object of at most 64 KiB. */
    public Builder customData(String customDataJson) {
      this.customData =
          Json.requireObject(
              requireNonNull(customDataJson, "customDataJson"),
              "algorithm.algocustomdata",
              MAX_CUSTOM_DATA);
      return this;
    }

    /** Builds the algorithm. */
    public Algorithm build() {
      return new Algorithm(this);
    }
  }
}
