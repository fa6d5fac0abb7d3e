package io.c2d.keeper.internal;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.keeper.ChainSettings;
import io.c2d.model.EthAddress;
import io.c2d.spi.ProviderConfig;
import java.time.Duration;
import java.util.function.Consumer;

/** Reads the properties the two derived-asset publishers share; messages never repeat a key. */
final class PublisherProperties {
  private PublisherProperties() {}

  static EthAddress address(ProviderConfig keeper, String key) {
    String value = keeper.requireString(key);
    try {
      return EthAddress.of(value);
    } catch (InvalidRequestException e) {
      throw invalid(key, "0x and 40 hex digits but is '" + value + "'", e);
    }
  }

  static void key(ProviderConfig keeper, Consumer<String> setter) {
    String value = keeper.requireString("publisher-key");
    try {
      setter.accept(value);
    } catch (IllegalArgumentException e) {
      throw invalid("publisher-key", "0x and 64 hex digits (a private key)", e);
    }
  }

  static void timeout(ProviderConfig keeper, Consumer<Duration> setter) {
    apply(
        keeper,
        "publish-timeout",
        "a positive duration",
        () -> setter.accept(keeper.duration("publish-timeout", Duration.ZERO)));
  }

  /**
   * Runs {@code setter}, turning a rejected value into a configuration error naming {@code key}.
   */
  static void apply(ProviderConfig keeper, String key, String expected, Runnable setter) {
    if (keeper.string(key).isEmpty()) {
      return;
    }
    try {
      setter.run();
    } catch (IllegalArgumentException e) {
      throw invalid(key, expected, e);
    }
  }

  private static ConfigurationException invalid(String key, String expected, Exception cause) {
    return new ConfigurationException(
        ErrorCode.CONFIGURATION_INVALID,
        "property " + ChainSettings.PREFIX + key + " must be " + expected,
        cause);
  }
}
