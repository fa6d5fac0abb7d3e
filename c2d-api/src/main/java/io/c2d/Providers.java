package io.c2d;

import io.c2d.spi.agreement.ServiceAgreementVerifierProvider;
import io.c2d.spi.auth.ConsumerAuthenticatorProvider;
import io.c2d.spi.backend.ComputeBackendProvider;
import io.c2d.spi.publish.DerivedAssetPublisherProvider;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the providers of one SPI with {@link ServiceLoader} and selects one by name. Two providers
 * with one name is an error; an unknown name is an error listing the names there are; a jar whose
 * provider cannot be loaded is reported and skipped, so it cannot hide the others. Selecting a
 * provider that is for development or tests only (its {@code warning()} is not empty) logs one WARN
 * saying what it is not.
 */
final class Providers<P> {
  private static final Logger logger = LoggerFactory.getLogger(Providers.class);

  private final String spiName;
  private final String property;
  private final Map<String, P> byName;
  private final Consumer<String> warnings;

  private Providers(
      String spiName, String property, Map<String, P> byName, Consumer<String> warnings) {
    this.spiName = spiName;
    this.property = property;
    this.byName = byName;
    this.warnings = warnings;
  }

  static <P> Providers<P> load(
      Class<P> type, String property, Function<P, String> nameOf, ClassLoader classLoader) {
    return load(type, property, nameOf, classLoader, logger::warn);
  }

  /**
   * As {@link #load(Class, String, Function, ClassLoader)}, with test-only warnings to {@code
   * warnings}.
   */
  static <P> Providers<P> load(
      Class<P> type,
      String property,
      Function<P, String> nameOf,
      ClassLoader classLoader,
      Consumer<String> warnings) {
    Map<String, P> byName = new TreeMap<>();
    List<String> conflicts = new ArrayList<>();
    Iterator<P> it = ServiceLoader.load(type, classLoader).iterator();
    while (true) {
      P provider;
      try {
        if (!it.hasNext()) {
          break;
        }
        provider = it.next();
      } catch (ServiceConfigurationError e) {
        logger.warn("skipping a {} that cannot be loaded", type.getSimpleName(), e);
        continue;
      }
      String name = nameOf.apply(provider);
      P previous = byName.putIfAbsent(name, provider);
      if (previous != null) {
        conflicts.add(
            name
                + " ("
                + previous.getClass().getName()
                + " and "
                + provider.getClass().getName()
                + ")");
      }
    }
    if (!conflicts.isEmpty()) {
      throw new ConfigurationException(
          ErrorCode.PROVIDER_CONFLICT,
          "two "
              + type.getSimpleName()
              + "s share a name: "
              + String.join(", ", conflicts)
              + "; remove one of the jars from the class path");
    }
    return new Providers<>(type.getSimpleName(), property, byName, warnings);
  }

  P select(String name) {
    P provider = byName.get(name);
    if (provider == null) {
      throw new ConfigurationException(
          ErrorCode.PROVIDER_NOT_FOUND,
          "no "
              + spiName
              + " is named '"
              + name
              + "' ("
              + property
              + "); available: "
              + (byName.isEmpty() ? "none" : String.join(", ", byName.keySet()))
              + ". Add the jar that provides it to the class path.");
    }
    warningOf(provider)
        .ifPresent(
            warning ->
                warnings.accept(
                    property
                        + "="
                        + name
                        + " is a "
                        + spiName
                        + " for development and tests only ("
                        + warning
                        + ")"));
    return provider;
  }

  /** The provider's {@code warning()}: each SPI declares its own, so ask the one it implements. */
  private static Optional<String> warningOf(Object provider) {
    if (provider instanceof ComputeBackendProvider backend) {
      return backend.warning();
    }
    if (provider instanceof ServiceAgreementVerifierProvider verifier) {
      return verifier.warning();
    }
    if (provider instanceof ConsumerAuthenticatorProvider authenticator) {
      return authenticator.warning();
    }
    if (provider instanceof DerivedAssetPublisherProvider publisher) {
      return publisher.warning();
    }
    if (provider instanceof io.c2d.spi.filter.ResultFilterProvider filter) {
      return filter.warning();
    }
    return Optional.empty();
  }
}
