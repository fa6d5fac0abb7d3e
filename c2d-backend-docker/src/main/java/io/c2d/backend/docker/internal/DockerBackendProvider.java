package io.c2d.backend.docker.internal;

import static java.util.Objects.requireNonNull;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.backend.docker.DockerComputeBackend;
import io.c2d.backend.docker.DockerEndpoint;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.ComputeBackendProvider;
import io.c2d.spi.backend.support.FetchSettings;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Provides the {@link DockerComputeBackend} under the name {@value #NAME}, found through {@link
 * java.util.ServiceLoader} ({@code c2d.backend=docker}).
 *
 * <p>Properties, all optional: the engine as {@link DockerEndpoint#resolve} reads it ({@code
 * c2d.docker.host}, {@code c2d.docker.tls-verify}, {@code c2d.docker.cert-path}, else {@code
 * DOCKER_HOST} and friends); {@code c2d.docker.result-root} (default {@code c2d-docker-<user>}
 * below {@code java.io.tmpdir}); {@code c2d.docker.environment} (default {@value
 * DockerComputeBackend#DEFAULT_ENVIRONMENT_ID}); {@code c2d.docker.max-concurrent-jobs} (default
 * 4); {@code c2d.docker.max-duration} (default one hour); {@code c2d.docker.instance}; {@code
 * c2d.docker.pids-limit}; {@code c2d.docker.pull-missing-images} (default true); {@code
 * c2d.fetch.*}, how remote inputs are fetched ({@link FetchSettings#fromConfig(ProviderConfig)}).
 *
 * <p>Stateless and thread-safe.
 */
public final class DockerBackendProvider implements ComputeBackendProvider {
  /** The name configuration selects this provider by. */
  public static final String NAME = "docker";

  /** Called by {@link java.util.ServiceLoader}. */
  public DockerBackendProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ComputeBackend create(ProviderConfig config) {
    requireNonNull(config, "config");
    ProviderConfig own = config.scoped("c2d." + NAME + ".");
    DockerEndpoint endpoint = DockerEndpoint.resolve(config, System.getenv());
    String root = own.string("result-root").orElse(null);
    Path resultRoot;
    try {
      resultRoot =
          root != null
              ? Path.of(root)
              : Path.of(
                  System.getProperty("java.io.tmpdir"),
                  "c2d-docker-" + System.getProperty("user.name", "user"));
    } catch (InvalidPathException e) {
      throw invalid("property c2d.docker.result-root must be a path but is '" + root + "'", e);
    }
    long maxConcurrentJobs = own.longValue("max-concurrent-jobs", 4);
    if (maxConcurrentJobs < 1 || maxConcurrentJobs > 1024) {
      throw invalid(
          "property c2d.docker.max-concurrent-jobs must be between 1 and 1024 but is "
              + maxConcurrentJobs,
          null);
    }
    Duration maxDuration = own.duration("max-duration", Duration.ofHours(1));
    try {
      DockerComputeBackend.Builder builder =
          DockerComputeBackend.builder()
              .endpoint(endpoint)
              .resultRoot(resultRoot)
              .environment(
                  DockerComputeBackend.defaultEnvironment(
                      own.string("environment", DockerComputeBackend.DEFAULT_ENVIRONMENT_ID),
                      (int) maxConcurrentJobs,
                      maxDuration))
              .pidsLimit(own.longValue("pids-limit", DockerComputeBackend.DEFAULT_PIDS_LIMIT))
              .pullMissingImages(own.booleanValue("pull-missing-images", true))
              .fetchSettings(FetchSettings.fromConfig(config));
      own.string("instance").ifPresent(builder::instance);
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw invalid("the c2d.docker properties are invalid: " + e.getMessage(), e);
    }
  }

  private static ConfigurationException invalid(
      String message, @org.jspecify.annotations.Nullable Throwable cause) {
    return new ConfigurationException(ErrorCode.CONFIGURATION_INVALID, message, cause);
  }
}
