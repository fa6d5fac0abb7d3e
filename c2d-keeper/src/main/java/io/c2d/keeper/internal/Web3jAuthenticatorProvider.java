package io.c2d.keeper.internal;

import io.c2d.keeper.Web3jAuthenticator;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.spi.auth.ConsumerAuthenticatorProvider;

/**
 * This class is internal and is not for public use. Its API is unstable and can change at any time.
 *
 * <p>Provides {@link Web3jAuthenticator} under the name {@code web3j}.
 */
public final class Web3jAuthenticatorProvider implements ConsumerAuthenticatorProvider {
  @Override
  public String name() {
    return "web3j";
  }

  @Override
  public ConsumerAuthenticator create(ProviderConfig config) {
    return Web3jAuthenticator.create();
  }
}
