package io.c2d.model;

import static java.util.Objects.requireNonNull;

import io.c2d.InvalidRequestException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One input dataset of a compute request: the asset's DID, the compute service the consumer
 * ordered, the order's transaction, and what the provider application knows of the asset (where its
 * files are, its DDO).
 *
 * <p>The consumer signs the DID, service id, order transaction and user data; the file locators and
 * DDO are the publisher's side and are filled in by the provider application, which resolved them,
 * so they are not part of the signed message.
 *
 * <p>Immutable and thread-safe. Build with {@link #builder(Did, String)}.
 */
public final class DatasetInput {
  /** The most files one dataset may have. */
  public static final int MAX_FILES = 256;

  private final Did did;
  private final String serviceId;
  private final @Nullable String orderTx;
  private final List<FileLocator> locators;
  private final @Nullable String ddoJson;
  private final @Nullable String userData;

  private DatasetInput(Builder b) {
    this.did = b.did;
    this.serviceId = b.serviceId;
    this.orderTx = b.orderTx;
    this.locators = List.copyOf(b.locators);
    this.ddoJson = b.ddoJson;
    this.userData = b.userData;
  }

  /** A builder for the dataset {@code did} used through its compute service {@code serviceId}. */
  public static Builder builder(Did did, String serviceId) {
    return new Builder(did, serviceId);
  }

  /**
   * A builder holding this input's values, to derive another one, such as after the provider
   * resolved the asset's files and DDO.
   */
  public Builder toBuilder() {
    Builder builder = new Builder(did, serviceId);
    builder.orderTx = orderTx;
    builder.locators.addAll(locators);
    builder.ddoJson = ddoJson;
    builder.userData = userData;
    return builder;
  }

  /** The asset's DID. */
  public Did did() {
    return did;
  }

  /** The asset's compute service the consumer ordered. */
  public String serviceId() {
    return serviceId;
  }

  /** The order's transaction (Ocean's {@code transferTxId}), if the request has one. */
  public Optional<String> orderTx() {
    return Optional.ofNullable(orderTx);
  }

  /**
   * Where the dataset's files live, in order: file {@code n} is fetched or mounted by the provider
   * and staged as {@code /data/inputs/<did>/<n>}. Unmodifiable.
   */
  public List<FileLocator> locators() {
    return locators;
  }

  /**
   * The dataset's files as URIs, {@link FileLocator#uri()} of each of {@link #locators()} in order:
   * {@code file:} and http(s) URIs as given, {@code ipfs://<cid>}, {@code ar://<tx>} and {@code
   * pvc://<claim>/<path>} for the other kinds. A url's method and headers and a declared size or
   * checksum are not in these URIs, so a backend that fetches must read {@link #locators()}. Kept
   * for callers that handle local and {@code data:} files only. Unmodifiable.
   */
  public List<URI> files() {
    return locators.stream().map(FileLocator::uri).toList();
  }

  /** The asset's DDO as JSON, written to {@code /data/ddos/<did>}; its compute policy applies. */
  public Optional<String> ddoJson() {
    return Optional.ofNullable(ddoJson);
  }

  /** The consumer's user data for this dataset, a JSON object, if any. */
  public Optional<String> userData() {
    return Optional.ofNullable(userData);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof DatasetInput that)) {
      return false;
    }
    return did.equals(that.did)
        && serviceId.equals(that.serviceId)
        && Objects.equals(orderTx, that.orderTx)
        && locators.equals(that.locators)
        && Objects.equals(ddoJson, that.ddoJson)
        && Objects.equals(userData, that.userData);
  }

  @Override
  public int hashCode() {
    return Objects.hash(did, serviceId, orderTx);
  }

  @Override
  public String toString() {
    return "DatasetInput{did="
        + did
        + ", serviceId="
        + serviceId
        + ", files="
        + locators.size()
        + '}';
  }

  /** Builds a {@link DatasetInput}. Not thread-safe. */
  public static final class Builder {
    private final Did did;
    private final String serviceId;
    private @Nullable String orderTx;
    private final List<FileLocator> locators = new ArrayList<>();
    private @Nullable String ddoJson;
    private @Nullable String userData;

    private Builder(Did did, String serviceId) {
      this.did = requireNonNull(did, "did");
      this.serviceId = Text.requireText(serviceId, "dataset.serviceId", 256);
    }

    /** The order's transaction hash, {@code 0x} and 64 hex digits. */
    public Builder orderTx(String orderTx) {
      this.orderTx = TxHash.check(orderTx, "dataset.transferTxId");
      return this;
    }

    /**
     * Adds the file a URI names, {@link FileLocator#of(URI)}: {@code file:}, {@code http:}, {@code
     * https:}, {@code data:}, {@code ipfs://}, {@code ar://} or {@code pvc://}.
     *
     * @throws InvalidRequestException if the URI is of another scheme or malformed, or the dataset
     *     has {@value DatasetInput#MAX_FILES} files already
     */
    public Builder addFile(URI file) {
      return addLocator(FileLocator.of(requireNonNull(file, "file")));
    }

    /**
     * Adds the next file of the dataset.
     *
     * @throws InvalidRequestException ({@code "dataset.files"}) if the dataset has {@value
     *     DatasetInput#MAX_FILES} files already
     */
    public Builder addLocator(FileLocator locator) {
      requireNonNull(locator, "locator");
      if (locators.size() == MAX_FILES) {
        throw new InvalidRequestException("dataset.files", "more than " + MAX_FILES + " files");
      }
      locators.add(locator);
      return this;
    }

    /** Adds file URIs, each as {@link #addFile(URI)}. */
    public Builder addFiles(List<URI> files) {
      files.forEach(this::addFile);
      return this;
    }

    /** The asset's DDO as JSON. */
    public Builder ddoJson(String ddoJson) {
      this.ddoJson = Json.requireObject(requireNonNull(ddoJson, "ddoJson"), "dataset.ddo", 1 << 20);
      return this;
    }

    /** The consumer's user data, a JSON object. */
    public Builder userData(String userDataJson) {
      this.userData =
          Json.requireObject(
              requireNonNull(userDataJson, "userDataJson"), "dataset.userdata", 64 * 1024);
      return this;
    }

    /** Builds the dataset input. */
    public DatasetInput build() {
      return new DatasetInput(this);
    }
  }
}
