package io.c2d.keeper.internal;

import io.c2d.keeper.Web3jAuthenticator;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.spi.auth.ConsumerAuthenticatorProvider;

/**
 * This class is internal and is not for public use. Its API is unstable and can change at any time.
 *
 * <p>Provides {@link Web3jAuthenticator} under the name {@code eip191}, an alias of {@link
 * Web3jAuthenticatorProvider}'s {@code web3j}: {@code eip191} once named a pure-Java authenticator
 * in c2d-testkit, and configurations that still say {@code c2d.authenticator=eip191} keep working.
 * Reads no configuration; stateless and thread-safe.
 */
public final class Eip191AuthenticatorProvider implements ConsumerAuthenticatorProvider {
  @Override
  public String name() {
    return "eip191";
  }

  @Override
  public ConsumerAuthenticator create(ProviderConfig config) {
    return Web3jAuthenticator.create();
  }
}
