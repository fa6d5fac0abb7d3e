package io.c2d.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.time.Duration;

/**
 * Creates the docker-java client (zerodep transport) a backend instance talks to the engine with.
 *
 * <p>Stateless; thread-safe.
 */
final class EngineClient {
  private EngineClient() {}

  /** A client of the engine at {@code endpoint}; it connects lazily, on its first call. */
  static DockerClient connect(DockerEndpoint endpoint) {
    DefaultDockerClientConfig.Builder config =
        DefaultDockerClientConfig.createDefaultConfigBuilder()
            .withDockerHost(endpoint.host().toString())
            .withDockerTlsVerify(endpoint.tlsVerify());
    endpoint.certPath().ifPresent(path -> config.withDockerCertPath(path.toString()));
    DefaultDockerClientConfig built = config.build();
    ZerodepDockerHttpClient http =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(built.getDockerHost())
            .sslConfig(built.getSSLConfig())
            .maxConnections(256)
            .connectionTimeout(Duration.ofSeconds(10))
            .build();
    return DockerClientImpl.getInstance(built, http);
  }
}
