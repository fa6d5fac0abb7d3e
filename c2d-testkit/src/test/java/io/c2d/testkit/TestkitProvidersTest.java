package io.c2d.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.Algorithm;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.agreement.AgreementQuery;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.ServiceAgreementVerifierProvider;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.ComputeBackendProvider;
import io.c2d.spi.backend.JobSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The testkit's providers are found by name through ServiceLoader. */
final class TestkitProvidersTest {
  private static final EthAddress OWNER = EthAddress.of("0x" + "12".repeat(20));

  @Test
  void theBackendProvidersAreRegistered() {
    assertThat(ServiceLoader.load(ComputeBackendProvider.class).stream())
        .extracting(provider -> provider.get().name())
        .contains("in-memory");
  }

  @Test
  void inMemoryCompletesEveryJobAtOnce() {
    ComputeBackendProvider provider =
        ServiceLoader.load(ComputeBackendProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("in-memory"))
            .findFirst()
            .orElseThrow();
    try (ComputeBackend backend =
        provider.create(ProviderConfig.of(Map.of("c2d.in-memory.max-concurrent-jobs", "8")))) {
      assertThat(backend.environments())
          .singleElement()
          .satisfies(
              environment -> {
                assertThat(environment.id()).isEqualTo("in-memory");
                assertThat(environment.maxConcurrentJobs()).isEqualTo(8);
              });
      JobSpec spec =
          JobSpec.builder(JobId.derive(OWNER, "r"), OWNER)
              .requestId("r")
              .datasets(List.of(DatasetInput.builder(Did.of("3".repeat(64)), "compute").build()))
              .algorithm(
                  Algorithm.raw(ContainerSpec.of("busybox", "stable", "sh $ALGO"), "true").build())
              .environmentId("in-memory")
              .build();
      RecordingListener listener = new RecordingListener();

      backend.submit(spec, listener);

      assertThat(listener.awaitTerminal(spec.jobId(), Duration.ofSeconds(10)).status())
          .isEqualTo(JobStatus.COMPLETED);
    }
  }

  @Test
  void allowAllAllowsEverything() {
    ServiceAgreementVerifierProvider provider =
        ServiceLoader.load(ServiceAgreementVerifierProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("allow-all"))
            .findFirst()
            .orElseThrow();
    try (ServiceAgreementVerifier verifier = provider.create(ProviderConfig.empty())) {
      AgreementQuery query =
          new AgreementQuery(
              OWNER, Did.of("4".repeat(64)), "compute", null, null, "x", false, true);

      assertThat(verifier.verify(query).toCompletableFuture().join().isAllowed()).isTrue();
    }
  }
}
