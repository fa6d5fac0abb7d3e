package io.c2d.filter;

import io.c2d.spi.ProviderConfig;
import io.c2d.spi.filter.ResultFilter;
import io.c2d.spi.filter.ResultFilterProvider;

/**
 * Provides the {@link AllowListFilter} under the name {@value AllowListFilter#NAME}. Registered in
 * {@code META-INF/services}; has no configuration of its own (its parameters come with each asset's
 * chain).
 *
 * <p>Thread-safe.
 */
public final class AllowListFilterProvider implements ResultFilterProvider {
  /** For {@link java.util.ServiceLoader}. */
  public AllowListFilterProvider() {}

  @Override
  public String name() {
    return AllowListFilter.NAME;
  }

  @Override
  public ResultFilter create(ProviderConfig config) {
    return AllowListFilter.create();
  }
}
