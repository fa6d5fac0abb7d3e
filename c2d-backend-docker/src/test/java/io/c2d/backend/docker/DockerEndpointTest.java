package io.c2d.backend.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.spi.ProviderConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class DockerEndpointTest {

  @Test
  void defaultsToTheLocalSocket() {
    DockerEndpoint endpoint = DockerEndpoint.resolve(ProviderConfig.empty(), Map.of());

    assertThat(endpoint.host()).isEqualTo(URI.create("unix:///var/run/docker.sock"));
    assertThat(endpoint.tlsVerify()).isFalse();
    assertThat(endpoint.certPath()).isEmpty();
  }

  @Test
  void followsDockerHostFromTheEnvironment() {
    DockerEndpoint endpoint =
        DockerEndpoint.resolve(
            ProviderConfig.empty(),
            Map.of(
                "DOCKER_HOST", "tcp://127.0.0.1:2376",
                "DOCKER_TLS_VERIFY", "1",
                "DOCKER_CERT_PATH", "/certs"));

    assertThat(endpoint.host()).isEqualTo(URI.create("tcp://127.0.0.1:2376"));
    assertThat(endpoint.tlsVerify()).isTrue();
    assertThat(endpoint.certPath()).contains(Path.of("/certs"));
  }

  @Test
  void propertiesWinOverTheEnvironment() {
    DockerEndpoint endpoint =
        DockerEndpoint.resolve(
            ProviderConfig.of(
                Map.of(
                    "c2d.docker.host",
                    "unix:///run/user/1000/docker.sock",
                    "c2d.docker.tls-verify",
                    "false")),
            Map.of("DOCKER_HOST", "tcp://127.0.0.1:2376", "DOCKER_TLS_VERIFY", "1"));

    assertThat(endpoint.host()).isEqualTo(URI.create("unix:///run/user/1000/docker.sock"));
    assertThat(endpoint.tlsVerify()).isFalse();
  }

  @Test
  void refusesHostsItCannotReach() {
    for (String host : new String[] {"ftp://127.0.0.1", "127.0.0.1:2375", "tcp://[bad"}) {
      assertThatThrownBy(
              () ->
                  DockerEndpoint.resolve(
                      ProviderConfig.of(Map.of("c2d.docker.host", host)), Map.of()))
          .as(host)
          .isInstanceOfSatisfying(
              ConfigurationException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION_INVALID));
    }
  }

  @Test
  void refusesTlsWithoutCertificates() {
    assertThatThrownBy(
            () ->
                DockerEndpoint.resolve(
                    ProviderConfig.of(Map.of("c2d.docker.tls-verify", "true")), Map.of()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("c2d.docker.cert-path");
  }
}
