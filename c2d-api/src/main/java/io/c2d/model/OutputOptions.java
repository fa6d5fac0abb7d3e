package io.c2d.model;

import io.c2d.InvalidRequestException;
import org.jspecify.annotations.Nullable;

/**
 * What the consumer wants done with a job's results besides keeping them for download.
 *
 * <p>Immutable and thread-safe.
 *
 * @param publishAsAsset whether to register the outputs as a new, derived asset whose DDO names the
 *     inputs, the algorithm and the job as its provenance (DESIGN step 9)
 * @param assetName the derived asset's name; null lets the engine choose one
 */
public record OutputOptions(boolean publishAsAsset, @Nullable String assetName) {
  /** Keep the results for download only. */
  public static final OutputOptions KEEP = new OutputOptions(false, null);

  /** Validates the name's length. */
  public OutputOptions {
    if (assetName != null && (assetName.isBlank() || assetName.length() > 256)) {
      throw new InvalidRequestException("output.assetName", "must be 1 to 256 characters");
    }
  }
}
