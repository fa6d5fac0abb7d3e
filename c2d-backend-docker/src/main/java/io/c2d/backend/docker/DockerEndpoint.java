package io.c2d.backend.docker;

import static java.util.Objects.requireNonNull;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.spi.ProviderConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where the Docker engine is, found the way Docker users expect: the property {@code
 * c2d.docker.host}, else the {@code DOCKER_HOST} environment variable, else the default socket
 * {@code unix:///var/run/docker.sock}; TLS from {@code c2d.docker.tls-verify} / {@code
 * DOCKER_TLS_VERIFY} and {@code c2d.docker.cert-path} / {@code DOCKER_CERT_PATH}.
 *
 * <p>Immutable and thread-safe.
 */
public final class DockerEndpoint {
  /** The engine's default socket on Linux. */
  public static final URI DEFAULT_HOST = URI.create("unix:///var/run/docker.sock");

  private final URI host;
  private final boolean tlsVerify;
  private final @Nullable Path certPath;

  private DockerEndpoint(URI host, boolean tlsVerify, @Nullable Path certPath) {
    this.host = host;
    this.tlsVerify = tlsVerify;
    this.certPath = certPath;
  }

  /**
   * Resolves the endpoint from {@code config} (properties win) and the process environment {@code
   * env}.
   *
   * @throws ConfigurationException if the host is not a {@code unix://}, {@code tcp://}, {@code
   *     http://} or {@code https://} URI, or TLS is asked for without certificates
   */
  public static DockerEndpoint resolve(ProviderConfig config, Map<String, String> env) {
    requireNonNull(config, "config");
    requireNonNull(env, "env");
    ProviderConfig docker = config.scoped("c2d.docker.");
    String hostText =
        docker.string("host").orElseGet(() -> nonBlank(env.get("DOCKER_HOST")).orElse(null));
    URI host = hostText == null ? DEFAULT_HOST : parseHost(hostText);
    boolean tlsVerify =
        docker.booleanValue(
            "tls-verify",
            nonBlank(env.get("DOCKER_TLS_VERIFY")).map(v -> !v.equals("0")).orElse(false));
    Path certPath =
        docker
            .string("cert-path")
            .or(() -> nonBlank(env.get("DOCKER_CERT_PATH")))
            .map(Path::of)
            .orElse(null);
    if (tlsVerify && certPath == null) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "TLS verification is on but no certificates are set: set c2d.docker.cert-path or"
              + " DOCKER_CERT_PATH");
    }
    return new DockerEndpoint(host, tlsVerify, certPath);
  }

  private static Optional<String> nonBlank(@Nullable String value) {
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  private static URI parseHost(String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID, "Docker host is not a URI: " + text, e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    return switch (scheme) {
      case "unix", "tcp", "http", "https" -> uri;
      default ->
          throw new ConfigurationException(
              ErrorCode.CONFIGURATION_INVALID,
              "Docker host must be unix://, tcp://, http:// or https:// but is " + text);
    };
  }

  /** The engine's address. */
  public URI host() {
    return host;
  }

  /** Whether the engine's TLS certificate is verified. */
  public boolean tlsVerify() {
    return tlsVerify;
  }

  /** The directory of the TLS client certificates, if set. */
  public Optional<Path> certPath() {
    return Optional.ofNullable(certPath);
  }

  @Override
  public String toString() {
    return "DockerEndpoint{" + host + (tlsVerify ? ", tls" : "") + '}';
  }
}
