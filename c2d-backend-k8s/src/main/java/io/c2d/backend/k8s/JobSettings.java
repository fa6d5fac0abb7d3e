package io.c2d.backend.k8s;

import io.c2d.model.ComputeEnvironment;
import io.c2d.spi.backend.JobSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the builder configured about how jobs run: the environments offered, where each one's pods
 * are placed, the helper image, how long a finished Job stays, and the claim the outputs go to
 * (null: they stream out of the pod), and the input claims this provider sees itself.
 *
 * <p>Immutable and thread-safe.
 */
record JobSettings(
    List<ComputeEnvironment> environments,
    String helperImage,
    Placement defaultPlacement,
    Map<String, Placement> placements,
    Duration ttlAfterFinished,
    Duration transferTimeout,
    @Nullable OutputClaim outputClaim,
    Map<String, Path> visibleClaims) {
  JobSettings {
    environments = List.copyOf(environments);
    placements = Map.copyOf(placements);
    visibleClaims = Map.copyOf(visibleClaims);
  }

  /** The environment {@code id}; the first one if there is no such environment. */
  ComputeEnvironment environment(String id) {
    for (ComputeEnvironment env : environments) {
      if (env.id().equals(id)) {
        return env;
      }
    }
    return environments.get(0);
  }

  /**
   * What the manifests of {@code spec}'s objects need to know besides the spec.
   *
   * @throws IllegalArgumentException if an input names a claim or path that may not be used
   */
  Manifests.Settings manifests(JobSpec spec) {
    ComputeEnvironment env = environment(spec.environmentId());
    return new Manifests.Settings(
        helperImage,
        env.maxOutputBytes(),
        env.maxLogBytes(),
        ttlAfterFinished.toSeconds(),
        placements.getOrDefault(env.id(), defaultPlacement),
        Math.max(1, transferTimeout.toSeconds()),
        ClaimInputs.of(spec),
        outputClaim == null ? null : outputClaim.claim());
  }
}
