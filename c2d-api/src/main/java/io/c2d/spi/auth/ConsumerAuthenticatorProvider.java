package io.c2d.spi.auth;

import io.c2d.spi.ProviderConfig;
import java.util.Optional;

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

  /**
   * What this provider is not, when it is for development or tests only (such as "trusts any
   * signature"): the engine logs it once, as a WARN, each time configuration selects this provider
   * by name. Empty, the default, for a provider fit for production.
   */
  default Optional<String> warning() {
    return Optional.empty();
  }
}
