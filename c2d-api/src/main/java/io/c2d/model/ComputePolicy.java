package io.c2d.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What an asset's publisher allows on its data: the {@code compute} object of the asset's compute
 * service in its DDO (DESIGN step 4).
 *
 * <ul>
 *   <li>{@code allowRawAlgorithm}: may consumers send unpublished code? Default false.
 *   <li>{@code allowNetworkAccess}: may the algorithm reach the network? Default false.
 *   <li>{@code publisherTrustedAlgorithms}: published algorithms trusted by DID, optionally pinned
 *       by {@code filesChecksum} (the SHA-256 hex of each algorithm file, concatenated in file
 *       order) and {@code containerSectionChecksum} (SHA-256 hex of the container's {@code
 *       entrypoint + checksum}), as Ocean's provider and ocean-node compute them. {@code "*"}
 *       matches anything.
 *   <li>{@code publisherTrustedAlgorithmPublishers}: algorithm publishers (the algorithm DDO's
 *       {@code nft.owner}) whose every algorithm is trusted; {@code "*"} trusts all.
 * </ul>
 *
 * <p>A published algorithm is allowed when it is trusted by DID or by publisher. When both lists
 * are empty no published algorithm is allowed: c2d follows ocean-node here (deny by default), not
 * Ocean's provider v4 (which allowed any).
 *
 * <p>Immutable and thread-safe.
 */
public final class ComputePolicy {
  /** The wildcard that matches any DID, checksum or publisher. */
  public static final String ANY = "*";

  /** The policy of an asset whose DDO says nothing: everything closed. */
  public static final ComputePolicy CLOSED = new ComputePolicy(false, false, List.of(), List.of());

  private final boolean allowRawAlgorithm;
  private final boolean allowNetworkAccess;
  private final List<TrustedAlgorithm> trustedAlgorithms;
  private final List<String> trustedPublishers;
  private final ResultPolicy resultPolicy;

  /**
   * A trusted algorithm entry. Null or {@code "*"} checksums are not checked.
   *
   * @param did the algorithm's DID, or {@code "*"}
   * @param filesChecksum the expected files checksum, lower-case hex, or {@code "*"}
   * @param containerSectionChecksum the expected container checksum, or {@code "*"}
   */
  public record TrustedAlgorithm(
      String did, String filesChecksum, String containerSectionChecksum) {
    /** Normalises case and requires non-null fields. */
    public TrustedAlgorithm {
      did = requireNonNull(did, "did").toLowerCase(Locale.ROOT);
      filesChecksum = requireNonNull(filesChecksum, "filesChecksum").toLowerCase(Locale.ROOT);
      requireNonNull(containerSectionChecksum, "containerSectionChecksum");
    }
  }

  private ComputePolicy(
      boolean allowRawAlgorithm,
      boolean allowNetworkAccess,
      List<TrustedAlgorithm> trustedAlgorithms,
      List<String> trustedPublishers) {
    this(
        allowRawAlgorithm,
        allowNetworkAccess,
        trustedAlgorithms,
        trustedPublishers,
        ResultPolicy.NONE);
  }

  private ComputePolicy(
      boolean allowRawAlgorithm,
      boolean allowNetworkAccess,
      List<TrustedAlgorithm> trustedAlgorithms,
      List<String> trustedPublishers,
      ResultPolicy resultPolicy) {
    this.allowRawAlgorithm = allowRawAlgorithm;
    this.allowNetworkAccess = allowNetworkAccess;
    this.trustedAlgorithms = List.copyOf(trustedAlgorithms);
    this.trustedPublishers = List.copyOf(trustedPublishers);
    this.resultPolicy = resultPolicy;
  }

  /** A policy with the given options. */
  public static ComputePolicy of(
      boolean allowRawAlgorithm,
      boolean allowNetworkAccess,
      List<TrustedAlgorithm> trustedAlgorithms,
      List<String> trustedPublishers) {
    List<String> publishers = new ArrayList<>();
    for (String publisher : trustedPublishers) {
      publishers.add(publisher.toLowerCase(Locale.ROOT));
    }
    return new ComputePolicy(allowRawAlgorithm, allowNetworkAccess, trustedAlgorithms, publishers);
  }

