package io.c2d.server.assets;

import static java.util.Objects.requireNonNull;

import io.c2d.model.ContainerSpec;
import io.c2d.model.Did;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;

/**
 * A sample published dataset and a sample published algorithm, for the runnable provider, its main
 * job and tests: {@link #install(Path)} writes them as an {@link AssetFolder} and opens it.
 *
 * <ul>
 *   <li>The dataset {@link #DATASET_DID} ({@code sales.json}): a small CSV of units sold and unit
 *       prices per region and product, behind the compute service {@link #DATASET_SERVICE_ID}. Its
 *       policy trusts exactly the sample algorithm, pinned by {@code filesChecksum} and {@code
 *       containerSectionChecksum}; raw algorithms and network access are not allowed.
 *   <li>The algorithm {@link #ALGORITHM_DID} ({@code aggregate.json}): a POSIX shell script that
 *       sums units and revenue per region into {@code summary.csv}, run as {@link
 *       #ALGORITHM_CONTAINER} through its service {@link #ALGORITHM_SERVICE_ID}.
 * </ul>
 *
 * <p>Both DDOs name chain 8996 and made-up NFT and datatoken addresses (their DIDs are derived from
 * them as Ocean derives DIDs); nothing is deployed at those addresses, so they serve free compute
 * and tests, not a paid flow on a real chain.
 *
 * <p>Stateless and thread-safe.
 */
public final class SampleAssets {
  /** The sample dataset's DID. */
  public static final Did DATASET_DID =
      Did.of("did:op:281e3f4b84e6809d891106167d7f5e4ce0da392584ce15ff50dd2fbb4880ceb7");

  /** The sample dataset's compute service. */
  public static final String DATASET_SERVICE_ID = "compute";

  /** The sample algorithm's DID. */
  public static final Did ALGORITHM_DID =
      Did.of("did:op:e08814c857d533637ba11cac5ab18d6818115470d0917d8569417419a2c352bc");

  /** The sample algorithm's service. */
  public static final String ALGORITHM_SERVICE_ID = "access";

  /** The container the sample algorithm's DDO declares. */
  public static final ContainerSpec ALGORITHM_CONTAINER =
      ContainerSpec.of("busybox", "stable", "sh $ALGO");

  private static final String SAMPLE = "sample/";

  /** Resource (relative to this class, or to c2d-server's root package) and its installed path. */
  private static final List<String[]> FILES =
      List.of(
          new String[] {SAMPLE + "sales.json", "sales.json"},
          new String[] {SAMPLE + "sales.files.json", "sales.files.json"},
          new String[] {SAMPLE + "aggregate.json", "aggregate.json"},
          new String[] {SAMPLE + "aggregate.files.json", "aggregate.files.json"},
          new String[] {"/io/c2d/server/sales.csv", "data/sales.csv"},
          new String[] {"/io/c2d/server/aggregate.sh", "algorithms/aggregate.sh"});

  private SampleAssets() {}

  /**
   * Writes the sample assets into {@code directory} (created if needed; files of the same names are
   * replaced, others left alone) and opens it as an asset directory.
   *
   * @throws IOException if the files cannot be written
   * @throws io.c2d.ConfigurationException if the directory then holds an invalid asset (such as one
   *     of the application's own beside the samples)
   */
  public static AssetFolder install(Path directory) throws IOException {
    requireNonNull(directory, "directory");
    for (String[] file : FILES) {
      Path target = directory.resolve(file[1]);
      Files.createDirectories(Objects.requireNonNull(target.getParent()));
      try (InputStream in = SampleAssets.class.getResourceAsStream(file[0])) {
        if (in == null) {
          throw new IOException("c2d-server's resource " + file[0] + " is missing");
        }
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return AssetFolder.open(directory);
  }
}
