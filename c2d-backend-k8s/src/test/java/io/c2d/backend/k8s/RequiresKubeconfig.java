package io.c2d.backend.k8s;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test only against a real cluster, named by {@code KUBECONFIG}, and makes sure the test
 * image is there ({@link RealCluster#image()}). In CI ({@code CI=true}) a missing cluster FAILS the
 * test: {@code .ci/run} builds and starts a real node and sets {@code KUBECONFIG}. Elsewhere the
 * test is skipped with a reason that starts with {@code "not applicable:"} and says loudly why.
 */
final class RequiresKubeconfig implements ExecutionCondition {
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String kubeconfig = System.getenv("KUBECONFIG");
    if (kubeconfig == null || kubeconfig.isBlank()) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException(
            "CI=true but KUBECONFIG is not set: the real-cluster tests cannot run (.ci/run builds"
                + " and starts a real Kubernetes node and sets KUBECONFIG)");
      }
      return ConditionEvaluationResult.disabled(
          "not applicable: NO REAL KUBERNETES CLUSTER: KUBECONFIG is not set, so the real-cluster"
              + " tests did NOT run (set KUBECONFIG to run them)");
    }
    RealCluster.ensureImage();
    return ConditionEvaluationResult.enabled("KUBECONFIG=" + kubeconfig);
  }
}
