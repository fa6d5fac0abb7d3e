package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.model.EthAddress;
import io.c2d.spi.ProviderConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where and how the on-chain verifiers reach their EVM chain: the JSON-RPC endpoint, the chain id
 * it must serve, how many confirmations a transaction needs before it counts, how long one RPC call
 * may take, and this provider's own address.
 *
 * <p>From properties with {@link #fromConfig(ProviderConfig)}:
 *
 * <table>
 *   <caption>Properties</caption>
 *   <tr><th>property<th>meaning<th>default
 *   <tr><td>{@code c2d.keeper.rpc-url}<td>http(s) JSON-RPC endpoint<td>required
 *   <tr><td>{@code c2d.keeper.chain-id}<td>the chain the endpoint must serve<td>required
 *   <tr><td>{@code c2d.keeper.confirmations}<td>blocks a transaction needs, counting its own
 *       block as the first; 0 and 1 both accept the latest block<td>0
 *   <tr><td>{@code c2d.keeper.rpc-timeout}<td>limit of one JSON-RPC round trip<td>10s
 *   <tr><td>{@code c2d.keeper.provider-address}<td>this provider's Ethereum address (fees are paid
 *       to it)<td>none
 * </table>
 *
 * <p>Immutable and thread-safe. The builder is not thread-safe.
 */
public final class ChainSettings {
  /** The property prefix of the chain settings. */
  public static final String PREFIX = "c2d.keeper.";

  /** Default limit of one JSON-RPC round trip. */
  public static final Duration DEFAULT_RPC_TIMEOUT = Duration.ofSeconds(10);

  private final URI rpcUrl;
  private final long chainId;
  private final int confirmations;
  private final Duration rpcTimeout;
  private final @Nullable EthAddress providerAddress;

  private ChainSettings(Builder builder) {
    this.rpcUrl = requireNonNull(builder.rpcUrl, "rpcUrl");
    this.chainId = builder.chainId;
    this.confirmations = builder.confirmations;
    this.rpcTimeout = builder.rpcTimeout;
    this.providerAddress = builder.providerAddress;
  }

  /** A builder; {@link Builder#rpcUrl} and {@link Builder#chainId} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads the {@code c2d.keeper.*} properties (see the class documentation).
   *
   * @throws ConfigurationException naming the property that is missing or malformed
   */
  public static ChainSettings fromConfig(ProviderConfig config) {
    requireNonNull(config, "config");
    ProviderConfig keeper = config.scoped(PREFIX);
    Builder builder = builder();
    String url = keeper.requireString("rpc-url");
    try {
      builder.rpcUrl(new URI(url));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw invalid("rpc-url", "an http or https URL", url, e);
    }
    String chainId = keeper.requireString("chain-id");
    try {
      builder.chainId(Long.parseLong(chainId));
    } catch (IllegalArgumentException e) {
      throw invalid("chain-id", "a positive integer", chainId, e);
    }
    long confirmations = keeper.longValue("confirmations", 0);
    if (confirmations < 0 || confirmations > Integer.MAX_VALUE) {
      throw invalid("confirmations", "a non-negative integer", Long.toString(confirmations), null);
    }
    builder.confirmations((int) confirmations);
    Duration timeout = keeper.duration("rpc-timeout", DEFAULT_RPC_TIMEOUT);
    try {
      builder.rpcTimeout(timeout);
    } catch (IllegalArgumentException e) {
      throw invalid("rpc-timeout", "a positive duration", timeout.toString(), e);
    }
    Optional<String> provider = keeper.string("provider-address");
    if (provider.isPresent()) {
      try {
        builder.providerAddress(EthAddress.of(provider.get()));
      } catch (InvalidRequestException e) {
        throw invalid("provider-address", "0x and 40 hex digits", provider.get(), e);
      }
    }
    return builder.build();
  }

  private static ConfigurationException invalid(
      String key, String expected, String value, @Nullable Throwable cause) {
    return new ConfigurationException(
        ErrorCode.CONFIGURATION_INVALID,
        "property " + PREFIX + key + " must be " + expected + " but is '" + value + "'",
        cause);
  }

