package io.c2d.spi.backend;

import io.c2d.spi.ProviderConfig;
import java.util.Optional;

/**
 * Creates a {@link ComputeBackend}. Found with {@link java.util.ServiceLoader} and selected by
 * {@link #name()} through the property {@code c2d.backend}; its own properties are read below
 * {@code c2d.<name>.}.
 *
 * <p>Implementations must have a public no-argument constructor, be cheap to instantiate (no I/O
 * before {@link #create}) and be thread-safe.
 */
public interface ComputeBackendProvider {

  /** The name configuration selects this provider by, such as {@code "docker"}. */
  String name();

  /**
   * Creates the backend from the engine's whole configuration.
   *
   * @throws io.c2d.ConfigurationException if a property is missing or malformed
   */
  ComputeBackend create(ProviderConfig config);

  /**
   * What this provider is not, when it is for development or tests only (such as "not a sandbox"):
   * the engine logs it once, as a WARN, each time configuration selects this provider by name.
   * Empty, the default, for a provider fit for production.
   */
  default Optional<String> warning() {
    return Optional.empty();
  }
}
