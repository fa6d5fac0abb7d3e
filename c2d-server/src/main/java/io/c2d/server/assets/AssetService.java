package io.c2d.server.assets;

import io.c2d.InvalidRequestException;
import io.c2d.model.Algorithm;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.FileLocator;
import io.c2d.ocean.OceanDdo;
import java.util.List;

/**
 * One service of a published asset, resolved: the service's terms as its DDO states them (type,
 * timeout, datatoken, compute policy) and the clear-text locations of its files; it builds the
 * engine's {@link DatasetInput} or {@link Algorithm} for it.
 *
 * <p>Immutable and thread-safe. Obtained from {@link AssetDirectory} or {@link PublishedAsset}.
 */
public final class AssetService {
  private final PublishedAsset asset;
  private final OceanDdo.Service terms;
  private final List<FileLocator> files;

  AssetService(PublishedAsset asset, OceanDdo.Service terms, List<FileLocator> files) {
    this.asset = asset;
    this.terms = terms;
    this.files = files;
  }

  /** The asset this service belongs to. */
  public PublishedAsset asset() {
    return asset;
  }

  /** The asset's DID. */
  public Did did() {
    return asset.did();
  }

  /** The service id. */
  public String id() {
    return terms.id();
  }

  /**
   * The service's terms: {@link OceanDdo.Service#isCompute()}, {@link OceanDdo.Service#timeout()},
   * {@link OceanDdo.Service#datatokenAddress()} and {@link OceanDdo.Service#policy()} (raw
   * algorithms and network access allowed, trusted algorithms and publishers).
   */
  public OceanDdo.Service terms() {
    return terms;
  }

  /** The locations of the service's files, in order; unmodifiable, possibly empty. */
  public List<FileLocator> files() {
    return files;
  }

  /**
   * A new builder of the engine's input for this dataset service: the DID, the service id, the DDO
   * and the file locators; the caller adds the order and the user data.
   */
  public DatasetInput.Builder datasetInput() {
    DatasetInput.Builder builder =
        DatasetInput.builder(asset.did(), terms.id()).ddoJson(asset.ddo().json());
    files.forEach(builder::addLocator);
    return builder;
  }

  /**
   * A new builder of the engine's algorithm for this service of a published algorithm: the DID, the
   * service id, the container its DDO declares, its files and its DDO; the caller adds the order,
   * custom data and environment.
   *
   * @throws InvalidRequestException ({@code "algorithm.documentId"}) if the asset is not an
   *     algorithm
   */
  public Algorithm.Builder algorithm() {
    OceanDdo ddo = asset.ddo();
    if (!ddo.isAlgorithm()) {
      throw new InvalidRequestException(
          "algorithm.documentId", ddo.did() + " is a " + ddo.type() + ", not an algorithm");
    }
    Algorithm.Builder builder =
        Algorithm.published(ddo.did(), terms.id(), ddo.algorithmContainer().orElseThrow())
            .ddoJson(ddo.json());
    // PublishedAsset.of admits only locators whose URI says everything about them
    files.forEach(locator -> builder.addFile(locator.uri()));
    return builder;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AssetService that
        && asset.equals(that.asset)
        && terms.equals(that.terms)
        && files.equals(that.files);
  }

  @Override
  public int hashCode() {
    return asset.hashCode() * 31 + terms.id().hashCode();
  }

  @Override
  public String toString() {
    return "AssetService{did="
        + asset.did()
        + ", id="
        + terms.id()
        + ", type="
        + terms.type()
        + '}';
  }
}