  /** The JSON-RPC endpoint, http or https. */
  public URI rpcUrl() {
    return rpcUrl;
  }

  /** The chain id the endpoint must serve; positive. */
  public long chainId() {
    return chainId;
  }

  /**
   * How many blocks a transaction needs before it counts, its own block being the first; 0 and 1
   * both accept a transaction in the latest block.
   */
  public int confirmations() {
    return confirmations;
  }

  /** The limit of one JSON-RPC round trip (a batch is one round trip). */
  public Duration rpcTimeout() {
    return rpcTimeout;
  }

  /** This provider's Ethereum address, if configured. */
  public Optional<EthAddress> providerAddress() {
    return Optional.ofNullable(providerAddress);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ChainSettings that)) {
      return false;
    }
    return rpcUrl.equals(that.rpcUrl)
        && chainId == that.chainId
        && confirmations == that.confirmations
        && rpcTimeout.equals(that.rpcTimeout)
        && Objects.equals(providerAddress, that.providerAddress);
  }

  @Override
  public int hashCode() {
    return Objects.hash(rpcUrl, chainId, confirmations, rpcTimeout, providerAddress);
  }

  @Override
  public String toString() {
    // the URL may carry an API key in its path or query: show the host only
    return "ChainSettings{rpc="
        + rpcUrl.getScheme()
        + "://"
        + rpcUrl.getHost()
        + (rpcUrl.getPort() < 0 ? "" : ":" + rpcUrl.getPort())
        + ", chainId="
        + chainId
        + ", confirmations="
        + confirmations
        + ", rpcTimeout="
        + rpcTimeout
        + (providerAddress == null ? "" : ", provider=" + providerAddress)
        + "}";
  }

  /** Builds {@link ChainSettings}. Not thread-safe. */
  public static final class Builder {
    private @Nullable URI rpcUrl;
    private long chainId;
    private int confirmations;
    private Duration rpcTimeout = DEFAULT_RPC_TIMEOUT;
    private @Nullable EthAddress providerAddress;

    private Builder() {}

    /**
     * The JSON-RPC endpoint.
     *
     * @throws IllegalArgumentException if it is not an absolute http or https URL with a host
     */
    public Builder rpcUrl(URI rpcUrl) {
      requireNonNull(rpcUrl, "rpcUrl");
      String scheme = rpcUrl.getScheme();
      if (scheme == null
          || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || rpcUrl.getHost() == null) {
        throw new IllegalArgumentException(
            "rpcUrl must be an http or https URL with a host but is " + rpcUrl.getScheme() + ":…");
      }
      this.rpcUrl = rpcUrl;
      return this;
    }

    /**
     * The chain id the endpoint must serve.
     *
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder chainId(long chainId) {
      if (chainId <= 0) {
        throw new IllegalArgumentException("chainId must be positive but is " + chainId);
      }
      this.chainId = chainId;
      return this;
    }

    /**
     * Blocks a transaction needs, counting its own; default 0.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder confirmations(int confirmations) {
      if (confirmations < 0) {
        throw new IllegalArgumentException(
            "confirmations must not be negative but is " + confirmations);
      }
      this.confirmations = confirmations;
      return this;
    }

    /**
     * The limit of one JSON-RPC round trip; default 10 seconds.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder rpcTimeout(Duration rpcTimeout) {
      requireNonNull(rpcTimeout, "rpcTimeout");
      if (rpcTimeout.isZero() || rpcTimeout.isNegative()) {
        throw new IllegalArgumentException("rpcTimeout must be positive but is " + rpcTimeout);
      }
      this.rpcTimeout = rpcTimeout;
      return this;
    }

    /** This provider's Ethereum address. */
    public Builder providerAddress(EthAddress providerAddress) {
      this.providerAddress = requireNonNull(providerAddress, "providerAddress");
      return this;
    }

    /**
     * Builds the settings.
     *
     * @throws IllegalStateException if the RPC URL or the chain id is missing
     */
    public ChainSettings build() {
      if (rpcUrl == null) {
        throw new IllegalStateException("rpcUrl is required");
      }
      if (chainId == 0) {
        throw new IllegalStateException("chainId is required");
      }
      return new ChainSettings(this);
    }
  }
}
