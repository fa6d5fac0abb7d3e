package io.c2d;

import io.c2d.model.EthAddress;
import io.c2d.model.ResultPolicy;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.ServiceAgreementVerifierProvider;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.spi.auth.ConsumerAuthenticatorProvider;
import io.c2d.spi.auth.NonceStore;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.ComputeBackendProvider;
import io.c2d.spi.publish.DerivedAssetPublisher;
import io.c2d.spi.publish.DerivedAssetPublisherProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link ComputeEngine.Builder#build()} settled from code and {@code c2d.*} properties (code
 * wins): the providers chosen by name, and every limit with its default. The providers it created
 * are {@link #owned}: the engine closes them, and so does a build that fails.
 */
final class EngineSettings {
  private static final Logger logger = LoggerFactory.getLogger(EngineSettings.class);

  /** The warning about nonces in memory is logged once per process: tests build many engines. */
  private static final AtomicBoolean warnedInMemoryNonces = new AtomicBoolean();

  final List<ComputeBackend> backends;
  final List<AutoCloseable> owned;
  final ServiceAgreementVerifier verifier;
  final ConsumerAuthenticator authenticator;
  final @Nullable DerivedAssetPublisher publisher;
  final NonceStore nonceStore;
  final long chainId;
  final EthAddress providerAddress;
  final Duration maxSignatureLifetime;
  final Duration verifierTimeout;
  final Duration verdictCacheTtl;
  final FilterRegistry filters;
  final ResultPolicy resultPolicy;
  final Duration reviewTimeout;
  final AuditJournal auditJournal;
  final Path replacements;
  final QueuedJobStore queuedJobs;

  private EngineSettings(
      ComputeEngine.Builder b, ProviderConfig config, List<AutoCloseable> owned) {
    this.owned = owned;
    List<ComputeBackend> allBackends = new ArrayList<>(b.backends);
    if (allBackends.isEmpty()) {
      String names =
          config
              .string("c2d.backend")
              .orElseThrow(() -> missing("a backend", "c2d.backend", "backend(ComputeBackend)"));
      Providers<ComputeBackendProvider> providers =
          Providers.load(
              ComputeBackendProvider.class,
              "c2d.backend",
              ComputeBackendProvider::name,
              b.classLoader);
      for (String name : List.of(names.split(",", -1))) {
        ComputeBackend backend = providers.select(name.trim()).create(config);
        owned.add(backend);
        allBackends.add(backend);
      }
    }
    this.backends = List.copyOf(allBackends);
    this.verifier = b.verifier != null ? b.verifier : verifierFrom(config, b.classLoader, owned);
    this.authenticator =
        b.authenticator != null ? b.authenticator : authenticatorFrom(config, b.classLoader);
    this.providerAddress =
        b.providerAddress != null ? b.providerAddress : providerAddressFrom(config);
    DerivedAssetPublisher chosenPublisher = b.publisher;
    if (chosenPublisher == null && config.string("c2d.publisher").isPresent()) {
      chosenPublisher =
          Providers.load(
                  DerivedAssetPublisherProvider.class,
                  "c2d.publisher",
                  DerivedAssetPublisherProvider::name,
                  b.classLoader)
              .select(config.requireString("c2d.publisher"))
              .create(config);
      owned.add(chosenPublisher);
    }
    this.publisher = chosenPublisher;
    long chain = b.chainId != null ? b.chainId : config.longValue("c2d.chain-id", -1);
    if (chain <= 0) {
      throw missing("the chain id", "c2d.chain-id", "chainId(long)");
    }
    this.chainId = chain;
    this.maxSignatureLifetime =
        b.maxSignatureLifetime != null
            ? b.maxSignatureLifetime
            : config.duration("c2d.signature.max-lifetime", Duration.ofHours(1));
    this.verifierTimeout =
        b.verifierTimeout != null
            ? b.verifierTimeout
            : config.duration("c2d.verifier.timeout", Duration.ofSeconds(30));
    this.verdictCacheTtl =
        b.verdictCacheTtl != null
            ? b.verdictCacheTtl
            : config.duration("c2d.verifier.cache-ttl", Duration.ofMinutes(5));
    this.nonceStore = b.nonceStore != null ? b.nonceStore : nonceStoreFrom(b, config, owned);
    this.filters = new FilterRegistry(b.resultFilters, config, b.classLoader);
    owned.add(filters);
    this.resultPolicy = b.resultPolicy != null ? b.resultPolicy : resultPolicyFrom(config);
    filters.require(resultPolicy.filters().stream().map(ResultPolicy.Filter::name).toList());
    this.reviewTimeout =
        b.reviewTimeout != null
            ? b.reviewTimeout
            : config.duration("c2d.review.timeout", Duration.ofHours(24));
    if (reviewTimeout.isNegative() || reviewTimeout.isZero()) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "property c2d.review.timeout must be positive but is " + reviewTimeout);
    }
    Path stateDirectory = stateDirectoryOf(b, config);
    if (stateDirectory != null) {
      this.auditJournal = AuditJournal.open(stateDirectory.resolve("audit"), b.clock);
      this.replacements = stateDirectory.resolve("filters");
      this.queuedJobs = QueuedJobStore.open(stateDirectory.resolve("queue"));
    } else {
      this.queuedJobs = QueuedJobStore.inMemory();
      this.auditJournal = AuditJournal.inMemory(b.clock);
      this.replacements =
          Path.of(
              System.getProperty("java.io.tmpdir"), "c2d-filters-" + java.util.UUID.randomUUID());
    }
    owned.add(auditJournal);
  }

  private static @Nullable Path stateDirectoryOf(ComputeEngine.Builder b, ProviderConfig config) {
    return b.stateDirectory != null
        ? b.stateDirectory
        : config.string("c2d.state-dir").map(Path::of).orElse(null);
  }

  /**
   * The publisher's own chain: {@code c2d.filters} names the filters for every asset, in order;
   * each gets the properties below {@code c2d.filter.<name>.} as its parameters; {@code
   * c2d.filters.review=true} holds every job for the publisher's review.
   */
  private static ResultPolicy resultPolicyFrom(ProviderConfig config) {
    List<ResultPolicy.Filter> chain = new ArrayList<>();
    for (String name : config.string("c2d.filters", "").split(",", -1)) {
      String trimmed = name.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      try {
        chain.add(
            new ResultPolicy.Filter(trimmed, config.scoped("c2d.filter." + trimmed + ".").asMap()));
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException(
            ErrorCode.CONFIGURATION_INVALID, "property c2d.filters: " + e.getMessage(), e);
      }
    }
    try {
      return ResultPolicy.of(chain, config.booleanValue("c2d.filters.review", false));
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID, "property c2d.filters: " + e.getMessage(), e);
    }
  }

  /** The file store below the state directory if there is one; else in memory (lost on restart). */
  private static NonceStore nonceStoreFrom(
      ComputeEngine.Builder b, ProviderConfig config, List<AutoCloseable> owned) {
    Path stateDirectory = b.stateDirectory;
    if (stateDirectory == null) {
      stateDirectory = config.string("c2d.state-dir").map(Path::of).orElse(null);
    }
    if (stateDirectory == null) {
      if (warnedInMemoryNonces.compareAndSet(false, true)) {
        logger.warn(
            "no state directory (c2d.state-dir): nonces are kept in memory, and a restart re-opens"
                + " replays, of every Ocean-format signature in particular");
      }
      return new InMemoryNonceStore(b.clock);
    }
    FileNonceStore store = FileNonceStore.open(stateDirectory.resolve("nonces"), b.clock);
    owned.add(store);
    return store;
  }

  /**
   * Settles the builder's choices; on failure closes whatever providers it created already.
   *
   * @throws ConfigurationException if something required is neither set nor configured, or a
   *     provider name is unknown or ambiguous
   */
  static EngineSettings resolve(ComputeEngine.Builder builder) {
    List<AutoCloseable> owned = new ArrayList<>();
    try {
      return new EngineSettings(builder, ProviderConfig.of(builder.properties), owned);
    } catch (RuntimeException e) {
      closeAll(owned, e);
      throw e;
    }
  }

  /** Closes {@code resources}, logging what they throw. */
  static void closeLogging(List<AutoCloseable> resources) {
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (Exception e) {
        logger.warn("closing {} failed", resource, e);
      }
    }
  }

  /** Closes {@code resources}, adding what they throw to {@code failure}. */
  static void closeAll(List<AutoCloseable> resources, RuntimeException failure) {
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (Exception suppressed) {
        failure.addSuppressed(suppressed);
      }
    }
  }

  private static ServiceAgreementVerifier verifierFrom(
      ProviderConfig config, ClassLoader classLoader, List<AutoCloseable> owned) {
    String name =
        config
            .string("c2d.verifier")
            .orElseThrow(
                () ->
                    missing(
                        "a service agreement verifier",
                        "c2d.verifier",
                        "verifier(ServiceAgreementVerifier)"));
    ServiceAgreementVerifier verifier =
        Providers.load(
                ServiceAgreementVerifierProvider.class,
                "c2d.verifier",
                ServiceAgreementVerifierProvider::name,
                classLoader)
            .select(name)
            .create(config);
    owned.add(verifier);
    return verifier;
  }

  private static ConsumerAuthenticator authenticatorFrom(
      ProviderConfig config, ClassLoader classLoader) {
    String name =
        config
            .string("c2d.authenticator")
            .orElseThrow(
                () ->
                    missing(
                        "a consumer authenticator",
                        "c2d.authenticator",
                        "authenticator(ConsumerAuthenticator)"));
    return Providers.load(
            ConsumerAuthenticatorProvider.class,
            "c2d.authenticator",
            ConsumerAuthenticatorProvider::name,
            classLoader)
        .select(name)
        .create(config);
  }

  private static EthAddress providerAddressFrom(ProviderConfig config) {
    String text =
        config
            .string("c2d.provider-address")
            .orElseThrow(
                () ->
                    missing(
                        "the provider address",
                        "c2d.provider-address",
                        "providerAddress(EthAddress)"));
    try {
      return EthAddress.of(text);
    } catch (InvalidRequestException e) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "property c2d.provider-address is not an address: " + text,
          e);
    }
  }

  private static ConfigurationException missing(String what, String property, String method) {
    return new ConfigurationException(
        ErrorCode.CONFIGURATION_INVALID,
        "no " + what + " is configured: set the property " + property + " or call " + method);
  }
}
