package io.c2d.testkit;

import io.c2d.spi.ProviderConfig;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.spi.auth.ConsumerAuthenticatorProvider;

/**
 * Stands in, in this module's tests only, for c2d-keeper's {@code eip191} provider (an alias of its
 * {@code web3j} one), which the testkit cannot depend on: c2d-keeper's tests use the testkit. It
 * lets the tests that build an engine from {@code c2d.authenticator=eip191} properties, and the
 * main job that names it, run here as they do on a class path with c2d-keeper.
 */
public final class Eip191StandInProvider implements ConsumerAuthenticatorProvider {
  @Override
  public String name() {
    return "eip191";
  }

  @Override
  public ConsumerAuthenticator create(ProviderConfig config) {
    return TestAuthenticator.create();
  }
}
