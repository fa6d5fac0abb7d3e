package io.c2d.keeper.internal;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.keeper.AgreementVerifier;
import io.c2d.keeper.ChainSettings;
import io.c2d.model.EthAddress;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.ServiceAgreementVerifierProvider;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * This class is internal and is not for public use. Its API is unstable and can change at any time.
 *
 * <p>Provides {@link AgreementVerifier} under the name {@code keeper}. Besides the chain settings
 * of {@link ChainSettings#fromConfig}, it reads the Keeper's contract addresses, all required:
 * {@code c2d.keeper.agreement-store}, {@code c2d.keeper.condition-store}, {@code
 * c2d.keeper.template-store}, {@code c2d.keeper.did-registry}, {@code
 * c2d.keeper.lock-reward-condition} and {@code c2d.keeper.compute-execution-condition}; and the
 * fulfilling mode: {@code c2d.keeper.fulfil-compute-execution} ({@code true} or {@code false},
 * default false), which needs {@code c2d.keeper.provider-key} (the provider's private key, 0x and
 * 64 hex digits; keep it out of files others can read) and takes {@code c2d.keeper.fulfil-timeout}
 * (default 2m). Without the fulfilling mode {@code c2d.keeper.provider-address} is required.
 *
 * <p>Stateless and thread-safe.
 */
public final class AgreementVerifierProvider implements ServiceAgreementVerifierProvider {
  private static final String PREFIX = ChainSettings.PREFIX;

  /** For ServiceLoader. */
  public AgreementVerifierProvider() {}

  @Override
  public String name() {
    return "keeper";
  }

  @Override
  public ServiceAgreementVerifier create(ProviderConfig config) {
    ChainSettings chain = ChainSettings.fromConfig(config);
    ProviderConfig keeper = config.scoped(PREFIX);
    AgreementVerifier.Builder builder = AgreementVerifier.builder(chain);
    address(keeper, "agreement-store", builder::agreementStore);
    address(keeper, "condition-store", builder::conditionStore);
    address(keeper, "template-store", builder::templateStore);
    address(keeper, "did-registry", builder::didRegistry);
    address(keeper, "lock-reward-condition", builder::lockRewardCondition);
    address(keeper, "compute-execution-condition", builder::computeExecutionCondition);
    if (keeper.booleanValue("fulfil-compute-execution", false)) {
      String key = keeper.requireString("provider-key");
      try {
        builder.fulfilComputeExecution(key);
      } catch (IllegalArgumentException e) {
        // the message never repeats the key
        throw invalid("provider-key", "0x and 64 hex digits (a private key)", e);
      }
      Duration timeout =
          keeper.duration("fulfil-timeout", AgreementVerifier.Builder.DEFAULT_FULFIL_TIMEOUT);
      try {
        builder.fulfilTimeout(timeout);
      } catch (IllegalArgumentException e) {
        throw invalid("fulfil-timeout", "a positive duration", e);
      }
    } else if (chain.providerAddress().isEmpty()) {
      keeper.requireString("provider-address");
    }
    try {
      return builder.build();
    } catch (IllegalStateException e) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "the keeper verifier's properties do not fit together: " + e.getMessage(),
          e);
    }
  }

  private static void address(ProviderConfig keeper, String key, Consumer<EthAddress> setter) {
    String value = keeper.requireString(key);
    try {
      setter.accept(EthAddress.of(value));
    } catch (InvalidRequestException e) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "property " + PREFIX + key + " must be 0x and 40 hex digits but is '" + value + "'",
          e);
    }
  }

  private static ConfigurationException invalid(String key, String expected, Exception cause) {
    return new ConfigurationException(
        ErrorCode.CONFIGURATION_INVALID,
        "property " + PREFIX + key + " must be " + expected,
        cause);
  }
}
