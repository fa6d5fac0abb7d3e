package io.c2d.backend.local;

import static java.util.Objects.requireNonNull;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.ComputeBackendProvider;
import io.c2d.spi.backend.support.FetchSettings;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Provides the {@link EmbeddedComputeBackend} under the name {@value #NAME}, found through {@link
 * java.util.ServiceLoader}. Like every provider it is used only when configuration names it ({@code
 * c2d.backend=embedded}).
 *
 * <p>Properties, all optional:
 *
 * <ul>
 *   <li>{@code c2d.embedded.work-root}: the directory jobs live in; default {@code
 *       c2d-embedded-<user>} below {@code java.io.tmpdir}
 *   <li>{@code c2d.embedded.environment}: the id of its one environment; default {@value
 *       EmbeddedComputeBackend#DEFAULT_ENVIRONMENT_ID}
 *   <li>{@code c2d.embedded.max-concurrent-jobs}: jobs running at once; default {@value
 *       io.c2d.model.ComputeEnvironment#DEFAULT_MAX_CONCURRENT_JOBS}
 *   <li>{@code c2d.embedded.max-duration}: the longest a job may run, such as {@code 10m}; default
 *       one hour
 *   <li>{@code c2d.fetch.*}: how remote inputs are fetched, see {@link
 *       FetchSettings#fromConfig(ProviderConfig)}
 * </ul>
 *
 * <p>The backend it creates is not a sandbox: it is for development and tests only (see {@link
 * EmbeddedComputeBackend}).
 *
 * <p>Stateless and thread-safe.
 */
public final class EmbeddedBackendProvider implements ComputeBackendProvider {
  /** The name configuration selects this provider by. */
  public static final String NAME = "embedded";

  /** Called by {@link java.util.ServiceLoader}. */
  public EmbeddedBackendProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  /** Logged when selected: this provider is not for production. */
  @Override
  public Optional<String> warning() {
    return Optional.of(
        "not a sandbox: algorithms run as local processes of this JVM's user, with its files"
            + " and network; use docker or k8s in production");
  }

  /**
   * Creates the backend.
   *
   * @throws ConfigurationException if a property is malformed
   */
  @Override
  public ComputeBackend create(ProviderConfig config) {
    requireNonNull(config, "config");
    ProviderConfig own = config.scoped("c2d." + NAME + ".");
    Path workRoot;
    String root = own.string("work-root").orElse(null);
    try {
      workRoot =
          root != null
              ? Path.of(root)
              : Path.of(
                  System.getProperty("java.io.tmpdir"),
                  "c2d-embedded-" + System.getProperty("user.name", "user"));
    } catch (InvalidPathException e) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "property c2d." + NAME + ".work-root must be a path but is '" + root + "'",
          e);
    }
    String environmentId = own.string("environment", EmbeddedComputeBackend.DEFAULT_ENVIRONMENT_ID);
    long maxConcurrentJobs =
        own.longValue(
            "max-concurrent-jobs", io.c2d.model.ComputeEnvironment.DEFAULT_MAX_CONCURRENT_JOBS);
    if (maxConcurrentJobs < 1 || maxConcurrentJobs > 1024) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "property c2d."
              + NAME
              + ".max-concurrent-jobs must be between 1 and 1024 but is "
              + maxConcurrentJobs);
    }
    Duration maxDuration = own.duration("max-duration", Duration.ofHours(1));
    try {
      return EmbeddedComputeBackend.builder()
          .workRoot(workRoot)
          .environment(
              EmbeddedComputeBackend.defaultEnvironment(
                  environmentId, (int) maxConcurrentJobs, maxDuration))
          .fetchSettings(FetchSettings.fromConfig(config))
          .build();
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "the c2d." + NAME + " properties do not make an environment: " + e.getMessage(),
          e);
    }
  }
}