  /**
   * Reads the policy of the compute service {@code serviceId} from an Ocean v4 DDO, or a v5 one
   * (whose services are in its {@code credentialSubject}).
   *
   * @param field the request field to name in errors, such as {@code "datasets[0].ddo"}
   * @throws InvalidRequestException if the DDO is not JSON, has no service {@code serviceId}, or
   *     that service is not a compute service
   */
  public static ComputePolicy fromDdo(String ddoJson, String serviceId, String field) {
    JsonNode ddo;
    try {
      ddo = Json.MAPPER.readTree(ddoJson);
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException(ErrorCode.INVALID_REQUEST, field, "is not valid JSON", e);
    }
    // a v5 DDO keeps the v4 members in its credentialSubject
    JsonNode subject = ddo.has("credentialSubject") ? ddo.path("credentialSubject") : ddo;
    for (JsonNode service : subject.path("services")) {
      if (!serviceId.equals(service.path("id").asText(null))) {
        continue;
      }
      if (!"compute".equals(service.path("type").asText(""))) {
        throw new InvalidRequestException(
            field, "service " + serviceId + " is not a compute service");
      }
      JsonNode compute = service.path("compute");
      List<TrustedAlgorithm> algorithms = new ArrayList<>();
      for (JsonNode entry : compute.path("publisherTrustedAlgorithms")) {
        algorithms.add(
            new TrustedAlgorithm(
                entry.path("did").asText(""),
                entry.path("filesChecksum").asText(ANY),
                entry.path("containerSectionChecksum").asText(ANY)));
      }
      List<String> publishers = new ArrayList<>();
      for (JsonNode publisher : compute.path("publisherTrustedAlgorithmPublishers")) {
        publishers.add(publisher.asText(""));
      }
      ComputePolicy policy =
          of(
              compute.path("allowRawAlgorithm").asBoolean(false),
              compute.path("allowNetworkAccess").asBoolean(false),
              algorithms,
              publishers);
      JsonNode filters = compute.path("resultFilters");
      return filters.isMissingNode() || filters.isNull()
          ? policy
          : policy.withResultPolicy(
              ResultPolicy.fromNode(filters, field + ".compute.resultFilters"));
    }
    throw new InvalidRequestException(field, "has no service with id " + serviceId);
  }

  /** Whether raw algorithms are allowed. */
  public boolean allowRawAlgorithm() {
    return allowRawAlgorithm;
  }

  /** Whether the algorithm may reach the network. */
  public boolean allowNetworkAccess() {
    return allowNetworkAccess;
  }

  /** The trusted algorithms; unmodifiable. */
  public List<TrustedAlgorithm> trustedAlgorithms() {
    return trustedAlgorithms;
  }

  /**
   * The result filters and review the asset's publisher asks for ({@code compute.resultFilters});
   * {@link ResultPolicy#NONE} by default. The engine runs them after the publisher's own.
   */
  public ResultPolicy resultPolicy() {
    return resultPolicy;
  }

  /** This policy with {@code resultPolicy} as its result filters and review. */
  public ComputePolicy withResultPolicy(ResultPolicy resultPolicy) {
    requireNonNull(resultPolicy, "resultPolicy");
    return new ComputePolicy(
        allowRawAlgorithm, allowNetworkAccess, trustedAlgorithms, trustedPublishers, resultPolicy);
  }

  /** The trusted publishers, lower case; unmodifiable. */
  public List<String> trustedPublishers() {
    return trustedPublishers;
  }

  /**
   * Whether the published algorithm {@code did}, with these checksums and publisher, is trusted.
   *
   * @param filesChecksum the algorithm's files checksum, or null if it could not be computed (then
   *     only entries that do not pin it match)
   * @param containerSectionChecksum the algorithm's container checksum
   * @param publisher the algorithm's publisher ({@code nft.owner}), or null if unknown
   */
  public boolean trusts(
      Did did,
      @org.jspecify.annotations.Nullable String filesChecksum,
      String containerSectionChecksum,
      @org.jspecify.annotations.Nullable String publisher) {
    if (publisher != null) {
      String owner = publisher.toLowerCase(Locale.ROOT);
      for (String trusted : trustedPublishers) {
        if (trusted.equals(ANY) || trusted.equals(owner)) {
          return true;
        }
      }
    }
    for (TrustedAlgorithm entry : trustedAlgorithms) {
      boolean didMatches = entry.did().equals(ANY) || entry.did().equals(did.value());
      boolean filesMatch =
          entry.filesChecksum().equals(ANY)
              || (filesChecksum != null
                  && entry.filesChecksum().equals(filesChecksum.toLowerCase(Locale.ROOT)));
      boolean containerMatches =
          entry.containerSectionChecksum().equals(ANY)
              || entry.containerSectionChecksum().equals(containerSectionChecksum);
      if (didMatches && filesMatch && containerMatches) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ComputePolicy that)) {
      return false;
    }
    return allowRawAlgorithm == that.allowRawAlgorithm
        && allowNetworkAccess == that.allowNetworkAccess
        && trustedAlgorithms.equals(that.trustedAlgorithms)
        && trustedPublishers.equals(that.trustedPublishers)
        && resultPolicy.equals(that.resultPolicy);
  }

  @Override
  public int hashCode() {
    return trustedAlgorithms.hashCode() * 31 + trustedPublishers.hashCode();
  }

  @Override
  public String toString() {
    return "ComputePolicy{allowRawAlgorithm="
        + allowRawAlgorithm
        + ", allowNetworkAccess="
        + allowNetworkAccess
        + ", trustedAlgorithms="
        + trustedAlgorithms
        + ", trustedPublishers="
        + trustedPublishers
        + (resultPolicy.isNone() ? "" : ", resultPolicy=" + resultPolicy)
        + '}';
  }
}
