package io.c2d.backend.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A job's NetworkPolicy read as the job's record in the cluster: the spec it was submitted with
 * (the annotation {@value Manifests#SPEC_ANNOTATION}) and the end it was recorded with once it
 * ended ({@value Manifests#STATE_ANNOTATION}). The NetworkPolicy lives as long as the job: it
 * outlives the finished Job, which its time to live removes, and goes when the job is deleted. The
 * spec names the inputs (the request headers of url inputs left out); their content never enters
 * the cluster's API objects.
 *
 * <p>Stateless and thread-safe.
 */
final class JobRecord {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JobRecord() {}

  /** The job's spec; {@link RuntimeException} if the record holds none that can be read. */
  static JobSpec spec(NetworkPolicy record) {
    String json = annotation(record, Manifests.SPEC_ANNOTATION);
    if (json == null) {
      throw new IllegalArgumentException("no " + Manifests.SPEC_ANNOTATION);
    }
    return JobSpec.fromJson(json);
  }

  /**
   * What of {@code spec} goes into the record: all of it but the request headers of url inputs,
   * which may carry a publisher's credentials and have no place in an object that is not a Secret.
   * (A provider that restarts before a job's inputs were streamed in fetches such a url without
   * them; where the server insists on them the job fails {@code DATA_PROVISIONING_FAILED}.)
   */
  static String recordable(JobSpec spec) {
    try {
      JsonNode root = JSON.readTree(spec.toJson());
      for (JsonNode dataset : root.path("datasets")) {
        for (JsonNode locator : dataset.path("locators")) {
          if (locator instanceof ObjectNode object) {
            object.remove("headers");
          }
        }
      }
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a job spec's own JSON did not parse", e);
    }
  }

  /** The job's recorded end, or null while none is recorded. */
  static @Nullable BackendJobState end(NetworkPolicy record) {
    String stateJson = annotation(record, Manifests.STATE_ANNOTATION);
    return stateJson == null ? null : BackendJobState.fromJson(stateJson);
  }

  /** {@code record} with {@code end} recorded. */
  static NetworkPolicy withEnd(NetworkPolicy record, BackendJobState end) {
    return new NetworkPolicyBuilder(record)
        .editMetadata()
        .addToAnnotations(Manifests.STATE_ANNOTATION, end.toJson())
        .endMetadata()
        .build();
  }

  /**
   * A JSON merge patch recording {@code end} in a record: one round trip, where reading the record
   * and writing it back took two.
   */
  static String endPatch(BackendJobState end) {
    ObjectNode patch = JSON.createObjectNode();
    patch
        .putObject("metadata")
        .putObject("annotations")
        .put(Manifests.STATE_ANNOTATION, end.toJson());
    return patch.toString();
  }

  private static @Nullable String annotation(NetworkPolicy record, String key) {
    Map<String, String> annotations = record.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }
}
