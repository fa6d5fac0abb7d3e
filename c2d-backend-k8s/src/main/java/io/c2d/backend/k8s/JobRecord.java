package io.c2d.backend.k8s;

import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A job's Secret read as the job's record in the cluster: the spec it was submitted with, and the
 * end it was recorded with once it ended (the annotation {@value Manifests#STATE_ANNOTATION}).
 *
 * <p>Stateless and thread-safe.
 */
final class JobRecord {
  private JobRecord() {}

  /** The job's spec; {@link RuntimeException} if the Secret holds none that can be read. */
  static JobSpec spec(Secret secret) {
    return JobSpec.fromJson(decode(secret, Manifests.SPEC_KEY));
  }

  /** The job's recorded end, or null while none is recorded. */
  static @Nullable BackendJobState end(Secret secret) {
    Map<String, String> annotations = secret.getMetadata().getAnnotations();
    String stateJson = annotations == null ? null : annotations.get(Manifests.STATE_ANNOTATION);
    return stateJson == null ? null : BackendJobState.fromJson(stateJson);
  }

  /** {@code secret} with {@code end} recorded. */
  static Secret withEnd(Secret secret, BackendJobState end) {
    return new SecretBuilder(secret)
        .editMetadata()
        .addToAnnotations(Manifests.STATE_ANNOTATION, end.toJson())
        .endMetadata()
        .build();
  }

  private static String decode(Secret secret, String key) {
    Map<String, String> data = secret.getData();
    String value = data == null ? null : data.get(key);
    if (value == null) {
      throw new IllegalArgumentException("no " + key);
    }
    return new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
  }
}
