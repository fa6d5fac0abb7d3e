package io.c2d.backend.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ConfigurationException;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.ComputeBackendProvider;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The provider is found by name and builds a backend from properties, without I/O. */
final class DockerBackendProviderTest {
  @TempDir Path dir;

  private static ComputeBackendProvider provider() {
    return ServiceLoader.load(ComputeBackendProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.name().equals("docker"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void isFoundAsDocker() {
    ComputeBackendProvider provider = provider();

    try (ComputeBackend backend =
        provider.create(
            ProviderConfig.of(
                Map.of(
                    "c2d.docker.result-root", dir.toString(),
                    "c2d.docker.environment", "gpu-less",
                    "c2d.docker.max-concurrent-jobs", "2",
                    "c2d.docker.instance", "prov")))) {
      assertThat(backend).isInstanceOf(DockerComputeBackend.class);
      assertThat(backend.environments())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.id()).isEqualTo("gpu-less");
                assertThat(e.maxConcurrentJobs()).isEqualTo(2);
              });
      assertThat(((DockerComputeBackend) backend).resultRoot()).isEqualTo(dir);
    }
  }

  @Test
  void theDefaultEnvironmentsCapsAreProperties() {
    try (ComputeBackend backend =
        provider()
            .create(
                ProviderConfig.of(
                    Map.of(
                        "c2d.docker.result-root", dir.toString(),
                        "c2d.docker.max-output-bytes", "2147483648",
                        "c2d.docker.max-log-bytes", "1048576",
                        "c2d.docker.mount-inputs", "false")))) {
      assertThat(backend.environments())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.maxOutputBytes()).isEqualTo(2L << 30);
                assertThat(e.maxLogBytes()).isEqualTo(1L << 20);
              });
    }
  }

  @Test
  void aCapThatIsNotPositiveIsAConfigurationError() {
    assertThatThrownBy(
            () ->
                provider()
                    .create(
                        ProviderConfig.of(
                            Map.of(
                                "c2d.docker.result-root",
                                dir.toString(),
                                "c2d.docker.max-output-bytes",
                                "0"))))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("maxOutputBytes must be positive");
  }
}
