package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ConfigurationException;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.backend.ComputeBackendProvider;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

final class KubernetesBackendProviderTest {
  @Test
  void serviceLoaderFindsTheK8sProvider() {
    assertThat(ServiceLoader.load(ComputeBackendProvider.class))
        .extracting(ComputeBackendProvider::name)
        .contains("k8s");
  }

  @Test
  void malformedPropertiesAreRefusedNamingTheProperty() {
    ComputeBackendProvider provider = k8s();

    assertThatThrownBy(
            () -> provider.create(ProviderConfig.of(Map.of("c2d.k8s.max-duration", "soon"))))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.k8s.max-duration");
  }

  @Test
  void visibleClaimsThatAreNotClaimEqualsPathAreRefused() {
    ComputeBackendProvider provider = k8s();

    for (String value :
        new String[] {"data-claim", "=/srv/data", "data-claim=", "Not_A_Claim=/x"}) {
      assertThatThrownBy(
              () ->
                  provider.create(
                      ProviderConfig.of(Map.of("c2d.k8s.visible-claims", "ok=/srv/ok," + value))))
          .as(value)
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("c2d.k8s");
    }
  }

  private static ComputeBackendProvider k8s() {
    return ServiceLoader.load(ComputeBackendProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.name().equals("k8s"))
        .findFirst()
        .orElseThrow();
  }
}
