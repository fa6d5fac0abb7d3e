package io.c2d.server;

import io.c2d.ErrorCode;
import io.c2d.NotFoundException;
import io.c2d.model.Algorithm;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.server.http.AssetLookup;
import java.util.Optional;

/**
 * The runnable provider's one published dataset (the sample sales CSV, or the DID the main job is
 * told), with its files and DDO; the consumer adds its order. No published algorithms: the main
 * job's algorithm is raw. Immutable and thread-safe.
 */
final class SampleAssets implements AssetLookup {
  private final DatasetInput dataset;

  private SampleAssets(DatasetInput dataset) {
    this.dataset = dataset;
  }

  static SampleAssets of(DatasetInput dataset) {
    return new SampleAssets(dataset);
  }

  @Override
  public DatasetInput.Builder dataset(Did did, String serviceId) {
    if (!did.equals(dataset.did()) || !serviceId.equals(dataset.serviceId())) {
      throw new NotFoundException(
          ErrorCode.ASSET_NOT_FOUND,
          "no dataset " + did + " with service '" + serviceId + "' is published here");
    }
    DatasetInput.Builder builder = DatasetInput.builder(did, serviceId).addFiles(dataset.files());
    dataset.ddoJson().ifPresent(builder::ddoJson);
    return builder;
  }

  @Override
  public Optional<Algorithm.Builder> algorithm(Did did, String serviceId) {
    return Optional.empty();
  }
}
