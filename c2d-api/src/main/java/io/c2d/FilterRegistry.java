package io.c2d;

import io.c2d.spi.ProviderConfig;
import io.c2d.spi.filter.ResultFilter;
import io.c2d.spi.filter.ResultFilterProvider;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The result filters by name: those the application handed to the builder, then those created once
 * from {@link ResultFilterProvider}s found with {@link java.util.ServiceLoader} (loaded on first
 * use). Closes the filters it created. Thread-safe.
 */
final class FilterRegistry implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(FilterRegistry.class);

  private final Object lock = new Object();
  private final Map<String, ResultFilter> given;
  private final ProviderConfig config;
  private final ClassLoader classLoader;
  // Guarded by lock.
  private final Map<String, ResultFilter> created = new HashMap<>();
  private @Nullable Providers<ResultFilterProvider> providers;

  FilterRegistry(Map<String, ResultFilter> given, ProviderConfig config, ClassLoader classLoader) {
    this.given = Map.copyOf(given);
    this.config = config;
    this.classLoader = classLoader;
  }

  /**
   * The filter named {@code name}.
   *
   * @throws ConfigurationException if no filter or provider has that name, two providers share it,
   *     or the provider cannot create it
   */
  ResultFilter get(String name) {
    ResultFilter filter = given.get(name);
    if (filter != null) {
      return filter;
    }
    synchronized (lock) {
      filter = created.get(name);
      if (filter == null) {
        if (providers == null) {
          providers =
              Providers.load(
                  ResultFilterProvider.class,
                  "c2d.filters",
                  ResultFilterProvider::name,
                  classLoader);
        }
        filter = providers.select(name).create(config);
        created.put(name, filter);
      }
      return filter;
    }
  }

  /** Checks that every name resolves now, so a misconfigured publisher fails at build. */
  void require(List<String> names) {
    names.forEach(this::get);
  }

  @Override
  public void close() {
    synchronized (lock) {
      for (ResultFilter filter : created.values()) {
        try {
          filter.close();
        } catch (RuntimeException e) {
          logger.warn("closing result filter {} failed", filter, e);
        }
      }
      created.clear();
    }
  }
}
