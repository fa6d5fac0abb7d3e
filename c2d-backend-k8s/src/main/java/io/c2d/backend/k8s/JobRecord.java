package io.c2d.backend.k8s;

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
 * spec names the inputs; their content never enters the cluster's API objects.
 *
 * <p>Stateless and thread-safe.
 */
final class JobRecord {
  private JobRecord() {}

  /** The job's spec; {@link RuntimeException} if the record holds none that can be read. */
  static JobSpec spec(NetworkPolicy record) {
    String json = annotation(record, Manifests.SPEC_ANNOTATION);
    if (json == null) {
      throw new IllegalArgumentException("no " + Manifests.SPEC_ANNOTATION);
    }
    return JobSpec.fromJson(json);
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

  private static @Nullable String annotation(NetworkPolicy record, String key) {
    Map<String, String> annotations = record.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }
}
