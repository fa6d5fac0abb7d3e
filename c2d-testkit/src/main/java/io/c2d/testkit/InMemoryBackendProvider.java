package io.c2d.testkit;

import static java.util.Objects.requireNonNull;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.Resources;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.ComputeBackendProvider;
import java.util.Optional;

/**
 * Provides an {@link InMemoryComputeBackend} in {@link InMemoryComputeBackend#autoComplete()} mode
 * under the name {@value #NAME}, found through {@link java.util.ServiceLoader}: every job completes
 * at once without running anything. It offers one environment, {@value #ENVIRONMENT_ID}, of {@code
 * c2d.in-memory.max-concurrent-jobs} (default {@value #DEFAULT_MAX_CONCURRENT_JOBS}) nominal
 * one-CPU jobs. For benchmarks and wiring tests; it runs no algorithm at all.
 *
 * <p>Stateless and thread-safe.
 */
public final class InMemoryBackendProvider implements ComputeBackendProvider {
  /** The name configuration selects this provider by. */
  public static final String NAME = "in-memory";

  /** The id of the one environment the backend offers. */
  public static final String ENVIRONMENT_ID = "in-memory";

  /** Default {@code c2d.in-memory.max-concurrent-jobs}: {@value}. */
  public static final int DEFAULT_MAX_CONCURRENT_JOBS = 64;

  /** Called by {@link java.util.ServiceLoader}. */
  public InMemoryBackendProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  /** Logged when selected: this provider is not for production. */
  @Override
  public Optional<String> warning() {
    return Optional.of("runs nothing: every job completes at once without its algorithm");
  }

  /**
   * Creates the backend.
   *
   * @throws ConfigurationException if {@code c2d.in-memory.max-concurrent-jobs} is malformed
   */
  @Override
  public ComputeBackend create(ProviderConfig config) {
    requireNonNull(config, "config");
    String key = "max-concurrent-jobs";
    long slots = config.scoped("c2d." + NAME + ".").longValue(key, DEFAULT_MAX_CONCURRENT_JOBS);
    if (slots < 1 || slots > 1024) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "property c2d." + NAME + "." + key + " must be between 1 and 1024 but is " + slots);
    }
    ComputeEnvironment environment =
        ComputeEnvironment.builder(ENVIRONMENT_ID)
            .description("jobs complete at once in memory; nothing runs")
            .capacity(Resources.of((double) slots, slots * 1024, slots * 1024, 0))
            .maxPerJob(Resources.of(1, 1024, 1024, 0))
            .maxConcurrentJobs((int) slots)
            .build();
    return InMemoryComputeBackend.create(environment).autoComplete();
  }
}
