package io.c2d.testkit.crypto;

import static java.util.Objects.requireNonNull;

import io.c2d.spi.ProviderConfig;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.spi.auth.ConsumerAuthenticatorProvider;

/**
 * Provides the {@link Eip191Authenticator} under the name {@value #NAME}, found through {@link
 * java.util.ServiceLoader}. It reads no configuration.
 *
 * <p>The authenticator is pure Java and not constant-time: it is for tests and development.
 * Production deployments use c2d-keeper's web3j implementation.
 *
 * <p>Stateless and thread-safe. {@link #create} never fails, but its argument must not be null.
 */
public final class Eip191AuthenticatorProvider implements ConsumerAuthenticatorProvider {
  /** The name configuration selects this provider by. */
  public static final String NAME = "eip191";

  /** Called by {@link java.util.ServiceLoader}. */
  public Eip191AuthenticatorProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ConsumerAuthenticator create(ProviderConfig config) {
    requireNonNull(config, "config");
    return Eip191Authenticator.create();
  }
}
