package io.c2d.spi.filter;

import io.c2d.spi.ProviderConfig;
import java.util.Optional;

/**
 * Creates a {@link ResultFilter}. Found with {@link java.util.ServiceLoader} and selected by {@link
 * #name()} wherever a filter chain is named: the publisher's configuration ({@code
 * c2d.filters.default}, {@code c2d.filters.asset.<did>}) or the asset's compute policy in its DDO.
 * Its own properties are read below {@code c2d.filter.<name>.}; the per-asset parameters come with
 * each job in {@link FilterSubject#parameters()}.
 *
 * <p>Implementations must have a public no-argument constructor, do no I/O before {@link #create},
 * and be thread-safe.
 */
public interface ResultFilterProvider {

  /** The name a chain selects this filter by, such as {@code "allow-list"}. */
  String name();

  /**
   * Creates the filter from the engine's whole configuration. The engine creates each named filter
   * once and uses it for every job.
   *
   * @throws io.c2d.ConfigurationException if a property is missing or malformed
   */
  ResultFilter create(ProviderConfig config);

  /**
   * What this filter is not, when it is for development or tests only: the engine logs it once, as
   * a WARN, when configuration selects it. Empty, the default, for a filter fit for production.
   */
  default Optional<String> warning() {
    return Optional.empty();
  }
}
