package io.c2d.backend.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.model.ComputeEnvironment;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.ComputeBackendProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded backend is found by name and configured from properties. */
final class EmbeddedBackendProviderTest {
  @TempDir Path temp;

  private static ComputeBackendProvider provider() {
    return ServiceLoader.load(ComputeBackendProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.name().equals("embedded"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void isFoundByNameAndReadsItsProperties() {
    ComputeBackendProvider provider = provider();
    assertThat(provider).isInstanceOf(EmbeddedBackendProvider.class);

    try (ComputeBackend backend =
        provider.create(
            ProviderConfig.of(
                Map.of(
                    "c2d.embedded.work-root", temp.toString(),
                    "c2d.embedded.environment", "dev",
                    "c2d.embedded.max-concurrent-jobs", "2",
                    "c2d.embedded.max-duration", "5m")))) {
      assertThat(backend).isInstanceOf(EmbeddedComputeBackend.class);
      assertThat(((EmbeddedComputeBackend) backend).workRoot()).isEqualTo(temp.toAbsolutePath());
      ComputeEnvironment environment = backend.environments().get(0);
      assertThat(environment.id()).isEqualTo("dev");
      assertThat(environment.maxConcurrentJobs()).isEqualTo(2);
      assertThat(environment.maxDuration()).isEqualTo(Duration.ofMinutes(5));
    }
  }

  @Test
  void hasDefaults() {
    try (ComputeBackend backend = provider().create(ProviderConfig.empty())) {
      assertThat(backend.environments())
          .singleElement()
          .satisfies(
              environment -> {
                assertThat(environment.id()).isEqualTo("local");
                assertThat(environment.maxConcurrentJobs())
                    .isEqualTo(ComputeEnvironment.DEFAULT_MAX_CONCURRENT_JOBS);
              });
      assertThat(((EmbeddedComputeBackend) backend).workRoot())
          .startsWithRaw(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath());
    }
  }

  @Test
  void malformedPropertiesAreNamed() {
    assertThatThrownBy(
            () ->
                provider()
                    .create(ProviderConfig.of(Map.of("c2d.embedded.max-concurrent-jobs", "0"))))
        .isInstanceOfSatisfying(
            ConfigurationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION_INVALID))
        .hasMessageContaining("c2d.embedded.max-concurrent-jobs");
    assertThatThrownBy(
            () -> provider().create(ProviderConfig.of(Map.of("c2d.embedded.environment", "a b"))))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.embedded");
    assertThatThrownBy(
            () -> provider().create(ProviderConfig.of(Map.of("c2d.embedded.max-duration", "soon"))))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.embedded.max-duration");
    assertThatThrownBy(
            () -> provider().create(ProviderConfig.of(Map.of("c2d.embedded.sandbox", "maybe"))))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.embedded.sandbox");
    assertThatThrownBy(
            () -> provider().create(ProviderConfig.of(Map.of("c2d.embedded.pids-limit", "2"))))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.embedded.pids-limit");
  }

  @Test
  void readsTheSandboxProperties() {
    try (ComputeBackend off =
        provider()
            .create(
                ProviderConfig.of(
                    Map.of(
                        "c2d.embedded.work-root",
                        temp.toString(),
                        "c2d.embedded.sandbox",
                        "off")))) {
      assertThat(((EmbeddedComputeBackend) off).sandboxed()).isFalse();
    }
    try (ComputeBackend broken =
        provider()
            .create(
                ProviderConfig.of(
                    Map.of(
                        "c2d.embedded.work-root",
                        temp.toString(),
                        "c2d.embedded.bwrap",
                        "/bin/false")))) {
      assertThat(((EmbeddedComputeBackend) broken).sandboxed()).isFalse();
    }
    assertThatThrownBy(
            () ->
                provider()
                    .create(
                        ProviderConfig.of(
                            Map.of(
                                "c2d.embedded.work-root", temp.toString(),
                                "c2d.embedded.sandbox", "REQUIRE",
                                "c2d.embedded.bwrap", "/bin/false"))))
        .isInstanceOfSatisfying(
            ConfigurationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION_INVALID))
        .hasMessageContaining("bubblewrap");
  }

  @Test
  @io.c2d.testkit.junit.Requires(WorkingBubblewrap.class)
  void requiresTheSandboxWhereItWorks() {
    try (ComputeBackend backend =
        provider()
            .create(
                ProviderConfig.of(
                    Map.of(
                        "c2d.embedded.work-root", temp.toString(),
                        "c2d.embedded.sandbox", "require",
                        "c2d.embedded.pids-limit", "64")))) {
      assertThat(((EmbeddedComputeBackend) backend).sandboxed()).isTrue();
    }
  }
}
