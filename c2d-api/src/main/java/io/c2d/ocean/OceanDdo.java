package io.c2d.ocean;

import static java.util.Objects.requireNonNull;

import io.c2d.InvalidRequestException;
import io.c2d.model.ComputePolicy;
import io.c2d.model.ContainerSpec;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * An Ocean asset's DDO, read for what a provider needs of it: the asset's DID, kind ({@code
 * dataset} or {@code algorithm}), publisher, a published algorithm's container, and each service's
 * id, type, datatoken, timeout and compute policy. Both DDO generations are read: v4 (the fields at
 * the top level) and v5 (the same fields in {@code credentialSubject}, the DID at the top).
 *
 * <p>{@link #parse(String)} is strict where a provider must not guess: a member of the wrong JSON
 * type, a duplicate key or a second service with the same id is refused, not ignored. Members a
 * provider does not use ({@code @context}, {@code metadata.name}, {@code credentials}, {@code
 * event}, ...) are not checked, so that DDOs of newer schema versions still read. A service's
 * {@code files} (encrypted on chain) are not read at all: the publisher supplies its clear-text
 * files beside the DDO.
 *
 * <p>Immutable and thread-safe.
 */
public final class OceanDdo {
  /** The longest DDO accepted, in characters: the limit of {@code DatasetInput.ddoJson}. */
  public static final int MAX_CHARS = 1 << 20;

  private final String json;
  private final Did did;
  private final String type;
  private final @Nullable Long chainId;
  private final @Nullable EthAddress nftAddress;
  private final @Nullable EthAddress publisher;
  private final @Nullable ContainerSpec algorithmContainer;
  private final List<Service> services;

  OceanDdo(
      String json,
      Did did,
      String type,
      @Nullable Long chainId,
      @Nullable EthAddress nftAddress,
      @Nullable EthAddress publisher,
      @Nullable ContainerSpec algorithmContainer,
      List<Service> services) {
    this.json = json;
    this.did = did;
    this.type = type;
    this.chainId = chainId;
    this.nftAddress = nftAddress;
    this.publisher = publisher;
    this.algorithmContainer = algorithmContainer;
    this.services = List.copyOf(services);
  }

  /**
   * Reads a DDO.
   *
   * @param json the DDO, a JSON object of at most {@value #MAX_CHARS} characters
   * @throws InvalidRequestException naming the offending member in dotted form, such as {@code
   *     "id"}, {@code "services[1].compute.publisherTrustedAlgorithms[0].did"} or {@code
   *     "metadata.algorithm.container.image"} (in a v5 DDO prefixed with {@code
   *     "credentialSubject."}); {@code "body"} when it is not one JSON object
   */
  public static OceanDdo parse(String json) {
    return DdoReader.read(requireNonNull(json, "json"));
  }

  /**
   * Reads the publisher's files document of an asset: the clear-text locations of each service's
   * files, which the DDO holds only encrypted. The document is a JSON object; each member is a
   * service id whose value is an array of file objects ({@link OceanJson#readFileObjects(String)}:
   * Ocean's {@code url}, {@code ipfs}, {@code arweave}; c2d's {@code file} and {@code pvc}), or
   * Ocean's decrypted files object {@code {"files": [...]}}:
   *
   * <pre>{@code
   * {"compute": [{"type": "file", "path": "data/sales.csv"},
   *              {"type": "url", "url": "https://example.org/b.csv", "headers": {"X-Key": "k"}}]}
   * }</pre>
   *
   * <p>The {@code path} of each {@code file} object is given to {@code localFile}, which returns
   * the absolute path to use or refuses it with an {@link InvalidRequestException}: a provider
   * resolves paths against its asset directory there, and refuses those that lead out of it.
   *
   * @param json the files document
   * @param localFile maps a {@code file} object's {@code path} to an absolute path
   * @return per service id, in the document's order, the locators in order
   * @throws InvalidRequestException naming the member, such as {@code "compute[1].url"} or {@code
   *     "compute[0].path"} (what {@code localFile} refused); {@code "body"} when the document is
   *     not one JSON object
   */
  public static Map<String, List<FileLocator>> readServiceFiles(
      String json, Function<String, Path> localFile) {
    return ServiceFilesReader.read(
        requireNonNull(json, "json"), requireNonNull(localFile, "localFile"));
  }

  /** The DDO as given, to hand on to the engine ({@code DatasetInput.ddoJson}). */
  public String json() {
    return json;
  }

  /** The asset's DID, the DDO's {@code id}. */
  public Did did() {
    return did;
  }

  /** {@code metadata.type}: {@code "dataset"} or {@code "algorithm"}. */
  public String type() {
    return type;
  }

  /** Whether this is a published algorithm ({@code metadata.type} is {@code "algorithm"}). */
  public boolean isAlgorithm() {
    return "algorithm".equals(type);
  }

  /** The chain the asset is published on, {@code chainId}, if the DDO has one. */
  public Optional<Long> chainId() {
    return Optional.ofNullable(chainId);
  }

  /** The data NFT's address, {@code nftAddress}, if the DDO has one. */
  public Optional<EthAddress> nftAddress() {
    return Optional.ofNullable(nftAddress);
  }

  /** The publisher, {@code nft.owner}, if the DDO has one (indexers add it). */
  public Optional<EthAddress> publisher() {
    return Optional.ofNullable(publisher);
  }

  /**
   * A published algorithm's container, {@code metadata.algorithm.container}; present for every
   * algorithm (the reader requires it), empty for a dataset.
   */
  public Optional<ContainerSpec> algorithmContainer() {
    return Optional.ofNullable(algorithmContainer);
  }

  /** The services, in the DDO's order; unmodifiable. */
  public List<Service> services() {
    return services;
  }

  /** The service with this id, if the DDO has one. */
  public Optional<Service> service(String id) {
    requireNonNull(id, "id");
    for (Service service : services) {
      if (service.id().equals(id)) {
        return Optional.of(service);
      }
    }
    return Optional.empty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OceanDdo that && json.equals(that.json);
  }

  @Override
  public int hashCode() {
    return json.hashCode();
  }

  @Override
  public String toString() {
    return "OceanDdo{did=" + did + ", type=" + type + ", services=" + services + '}';
  }

  /**
   * One service of a DDO: its terms as the publisher set them.
   *
   * <p>Immutable and thread-safe.
   */
  public static final class Service {
    private final String id;
    private final String type;
    private final @Nullable EthAddress datatokenAddress;
    private final @Nullable String serviceEndpoint;
    private final Duration timeout;
    private final ComputePolicy policy;

    Service(
        String id,
        String type,
        @Nullable EthAddress datatokenAddress,
        @Nullable String serviceEndpoint,
        Duration timeout,
        ComputePolicy policy) {
      this.id = id;
      this.type = type;
      this.datatokenAddress = datatokenAddress;
      this.serviceEndpoint = serviceEndpoint;
      this.timeout = timeout;
      this.policy = policy;
    }

    /** The service id ({@code serviceId} in requests). */
    public String id() {
      return id;
    }

    /** The service type, such as {@code "compute"} or {@code "access"}. */
    public String type() {
      return type;
    }

    /** Whether this is a compute service. */
    public boolean isCompute() {
      return "compute".equals(type);
    }

    /** The service's datatoken, {@code datatokenAddress}, if the DDO names one. */
    public Optional<EthAddress> datatokenAddress() {
      return Optional.ofNullable(datatokenAddress);
    }

    /** The provider URL the publisher named, {@code serviceEndpoint}, if any. */
    public Optional<String> serviceEndpoint() {
      return Optional.ofNullable(serviceEndpoint);
    }

    /**
     * How long an order of this service stays valid, {@code timeout}; {@link Duration#ZERO} means
     * forever, as in Ocean, and is the default.
     */
    public Duration timeout() {
      return timeout;
    }

    /**
     * The compute policy, the service's {@code compute} object: raw algorithms, network access,
     * trusted algorithms and publishers; {@link ComputePolicy#CLOSED} for a service that is not a
     * compute service or has no {@code compute} object.
     */
    public ComputePolicy policy() {
      return policy;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Service that
          && id.equals(that.id)
          && type.equals(that.type)
          && Objects.equals(datatokenAddress, that.datatokenAddress)
          && Objects.equals(serviceEndpoint, that.serviceEndpoint)
          && timeout.equals(that.timeout)
          && policy.equals(that.policy);
    }

    @Override
    public int hashCode() {
      return Objects.hash(id, type, datatokenAddress);
    }

    @Override
    public String toString() {
      return "Service{id=" + id + ", type=" + type + '}';
    }
  }
}
