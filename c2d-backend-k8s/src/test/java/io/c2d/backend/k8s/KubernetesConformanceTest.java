package io.c2d.backend.k8s;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.Resources;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.testkit.conformance.ComputeBackendConformanceKit;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance kit against {@link KubernetesComputeBackend} on fabric8's mock server in CRUD
 * mode, with {@link LocalKubelet} playing the Job controller, the garbage collector and a kubelet
 * that really runs the pod's containers (busybox {@code sh}) on this machine. One server for the
 * class; each test gets a namespace of its own, and a restarted backend the same namespace.
 */
final class KubernetesConformanceTest extends ComputeBackendConformanceKit {
  private static final ComputeEnvironment ENVIRONMENT =
      ComputeEnvironment.builder("conformance")
          .capacity(Resources.of(2, 2048, 2048, 0))
          .maxConcurrentJobs(2)
          .maxDuration(Duration.ofMinutes(5))
          .maxOutputBytes(64 << 10)
          .maxLogBytes(16 << 10)
          .build();

  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static @Nullable MockApiServer api;
  private static @Nullable KubernetesClient client;
  private static @Nullable LocalKubelet kubelet;
  private static @Nullable Path kubeletRoot;

  @BeforeAll
  static void startTheCluster() throws Exception {
    MockApiServer started = MockApiServer.start();
    api = started;
    client = started.client();
    kubeletRoot = Files.createTempDirectory("c2d-local-kubelet-");
    kubelet = LocalKubelet.start(client, started.server(), kubeletRoot);
  }

  @AfterAll
  static void stopTheCluster() {
    if (kubelet != null) {
      kubelet.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Override
  protected ComputeBackend createBackend(Path workDir) {
    return backend(workDir, "conformance-" + NAMESPACES.incrementAndGet());
  }

  @Override
  protected ComputeBackend recreateBackend(ComputeBackend first, Path workDir) {
    return backend(workDir, ((KubernetesComputeBackend) first).namespace());
  }

  private static ComputeBackend backend(Path workDir, String namespace) {
    KubernetesClient shared = client;
    if (shared == null) {
      throw new IllegalStateException("the mock server did not start");
    }
    return KubernetesComputeBackend.builder()
        .networkPolicyProbe(StubProbe.ENFORCED)
        .client(shared)
        .namespace(namespace)
        .resultRoot(workDir)
        .addEnvironment(ENVIRONMENT)
        .podExec(cluster -> java.util.Objects.requireNonNull(kubelet).exec())
        .build();
  }

  @Override
  protected ComputeEnvironment environment() {
    return ENVIRONMENT;
  }

  /** The local kubelet runs each pod in a host directory of its own standing for its root. */
  @Override
  protected Optional<String> algorithmWorkingDirectory() {
    return Optional.empty();
  }

  @Override
  protected Map<Promise, String> notApplicable() {
    Map<Promise, String> reasons = new EnumMap<>(Promise.class);
    LocalKubelet running = kubelet;
    if (running != null && !running.runsAsPodUser()) {
      reasons.put(
          Promise.SANDBOX,
          "the tests run as root and setpriv is missing, so the local kubelet cannot run the"
              + " algorithm as the pod's runAsUser; the restricted profile itself is checked by"
              + " KubernetesComputeBackendTest");
    }
    return reasons;
  }
}
