package io.c2d.backend.k8s;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test only against a real cluster, named by {@code KUBECONFIG}. This is the one test of the
 * build allowed to skip in CI (no cluster can run on the CI machines): its reason starts with
 * {@code "not applicable:"}, the only skip {@code .ci/run} lets through, and says loudly why.
 */
final class RequiresKubeconfig implements ExecutionCondition {
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String kubeconfig = System.getenv("KUBECONFIG");
    if (kubeconfig == null || kubeconfig.isBlank()) {
      return ConditionEvaluationResult.disabled(
          "not applicable: NO REAL KUBERNETES CLUSTER: KUBECONFIG is not set, so the conformance"
              + " kit did NOT run against a real cluster (set KUBECONFIG to run it)");
    }
    return ConditionEvaluationResult.enabled("KUBECONFIG=" + kubeconfig);
  }
}
