package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.spi.ProviderConfig;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.ComputeBackendProvider;
import io.c2d.spi.backend.JobSpec;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code k8s} provider connects the way {@code kubectl} does: the kubeconfig named by {@code
 * KUBECONFIG} (here its system-property twin {@code kubeconfig}, which fabric8 reads first), its
 * current context or the one named by {@code c2d.k8s.context}, that context's namespace unless
 * {@code c2d.k8s.namespace} says otherwise. The kubeconfig points at fabric8's mock server.
 */
final class ConnectionConfigTest {
  private final MockApiServer api = MockApiServer.start();
  private final KubernetesClient client = api.client();
  @TempDir Path dir;
  private @Nullable String previousKubeconfig;

  @BeforeEach
  void pointKubeconfigAtTheMockServer() throws Exception {
    String url = client.getMasterUrl().toString();
    String kubeconfig =
        """
        apiVersion: v1
        kind: Config
        current-context: %s
        clusters:
        - name: nowhere
          cluster:
            server: https://127.0.0.1:1
            insecure-skip-tls-verify: true
        - name: mock
          cluster:
            server: %s
            insecure-skip-tls-verify: true
        users:
        - name: someone
          user:
            token: not-a-real-token
        contexts:
        - name: elsewhere
          context:
            cluster: nowhere
            user: someone
            namespace: wrong
        - name: mock-context
          context:
            cluster: mock
            user: someone
            namespace: from-context
        """;
    Path elsewhere =
        Files.writeString(dir.resolve("config"), kubeconfig.formatted("elsewhere", url));
    Files.writeString(dir.resolve("config-current"), kubeconfig.formatted("mock-context", url));
    previousKubeconfig = System.getProperty("kubeconfig");
    System.setProperty("kubeconfig", elsewhere.toString());
  }

  @AfterEach
  void restoreKubeconfigAndStopTheServer() {
    api.close();
    if (previousKubeconfig == null) {
      System.clearProperty("kubeconfig");
    } else {
      System.setProperty("kubeconfig", previousKubeconfig);
    }
  }

  @Test
  void theNamedContextChoosesTheClusterAndTheNamespace() throws Exception {
    try (ComputeBackend backend = create(Map.of("c2d.k8s.context", "mock-context"))) {
      assertThat(((KubernetesComputeBackend) backend).namespace()).isEqualTo("from-context");

      JobSpec spec = KubernetesComputeBackendTest.spec("r-context", false);
      backend.submit(spec, new Recorder()).toCompletableFuture().get(20, TimeUnit.SECONDS);

      assertThat(client.batch().v1().jobs().inNamespace("from-context").list().getItems())
          .extracting(j -> j.getMetadata().getName())
          .containsExactly(ObjectNames.of(spec.jobId()).job());
    }
  }

  @Test
  void theNamespacePropertyWinsOverTheContexts() throws Exception {
    try (ComputeBackend backend =
        create(Map.of("c2d.k8s.context", "mock-context", "c2d.k8s.namespace", "chosen"))) {
      assertThat(((KubernetesComputeBackend) backend).namespace()).isEqualTo("chosen");

      JobSpec spec = KubernetesComputeBackendTest.spec("r-namespace", false);
      backend.submit(spec, new Recorder()).toCompletableFuture().get(20, TimeUnit.SECONDS);

      assertThat(client.batch().v1().jobs().inNamespace("chosen").list().getItems()).hasSize(1);
      assertThat(client.batch().v1().jobs().inNamespace("from-context").list().getItems())
          .isEmpty();
    }
  }

  @Test
  void withoutAContextPropertyTheCurrentContextIsUsed() throws Exception {
    System.setProperty("kubeconfig", dir.resolve("config-current").toString());
    try (ComputeBackend backend = create(Map.of())) {
      assertThat(((KubernetesComputeBackend) backend).namespace()).isEqualTo("from-context");
    }
  }

  @Test
  void placementPropertiesOfTheEnvironmentReachThePod() throws Exception {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("c2d.k8s.context", "mock-context");
    properties.put("c2d.k8s.runtime-class", "kata");
    properties.put("c2d.k8s.environments.k8s.runtime-class", "gvisor");
    properties.put("c2d.k8s.environments.k8s.node-selector", "c2d.io/pool=gpu, zone=a");
    properties.put("c2d.k8s.tolerations", "nvidia.com/gpu:NoSchedule,dedicated=c2d:NoExecute");
    properties.put("c2d.k8s.gpus", "1");
    try (ComputeBackend backend = create(properties)) {
      JobSpec spec = KubernetesComputeBackendTest.spec("r-placement-props", false);
      backend.submit(spec, new Recorder()).toCompletableFuture().get(20, TimeUnit.SECONDS);

      PodSpec pod =
          client
              .batch()
              .v1()
              .jobs()
              .inNamespace("from-context")
              .withName(ObjectNames.of(spec.jobId()).job())
              .get()
              .getSpec()
              .getTemplate()
              .getSpec();
      assertThat(pod.getRuntimeClassName())
          .as("the environment's own key wins")
          .isEqualTo("gvisor");
      assertThat(pod.getNodeSelector())
          .containsExactly(Map.entry("c2d.io/pool", "gpu"), Map.entry("zone", "a"));
      assertThat(pod.getTolerations())
          .extracting(t -> t.getKey() + "/" + t.getOperator() + "/" + t.getEffect())
          .containsExactly("nvidia.com/gpu/Exists/NoSchedule", "dedicated/Equal/NoExecute");
    }
  }

  private ComputeBackend create(Map<String, String> properties) {
    Map<String, String> all = new LinkedHashMap<>(properties);
    all.put("c2d.k8s.result-root", dir.resolve("results").toString());
    // the mock server runs no pods, so the NetworkPolicy probe could never answer there; the
    // property is read, and accepted jobs are not probed for (NetworkGuardTest covers the rest)
    all.put("c2d.k8s.accept-unenforced-network-policy", "true");
    ComputeBackendProvider provider =
        ServiceLoader.load(ComputeBackendProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("k8s"))
            .findFirst()
            .orElseThrow();
    return provider.create(ProviderConfig.of(all));
  }
}
