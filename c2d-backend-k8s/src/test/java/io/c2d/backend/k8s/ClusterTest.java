package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.UnavailableException;
import io.c2d.model.JobId;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The retry rule of {@link Cluster#retrying}: never the same failure retried by both layers. */
final class ClusterTest {
  private final MockApiServer api = MockApiServer.start();
  private final JobId id = JobId.of("0123456789abcdef".repeat(2));

  @AfterEach
  void stop() {
    api.close();
  }

  private String jobPath() {
    return "/apis/batch/v1/namespaces/"
        + KubernetesComputeBackendTest.NS
        + "/jobs/"
        + ObjectNames.of(id).job();
  }

  private int requestsFailingWith503(int clientRetries) {
    api.server()
        .expect()
        .get()
        .withPath(jobPath())
        .andReturn(503, "{\"kind\":\"Status\",\"code\":503}")
        .always();
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(api.client().getConfiguration())
                    .withRequestRetryBackoffLimit(clientRetries)
                    .withRequestRetryBackoffInterval(1)
                    .build())
            .build()) {
      Cluster cluster = new Cluster(client, KubernetesComputeBackendTest.NS);
      int before = api.server().getRequestCount();
      assertThatThrownBy(() -> cluster.retrying("reading a Job", () -> cluster.job(id)))
          .isInstanceOf(UnavailableException.class)
          .hasMessageContaining("HTTP 503");
      return api.server().getRequestCount() - before;
    }
  }

  @Test
  void aServerErrorTheClientRetriedIsNotRetriedAgain() {
    assertThat(requestsFailingWith503(2))
        .as("one request and the client's two retries")
        .isEqualTo(3);
  }

  @Test
  void aServerErrorIsRetriedHereWhenTheClientDoesNotRetry() {
    assertThat(requestsFailingWith503(0)).as("this side's attempts").isEqualTo(5);
  }
}
