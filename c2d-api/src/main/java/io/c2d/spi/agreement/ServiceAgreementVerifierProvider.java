package io.c2d.spi.agreement;

import io.c2d.spi.ProviderConfig;

/**
 * Creates a {@link ServiceAgreementVerifier}. Found with {@link java.util.ServiceLoader} and
 * selected by {@link #name()} through the property {@code c2d.verifier}; its own properties are
 * read below {@code c2d.<name>.}.
 *
 * <p>Implementations must have a public no-argument constructor, do no I/O before {@link #create},
 * and be thread-safe.
 */
public interface ServiceAgreementVerifierProvider {

  /** The name configuration selects this provider by, such as {@code "keeper"}. */
  String name();

  /**
   * Creates the verifier from the engine's whole configuration.
   *
   * @throws io.c2d.ConfigurationException if a property is missing or malformed
   */
  ServiceAgreementVerifier create(ProviderConfig config);
}
