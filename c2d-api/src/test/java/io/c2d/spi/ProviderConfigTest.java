package io.c2d.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ProviderConfigTest {
  private final ProviderConfig config =
      ProviderConfig.of(
          Map.of(
              "c2d.docker.host", " unix:///var/run/docker.sock ",
              "c2d.docker.timeout", "30s",
              "c2d.docker.iso", "PT2M",
              "c2d.docker.jobs", "12",
              "c2d.docker.tls", "TRUE",
              "c2d.docker.blank", "  ",
              "c2d.other", "x"));

  @Test
  void scopedViewsReadBelowTheirPrefix() {
    ProviderConfig docker = config.scoped("c2d.docker.");

    assertThat(docker.string("host")).contains("unix:///var/run/docker.sock");
    assertThat(docker.string("blank")).isEmpty();
    assertThat(docker.longValue("jobs", 1)).isEqualTo(12);
    assertThat(docker.booleanValue("tls", false)).isTrue();
    assertThat(docker.duration("timeout", Duration.ZERO)).isEqualTo(Duration.ofSeconds(30));
    assertThat(docker.duration("iso", Duration.ZERO)).isEqualTo(Duration.ofMinutes(2));
    assertThat(docker.duration("missing", Duration.ofMillis(5))).isEqualTo(Duration.ofMillis(5));
    assertThat(docker.asMap()).containsKey("host").doesNotContainKey("other");
  }

  @Test
  void malformedValuesNameTheProperty() {
    ProviderConfig bad =
        ProviderConfig.of(Map.of("c2d.n", "ten", "c2d.b", "yes", "c2d.d", "5 fortnights"));

    assertThatThrownBy(() -> bad.longValue("c2d.n", 0)).hasMessageContaining("c2d.n");
    assertThatThrownBy(() -> bad.booleanValue("c2d.b", false)).hasMessageContaining("c2d.b");
    assertThatThrownBy(() -> bad.duration("c2d.d", Duration.ZERO))
        .isInstanceOfSatisfying(
            ConfigurationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION_INVALID))
        .hasMessageContaining("c2d.d");
    assertThatThrownBy(() -> bad.requireString("c2d.absent")).hasMessageContaining("c2d.absent");
  }

  @Test
  void aDurationPastDurationsRangeIsMalformedNotAnOverflow() {
    // found by FilterFuzzTest#configuration: Duration.ofMinutes threw ArithmeticException
    ProviderConfig huge =
        ProviderConfig.of(Map.of("c2d.m", "999999999999999999m", "c2d.h", "9223372036854775807h"));

    for (String key : new String[] {"c2d.m", "c2d.h"}) {
      assertThatThrownBy(() -> huge.duration(key, Duration.ZERO))
          .isInstanceOfSatisfying(
              ConfigurationException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION_INVALID))
          .hasMessageContaining(key);
    }
  }
}
