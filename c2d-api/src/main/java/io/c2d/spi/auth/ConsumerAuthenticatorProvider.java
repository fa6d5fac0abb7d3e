package io.c2d.spi.auth;

import io.c2d.spi.ProviderConfig;

/**
 * Creates a {@link ConsumerAuthenticator}; found with {@link java.util.ServiceLoader} and selected
 * by {@link #name()} through the property {@code c2d.authenticator}.
 *
 * <p>Implementations must have a public no-argument constructor and be thread-safe.
 */
public interface ConsumerAuthenticatorProvider {

  /** The name configuration selects this provider by, such as {@code "eip191"}. */
  String name();

  /**
   * Creates the authenticator.
   *
   * @throws io.c2d.ConfigurationException if {@code config} lacks something it needs
   */
  ConsumerAuthenticator create(ProviderConfig config);
}
