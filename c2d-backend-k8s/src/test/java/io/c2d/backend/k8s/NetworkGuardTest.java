package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.C2dException;
import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backend's decision on jobs without network from the probe's answer (a fixed one here: the
 * mock API server runs no pods; the real probe runs in {@code
 * KubernetesRealClusterContainmentTest}).
 */
final class NetworkGuardTest {
  private final MockApiServer api = MockApiServer.start();
  final KubernetesClient client = api.client();
  @TempDir Path results;
  private final List<KubernetesComputeBackend> backends = new ArrayList<>();

  @AfterEach
  void closeBackends() {
    backends.forEach(KubernetesComputeBackend::close);
    api.close();
  }

  private KubernetesComputeBackend backend(Supplier<NetworkIsolation> probe, boolean accept) {
    KubernetesComputeBackend backend =
        KubernetesComputeBackend.builder()
            .networkPolicyProbe(probe)
            .acceptUnenforcedNetworkPolicy(accept)
            .client(client)
            .namespace(KubernetesComputeBackendTest.NS)
            .resultRoot(results)
            .addEnvironment(KubernetesComputeBackendTest.environment())
            .podExec(c -> new FakePodExec())
            .build();
    backends.add(backend);
    return backend;
  }

  private String configurationLog(JobSpec spec) throws Exception {
    Path log = JobDirectoryStore.of(results).directory(spec.jobId()).configurationLog();
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  /** The Kubernetes Job of {@code spec}, or null. */
  private @org.jspecify.annotations.Nullable Job job(JobSpec spec) {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(KubernetesComputeBackendTest.NS)
        .withName(ObjectNames.of(spec.jobId()).job())
        .get();
  }

  /** A probe that answers {@code answer} and counts its runs in {@code probes}. */
  private static Supplier<NetworkIsolation> counting(
      AtomicInteger probes, NetworkIsolation answer) {
    return () -> {
      probes.incrementAndGet();
      return answer;
    };
  }

  @Test
  void byDefaultAJobWithoutNetworkIsRefusedWhereNetworkPolicyIsNotEnforcedAndNothingIsMade() {
    KubernetesComputeBackend backend = backend(StubProbe.NOT_ENFORCED, false);
    JobSpec spec = KubernetesComputeBackendTest.spec("closed-refused", false);

    assertThatThrownBy(
            () -> backend.submit(spec, new Recorder()).toCompletableFuture().get(20, SECONDS))
        .isInstanceOf(ExecutionException.class)
        .satisfies(
            e -> {
              C2dException typed = C2dException.unwrap(e);
              assertThat(typed).isInstanceOf(ConfigurationException.class);
              assertThat(typed.code()).isEqualTo(ErrorCode.CONFIGURATION_INVALID);
              assertThat(typed.getMessage())
                  .contains("must run without network")
                  .contains("does NOT enforce NetworkPolicy")
                  .contains("stub: a pod reached the other one")
                  .contains("c2d.k8s.accept-unenforced-network-policy=true");
            });
    assertThat(
            client
                .network()
                .v1()
                .networkPolicies()
                .inNamespace(KubernetesComputeBackendTest.NS)
                .list()
                .getItems())
        .isEmpty();
    assertThat(
            client
                .batch()
                .v1()
                .jobs()
                .inNamespace(KubernetesComputeBackendTest.NS)
                .list()
                .getItems())
        .isEmpty();
  }

  @Test
  void anUnknownAnswerRefusesToo() {
    KubernetesComputeBackend backend =
        backend(() -> NetworkIsolation.unknown("stub: the probe's pods did not run"), false);
    JobSpec spec = KubernetesComputeBackendTest.spec("closed-unknown", false);

    assertThatThrownBy(
            () -> backend.submit(spec, new Recorder()).toCompletableFuture().get(20, SECONDS))
        .satisfies(
            e ->
                assertThat(C2dException.unwrap(e))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("is unknown")
                    .hasMessageContaining("stub: the probe's pods did not run"));
  }

  @Test
  void acceptedTheJobRunsAndItsConfigurationLogSaysItsNetworkIsNotClosed() throws Exception {
    KubernetesComputeBackend backend = backend(StubProbe.NOT_ENFORCED, true);
    JobSpec spec = KubernetesComputeBackendTest.spec("closed-accepted", false);

    backend.submit(spec, new Recorder()).toCompletableFuture().get(20, SECONDS);

    assertThat(job(spec)).isNotNull();
    assertThat(configurationLog(spec))
        .contains("network: NOT CLOSED")
        .contains("accepts unenforced NetworkPolicy");
  }

  @Test
  void whereItIsEnforcedTheLogSaysTheNetworkIsClosedAndTheProbeRunsOnceForManyJobs()
      throws Exception {
    AtomicInteger probes = new AtomicInteger();
    KubernetesComputeBackend backend =
        backend(counting(probes, NetworkIsolation.enforced("stub: blocked")), false);
    JobSpec first = KubernetesComputeBackendTest.spec("closed-1", false);
    JobSpec second = KubernetesComputeBackendTest.spec("closed-2", false);

    backend.submit(first, new Recorder()).toCompletableFuture().get(20, SECONDS);
    backend.submit(second, new Recorder()).toCompletableFuture().get(20, SECONDS);

    assertThat(probes).hasValue(1);
    assertThat(configurationLog(second))
        .contains("network: closed by a deny-all NetworkPolicy, which this cluster enforces")
        .doesNotContain("NOT CLOSED");
  }

  @Test
  void aJobAllowedTheNetworkIsNeitherProbedForNorRefused() throws Exception {
    AtomicInteger probes = new AtomicInteger();
    KubernetesComputeBackend backend =
        backend(counting(probes, NetworkIsolation.notEnforced("stub")), false);
    JobSpec spec = KubernetesComputeBackendTest.spec("open", true);

    backend.submit(spec, new Recorder()).toCompletableFuture().get(20, SECONDS);

    assertThat(probes).hasValue(0);
    assertThat(job(spec)).isNotNull();
  }

  @Test
  void anUnknownAnswerIsKeptForAMinuteSoABurstOfJobsStartsOneProbe() {
    AtomicInteger probes = new AtomicInteger();
    NetworkGuard guard =
        NetworkGuard.own(
            () ->
                probes.incrementAndGet() == 1
                    ? NetworkIsolation.unknown("stub: first")
                    : NetworkIsolation.enforced("stub: second"),
            false,
            Duration.ofSeconds(10));

    assertThat(guard.isolation().verdict()).isEqualTo(NetworkIsolation.Verdict.UNKNOWN);
    assertThat(guard.isolation().verdict()).isEqualTo(NetworkIsolation.Verdict.UNKNOWN);
    assertThat(probes).hasValue(1);
  }

  private static final TimeUnit SECONDS = TimeUnit.SECONDS;
}
