package io.c2d.backend.k8s;

import java.util.function.Supplier;

/**
 * Fixed answers of the NetworkPolicy probe for the tests against fabric8's mock API server, which
 * runs no pods (so a real probe could never answer there). The real probe is tested on the real
 * node ({@code KubernetesRealClusterContainmentTest}).
 */
final class StubProbe {
  /** NetworkPolicy is enforced: jobs without network run, as they did before the probe. */
  static final Supplier<NetworkIsolation> ENFORCED =
      () -> NetworkIsolation.enforced("stub: the mock API server runs no pods to probe with");

  /** NetworkPolicy is not enforced. */
  static final Supplier<NetworkIsolation> NOT_ENFORCED =
      () -> NetworkIsolation.notEnforced("stub: a pod reached the other one");

  private StubProbe() {}
}
