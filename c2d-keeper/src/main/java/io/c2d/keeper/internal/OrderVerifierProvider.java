package io.c2d.keeper.internal;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.keeper.ChainSettings;
import io.c2d.keeper.OrderVerifier;
import io.c2d.keeper.ServiceDirectory;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.ServiceAgreementVerifierProvider;

/**
 * This class is internal and is not for public use. Its API is unstable and can change at any time.
 *
 * <p>Provides {@link OrderVerifier} under the name {@code ocean-orders}: the chain from {@code
 * c2d.keeper.*} (see {@link ChainSettings}, {@code c2d.keeper.provider-address} required), the
 * services from {@code c2d.ocean-orders.services.<name>.*} (see {@link
 * ServiceDirectory#fromConfig}).
 */
public final class OrderVerifierProvider implements ServiceAgreementVerifierProvider {
  /** The name configuration selects this provider by. */
  public static final String NAME = "ocean-orders";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ServiceAgreementVerifier create(ProviderConfig config) {
    ChainSettings settings = ChainSettings.fromConfig(config);
    if (settings.providerAddress().isEmpty()) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "property "
              + ChainSettings.PREFIX
              + "provider-address is required by the "
              + NAME
              + " verifier (provider fees are paid to it) but not set");
    }
    ServiceDirectory services = ServiceDirectory.fromConfig(config, "c2d." + NAME + ".");
    return OrderVerifier.create(settings, services);
  }
}
