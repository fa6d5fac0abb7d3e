package io.c2d.server.assets;

import static java.util.Objects.requireNonNull;

import io.c2d.InvalidRequestException;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.FileLocator;
import io.c2d.ocean.OceanDdo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One asset of the publisher's directory: its DDO, read and checked ({@link OceanDdo}), and for
 * each of its services the clear-text locations of the service's files, which the DDO itself holds
 * only encrypted.
 *
 * <p>Immutable and thread-safe. Create with {@link #of(String, Map)}.
 */
public final class PublishedAsset {
  private final OceanDdo ddo;
  private final Map<String, List<FileLocator>> files;

  private PublishedAsset(OceanDdo ddo, Map<String, List<FileLocator>> files) {
    this.ddo = ddo;
    this.files = files;
  }

  /**
   * Reads and checks an asset.
   *
   * <p>The checks: the DDO reads ({@link OceanDdo#parse(String)}); when it has both {@code
   * nftAddress} and {@code chainId}, its {@code id} is the DID Ocean derives from them ({@code
   * did:op:} and the SHA-256 of the checksummed NFT address followed by the chain id in decimal);
   * every key of {@code filesByService} is a service of the DDO; every service the directory can
   * resolve has at least one file (a dataset's compute services, every service of an algorithm);
   * and an algorithm's files are local files or plain {@code GET} URLs without headers, since the
   * engine stages an algorithm's files by URI.
   *
   * @param ddoJson the DDO as JSON
   * @param filesByService per service id, the locations of its files in order; file {@code n} is
   *     staged as {@code /data/inputs/<did>/<n>}
   * @throws InvalidRequestException naming the field: a member of the DDO ({@code "id"}, {@code
   *     "services[1].compute.allowRawAlgorithm"}), or {@code "files.<serviceId>"} for the files of
   *     a service
   */
  public static PublishedAsset of(String ddoJson, Map<String, List<FileLocator>> filesByService) {
    requireNonNull(ddoJson, "ddoJson");
    requireNonNull(filesByService, "filesByService");
    OceanDdo ddo = OceanDdo.parse(ddoJson);
    if (ddo.nftAddress().isPresent() && ddo.chainId().isPresent()) {
      Did derived = Assets.didOf(ddo.nftAddress().get(), ddo.chainId().get());
      if (!derived.equals(ddo.did())) {
        throw new InvalidRequestException(
            "id",
            ddo.did()
                + " is not the DID of nftAddress "
                + ddo.nftAddress().get()
                + " on chain "
                + ddo.chainId().get()
                + ", which is "
                + derived);
      }
    }
    Map<String, List<FileLocator>> files = new LinkedHashMap<>();
    filesByService.forEach(
        (serviceId, locators) -> {
          requireNonNull(serviceId, "serviceId");
          String field = "files." + serviceId;
          if (ddo.service(serviceId).isEmpty()) {
            throw new InvalidRequestException(field, "names no service of " + ddo.did());
          }
          List<FileLocator> list = List.copyOf(requireNonNull(locators, field));
          if (list.size() > DatasetInput.MAX_FILES) {
            throw new InvalidRequestException(
                field, "has more than " + DatasetInput.MAX_FILES + " files");
          }
          files.put(serviceId, list);
        });
    for (OceanDdo.Service service : ddo.services()) {
      List<FileLocator> list = files.getOrDefault(service.id(), List.of());
      String field = "files." + service.id();
      boolean resolvable = ddo.isAlgorithm() || service.isCompute();
      if (resolvable && list.isEmpty()) {
        throw new InvalidRequestException(
            field,
            "is missing: the "
                + service.type()
                + " service "
                + Assets.quote(service.id())
                + " of "
                + ddo.did()
                + " has no files");
      }
      if (ddo.isAlgorithm()) {
        for (int i = 0; i < list.size(); i++) {
          requireStageable(list.get(i), field + "[" + i + "]");
        }
      }
    }
    return new PublishedAsset(ddo, Map.copyOf(files));
  }

  private static void requireStageable(FileLocator locator, String field) {
    boolean plainUrl =
        locator.kind() == FileLocator.Kind.URL
            && locator.method().equals("GET")
            && locator.headers().isEmpty();
    if (locator.kind() != FileLocator.Kind.FILE && !plainUrl) {
      throw new InvalidRequestException(
          field,
          "an algorithm's file must be a local file or a GET URL without headers, not "
              + locator.redacted());
    }
  }

  /** The asset's DID. */
  public Did did() {
    return ddo.did();
  }

  /** The asset's DDO, as read. */
  public OceanDdo ddo() {
    return ddo;
  }

  /** The service {@code serviceId} with its files, if the DDO has it. */
  public Optional<AssetService> service(String serviceId) {
    return ddo.service(serviceId)
        .map(terms -> new AssetService(this, terms, files.getOrDefault(serviceId, List.of())));
  }

  /** Every service with its files, in the DDO's order; a new unmodifiable list. */
  public List<AssetService> services() {
    List<AssetService> services = new ArrayList<>();
    for (OceanDdo.Service terms : ddo.services()) {
      services.add(new AssetService(this, terms, files.getOrDefault(terms.id(), List.of())));
    }
    return List.copyOf(services);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PublishedAsset that && ddo.equals(that.ddo) && files.equals(that.files);
  }

  @Override
  public int hashCode() {
    return ddo.hashCode();
  }

  @Override
  public String toString() {
    return "PublishedAsset{did=" + ddo.did() + ", type=" + ddo.type() + '}';
  }
}
