package io.c2d.server.http;

import io.c2d.model.Algorithm;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import java.util.Optional;

/**
 * The publisher's side of a start: what a consumer's {@code documentId} and {@code serviceId} stand
 * for. The handler asks it for each dataset and for a published algorithm, and adds what the
 * consumer sent (order, user data).
 *
 * <p>Implementations must be thread-safe.
 */
public interface AssetLookup {
  /**
   * The dataset {@code did}'s compute service {@code serviceId}, with its files and DDO.
   *
   * @throws io.c2d.NotFoundException if the DID or the service is unknown (answered 404)
   */
  DatasetInput.Builder dataset(Did did, String serviceId);

  /**
   * The published algorithm {@code did}'s service {@code serviceId}, with its container, files and
   * DDO, or empty if it is not known here (the start is then refused with 404).
   */
  Optional<Algorithm.Builder> algorithm(Did did, String serviceId);

  /** A lookup that knows no asset. */
  static AssetLookup none() {
    return new AssetLookup() {
      @Override
      public DatasetInput.Builder dataset(Did did, String serviceId) {
        throw new io.c2d.NotFoundException(
            io.c2d.ErrorCode.ASSET_NOT_FOUND, "no asset " + did + " is published here");
      }

      @Override
      public Optional<Algorithm.Builder> algorithm(Did did, String serviceId) {
        return Optional.empty();
      }
    };
  }
}
