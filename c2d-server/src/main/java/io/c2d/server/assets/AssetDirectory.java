package io.c2d.server.assets;

import static java.util.Objects.requireNonNull;

import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.NotFoundException;
import io.c2d.model.Algorithm;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.FileLocator;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The publisher's asset directory: the assets this provider serves, found by DID, each with its DDO
 * and, per service, the clear-text locations of its files (which Ocean keeps encrypted on chain and
 * only the publisher's provider can read).
 *
 * <p>It answers what the HTTP layer needs for {@code initializeCompute} and {@code computeStart}:
 * {@link #computeService(Did, String)} gives a dataset's compute service and its terms (timeout,
 * datatoken, trusted algorithms and publishers, raw algorithms and network access allowed); {@link
 * #resolve(DatasetInput)} and {@link #resolve(Algorithm)} complete what a start body named (DID,
 * service, order, user data) with the DDO and the file locators the engine needs; {@link
 * #containerOf(Did)} gives a published algorithm's container to {@code
 * OceanJson.parseStartRequest(json, directory::containerOf)}.
 *
 * <p>Only {@link #find(Did)} is abstract: an application may implement it over its own database or
 * Aquarius, building each {@link PublishedAsset} with {@link PublishedAsset#of(String, Map)}, which
 * validates it. c2d gives three implementations: {@link #builder()} (in code), {@link
 * #fromDirectory(Path)} (a directory of DDO files) and {@link #fromProperties(Map)}.
 *
 * <p>Implementations must be thread-safe: the HTTP layer calls them from many threads. An unknown
 * DID, an unknown service and a service of the wrong type are {@link NotFoundException}s with
 * {@link ErrorCode#ASSET_NOT_FOUND} naming the DID (and the service), which the HTTP layer answers
 * with 404; nothing here throws for a consumer's input otherwise, except {@link
 * InvalidRequestException} where the request contradicts the DDO. No method returns null.
 */
public interface AssetDirectory {

  /**
   * The asset with this DID, if the directory has it.
   *
   * @param did the asset's DID
   * @return the asset, or empty
   */
  Optional<PublishedAsset> find(Did did);

  /**
   * The asset with this DID.
   *
   * @throws NotFoundException ({@link ErrorCode#ASSET_NOT_FOUND}) naming the DID if the directory
   *     has no such asset
   */
  default PublishedAsset asset(Did did) {
    requireNonNull(did, "did");
    return find(did)
        .orElseThrow(
            () ->
                new NotFoundException(
                    ErrorCode.ASSET_NOT_FOUND, "no asset " + did + " is published here"));
  }

  /**
   * The service {@code serviceId} of the asset {@code did}, of any type.
   *
   * @throws NotFoundException ({@link ErrorCode#ASSET_NOT_FOUND}) naming the DID, and the service
   *     if the asset has no such service
   */
  default AssetService service(Did did, String serviceId) {
    requireNonNull(serviceId, "serviceId");
    PublishedAsset asset = asset(did);
    return asset
        .service(serviceId)
        .orElseThrow(
            () ->
                new NotFoundException(
                    ErrorCode.ASSET_NOT_FOUND,
                    "asset " + did + " has no service " + Assets.quote(serviceId)));
  }

  /**
   * The compute service {@code serviceId} of the dataset {@code did}: its terms and files.
   *
   * @throws NotFoundException ({@link ErrorCode#ASSET_NOT_FOUND}) naming the DID and the service if
   *     the asset is unknown, has no such service, or the service is not a compute service
   */
  default AssetService computeService(Did did, String serviceId) {
    AssetService service = service(did, serviceId);
    if (!service.terms().isCompute()) {
      throw new NotFoundException(
          ErrorCode.ASSET_NOT_FOUND,
          "service "
              + Assets.quote(serviceId)
              + " of asset "
              + did
              + " is a "
              + Assets.quote(service.terms().type())
              + " service, not a compute service");
    }
    return service;
  }

  /**
   * Completes a dataset that a start body named with what the publisher knows: the asset's DDO and
   * the file locators of its compute service. The DID, service, order and user data are taken from
   * {@code asked}; anything else it carries (such as files a client sent) is dropped.
   *
   * @throws NotFoundException ({@link ErrorCode#ASSET_NOT_FOUND}) as {@link #computeService}
   */
  default DatasetInput resolve(DatasetInput asked) {
    requireNonNull(asked, "asked");
    DatasetInput.Builder builder = computeService(asked.did(), asked.serviceId()).datasetInput();
    asked.orderTx().ifPresent(builder::orderTx);
    asked.userData().ifPresent(builder::userData);
    return builder.build();
  }

  /**
   * Completes an algorithm that a start body named: a raw algorithm is returned as it is; a
   * published one becomes the algorithm asset's container, files and DDO, with the order, custom
   * data and environment variables of {@code asked}.
   *
   * @throws NotFoundException ({@link ErrorCode#ASSET_NOT_FOUND}) naming the DID and service if the
   *     algorithm asset or its service is unknown
   * @throws InvalidRequestException ({@code "algorithm.documentId"}) if the asset is not an
   *     algorithm; ({@code "algorithm.meta.container"}) if {@code asked} names another container
   *     than the one the algorithm's DDO declares
   */
  default Algorithm resolve(Algorithm asked) {
    requireNonNull(asked, "asked");
    if (asked.isRaw()) {
      return asked;
    }
    Did did = asked.did().orElseThrow();
    String serviceId = asked.serviceId().orElseThrow();
    Algorithm.Builder builder = service(did, serviceId).algorithm();
    Algorithm published = builder.build();
    if (!asked.container().equals(published.container())) {
      throw new InvalidRequestException(
          "algorithm.meta.container",
          "differs from the container published for "
              + did
              + " ("
              + published.container().reference()
              + ")");
    }
    asked.orderTx().ifPresent(builder::orderTx);
    builder.customData(asked.customData());
    asked.environment().forEach(builder::putEnvironment);
    return builder.build();
  }

  /**
   * The container a published algorithm declares ({@code metadata.algorithm.container}), for {@code
   * OceanJson.parseStartRequest(json, directory::containerOf)}; empty if the directory has no such
   * asset or it is not an algorithm.
   */
  default Optional<ContainerSpec> containerOf(Did did) {
    return find(did).flatMap(asset -> asset.ddo().algorithmContainer());
  }

  /** A builder of a directory held in memory, its assets added in code. */
  static Builder builder() {
    return new Builder();
  }

  /**
   * A directory read from the files in {@code directory}: see {@link AssetFolder}.
   *
   * @throws io.c2d.ConfigurationException naming the file and the field if the directory cannot be
   *     read or holds an invalid DDO or files document
   */
  static AssetFolder fromDirectory(Path directory) {
    return AssetFolder.open(directory);
  }

  /**
   * A directory configured by {@code c2d.assets.*} properties: {@code c2d.assets.dir} names a
   * directory ({@link #fromDirectory(Path)}); otherwise {@code c2d.assets.did} and the other
   * single-asset properties describe one dataset with one compute service (see the README, "The
   * publisher's asset directory").
   *
   * @throws io.c2d.ConfigurationException naming the property if none or both forms are given or a
   *     value is malformed
   */
  static AssetDirectory fromProperties(Map<String, String> properties) {
    return AssetProperties.directory(properties);
  }

  /**
   * Builds a directory held in memory. Not thread-safe; the directory it builds is immutable and
   * thread-safe.
   */
  final class Builder {
    private final Map<Did, PublishedAsset> assets = new LinkedHashMap<>();

    Builder() {}

    /**
     * Adds an asset: its DDO and, per service id, the clear-text locations of that service's files.
     *
     * @throws InvalidRequestException naming the field if the asset is invalid ({@link
     *     PublishedAsset#of(String, Map)}) or its DID was added before ({@code "id"})
     */
    public Builder add(String ddoJson, Map<String, List<FileLocator>> filesByService) {
      return add(PublishedAsset.of(ddoJson, filesByService));
    }

    /**
     * Adds an asset.
     *
     * @throws InvalidRequestException ({@code "id"}) if an asset with its DID was added before
     */
    public Builder add(PublishedAsset asset) {
      requireNonNull(asset, "asset");
      if (assets.putIfAbsent(asset.did(), asset) != null) {
        throw new InvalidRequestException(
            "id", "repeats " + asset.did() + ", an asset added before");
      }
      return this;
    }

    /** The directory of the assets added so far. */
    public AssetDirectory build() {
      return new InMemoryAssetDirectory(assets);
    }
  }
}
