package io.c2d.backend.k8s;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.model.Resources;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the real-cluster tests share: the cluster of {@code KUBECONFIG}, the namespace ({@code
 * C2D_K8S_NAMESPACE}, default {@code default}) and the image the test algorithms and the staging
 * helpers run ({@code C2D_K8S_TEST_IMAGE}, default {@code c2d-test/busybox:1}, which no registry
 * serves: on a node whose kubelet runs on the local Docker engine it is imported there with the
 * Docker backend's {@code build-test-image.sh}, and found because the pods pull only if absent).
 */
final class RealCluster {
  static final String DEFAULT_IMAGE = "c2d-test/busybox:1";

  private RealCluster() {}

  static String namespace() {
    return System.getenv().getOrDefault("C2D_K8S_NAMESPACE", "default");
  }

  static String image() {
    return System.getenv().getOrDefault("C2D_K8S_TEST_IMAGE", DEFAULT_IMAGE);
  }

  static ContainerSpec container(String entrypoint) {
    String image = image();
    int colon = image.lastIndexOf(':');
    return ContainerSpec.of(image.substring(0, colon), image.substring(colon + 1), entrypoint);
  }

  static KubernetesClient client() {
    return new KubernetesClientBuilder().build();
  }

  /** An environment of two jobs, with the given memory per job in MiB. */
  static ComputeEnvironment environment(String id, long memoryMib) {
    return ComputeEnvironment.builder(id)
        .capacity(Resources.of(2, 2 * memoryMib, 2048, 0))
        .maxPerJob(Resources.of(1, memoryMib, 1024, 0))
        .defaultPerJob(Resources.of(0.5, memoryMib, 256, 0))
        .maxConcurrentJobs(2)
        .maxOutputBytes(64 << 10)
        .maxLogBytes(16 << 10)
        .build();
  }

  static KubernetesComputeBackend.Builder backend(ComputeEnvironment environment, Path results) {
    return KubernetesComputeBackend.builder()
        .namespace(namespace())
        .resultRoot(results)
        .addEnvironment(environment)
        .helperImage(image())
        .imagePullTimeout(Duration.ofMinutes(2))
        // the team's node has no network plugin that enforces NetworkPolicy (the containment test
        // checks that the default refuses jobs without network there)
        .acceptUnenforcedNetworkPolicy(true);
  }

  /** Imports the default image into the local Docker engine if it is missing there. */
  static void ensureImage() {
    if (!DEFAULT_IMAGE.equals(image())) {
      return;
    }
    Path script =
        Path.of("../c2d-backend-docker/src/test/resources/build-test-image.sh").toAbsolutePath();
    try {
      Process build =
          new ProcessBuilder(List.of("bash", script.toString(), DEFAULT_IMAGE))
              .redirectErrorStream(true)
              .start();
      String output = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!build.waitFor(120, TimeUnit.SECONDS) || build.exitValue() != 0) {
        throw new IllegalStateException("importing " + DEFAULT_IMAGE + " failed: " + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException("importing " + DEFAULT_IMAGE + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted importing " + DEFAULT_IMAGE, e);
    }
  }
}
