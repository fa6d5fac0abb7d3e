package io.c2d;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputePolicy;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Enforces each input asset's compute policy (DESIGN step 4) before a job is admitted: raw
 * algorithms, network access, and trust in a published algorithm by DID and checksums or by
 * publisher, computed as Ocean's provider and ocean-node compute them.
 */
final class PolicyCheck {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final int MAX_CACHED_POLICIES = 1024;

  private final ComputePolicy policyWithoutDdo;
  private final ConcurrentHashMap<PolicyKey, ComputePolicy> policies = new ConcurrentHashMap<>();

  PolicyCheck(ComputePolicy policyWithoutDdo) {
    this.policyWithoutDdo = policyWithoutDdo;
  }

  /**
   * The policy of a DDO's service, parsed once per distinct DDO: a provider starts many jobs on the
   * same few assets, and parsing the whole DDO was a fifth of a start's cost.
   */
  private ComputePolicy policyOf(String ddoJson, String serviceId, String field) {
    PolicyKey key = new PolicyKey(ddoJson, serviceId);
    ComputePolicy policy = policies.get(key);
    if (policy == null) {
      policy = ComputePolicy.fromDdo(ddoJson, serviceId, field);
      if (policies.size() >= MAX_CACHED_POLICIES) {
        policies.clear();
      }
      policies.put(key, policy);
    }
    return policy;
  }

  private record PolicyKey(String ddoJson, String serviceId) {}

  /**
   * Checks {@code request} against every dataset's policy.
   *
   * @return whether the sandbox gets network access (asked for, and every policy allows it)
   * @throws PolicyViolationException if a policy forbids the request
   * @throws InvalidRequestException if a DDO is malformed or lacks the ordered service
   */
  boolean check(ComputeRequest request) {
    Algorithm algorithm = request.algorithm();
    AlgorithmFacts facts = algorithm.isRaw() ? null : AlgorithmFacts.of(algorithm);
    List<DatasetInput> datasets = request.datasets();
    for (int i = 0; i < datasets.size(); i++) {
      DatasetInput dataset = datasets.get(i);
      ComputePolicy policy =
          dataset.ddoJson().isPresent()
              ? policyOf(dataset.ddoJson().get(), dataset.serviceId(), "datasets[" + i + "].ddo")
              : policyWithoutDdo;
      if (request.networkAccess() && !policy.allowNetworkAccess()) {
        throw new PolicyViolationException(
            ErrorCode.NETWORK_ACCESS_NOT_ALLOWED,
            "dataset " + dataset.did() + " does not allow network access (allowNetworkAccess)");
      }
      if (facts == null) {
        if (!policy.allowRawAlgorithm()) {
          throw new PolicyViolationException(
              ErrorCode.RAW_ALGORITHM_NOT_ALLOWED,
              "dataset " + dataset.did() + " does not allow raw algorithms (allowRawAlgorithm)");
        }
      } else if (!policy.trusts(
          facts.did, facts.filesChecksum, facts.containerSectionChecksum, facts.publisher)) {
        throw new PolicyViolationException(
            ErrorCode.ALGORITHM_NOT_TRUSTED,
            "dataset "
                + dataset.did()
                + " does not trust algorithm "
                + facts.did
                + (facts.publisher == null ? "" : " of publisher " + facts.publisher)
                + " (publisherTrustedAlgorithms, publisherTrustedAlgorithmPublishers)");
      }
    }
    return request.networkAccess();
  }

  /** What the policy needs to know of a published algorithm. */
  static final class AlgorithmFacts {
    final Did did;
    final @Nullable String filesChecksum;
    final String containerSectionChecksum;
    final @Nullable String publisher;

    private AlgorithmFacts(
        Did did,
        @Nullable String filesChecksum,
        String containerSectionChecksum,
        @Nullable String publisher) {
      this.did = did;
      this.filesChecksum = filesChecksum;
      this.containerSectionChecksum = containerSectionChecksum;
      this.publisher = publisher;
    }

    static AlgorithmFacts of(Algorithm algorithm) {
      Did did = algorithm.did().orElseThrow();
      ContainerSpec container = algorithm.container();
      String publisher = null;
      if (algorithm.ddoJson().isPresent()) {
        JsonNode root = readDdo(algorithm.ddoJson().get());
        // a v5 DDO keeps the v4 members in its credentialSubject
        JsonNode ddo = root.has("credentialSubject") ? root.path("credentialSubject") : root;
        publisher = ddo.path("nft").path("owner").asText(null);
        JsonNode declared = ddo.path("metadata").path("algorithm").path("container");
        if (!declared.isMissingNode()) {
          requireSameContainer(did, container, declared);
        }
      }
      return new AlgorithmFacts(
          did,
          filesChecksum(algorithm.files()),
          containerSectionChecksum(container.entrypoint(), container.digest()),
          publisher);
    }

    private static JsonNode readDdo(String json) {
      try {
        return MAPPER.readTree(json);
      } catch (JsonProcessingException e) {
        throw new InvalidRequestException(
            ErrorCode.INVALID_REQUEST, "algorithm.ddo", "is not valid JSON", e);
      }
    }

    /** A trusted DID must not smuggle in another image or command than the one its DDO names. */
    private static void requireSameContainer(Did did, ContainerSpec asked, JsonNode declared) {
      String image = declared.path("image").asText("");
      String tag = declared.path("tag").asText("");
      String entrypoint = declared.path("entrypoint").asText("");
      String checksum = declared.path("checksum").asText(null);
      boolean same =
          asked.image().equals(image)
              && asked.tag().equals(tag)
              && asked.entrypoint().equals(entrypoint)
              && (checksum == null || checksum.toLowerCase(Locale.ROOT).equals(asked.digest()));
      if (!same) {
        throw new PolicyViolationException(
            ErrorCode.ALGORITHM_NOT_TRUSTED,
            "the container of algorithm " + did + " differs from the one its DDO declares");
      }
    }
  }

  /**
   * Ocean's {@code containerSectionChecksum}: SHA-256 hex of the entrypoint followed by the image
   * checksum ({@code sha256:...}), or of the entrypoint alone when there is none.
   */
  static String containerSectionChecksum(String entrypoint, @Nullable String imageChecksum) {
    String text = imageChecksum == null ? entrypoint : entrypoint + imageChecksum;
    return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Ocean's {@code filesChecksum}: the SHA-256 hex of each file's content, concatenated in order;
   * null if a file is not local ({@code file:}) or cannot be read, so only policies that do not pin
   * it can match.
   */
  static @Nullable String filesChecksum(List<URI> files) {
    if (files.isEmpty()) {
      return null;
    }
    StringBuilder checksum = new StringBuilder(files.size() * 64);
    byte[] buffer = new byte[64 * 1024];
    for (URI file : files) {
      if (!"file".equals(file.getScheme())) {
        return null;
      }
      MessageDigest digest = sha256();
      try (InputStream in = Files.newInputStream(Path.of(file))) {
        int read;
        while ((read = in.read(buffer)) > 0) {
          digest.update(buffer, 0, read);
        }
      } catch (IOException | IllegalArgumentException e) {
        return null;
      }
      checksum.append(HexFormat.of().formatHex(digest.digest()));
    }
    return checksum.toString();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
