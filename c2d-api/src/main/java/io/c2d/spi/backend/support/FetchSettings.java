package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.spi.ProviderConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * How the provider fetches a job's remote inputs ({@link InputFetcher}): the IPFS and Arweave
 * gateways, time limits, the size limit, retries and which redirects and schemes are allowed.
 *
 * <p>The defaults suit a provider that fetches public URLs: no gateways (IPFS and Arweave inputs
 * fail until one is set), 10 s to connect, 60 s without a byte, 1 hour in all, at most 64 GiB per
 * file, 3 retries from 1 s doubling, redirects only within the same host and port, schemes {@code
 * https}, {@code http} and {@code data}.
 *
 * <p>Backends read them from properties with {@link #fromConfig(ProviderConfig)}: {@code
 * c2d.fetch.ipfs-gateway}, {@code c2d.fetch.arweave-gateway} (URIs), {@code
 * c2d.fetch.connect-timeout}, {@code c2d.fetch.read-timeout}, {@code c2d.fetch.total-timeout}
 * (durations such as {@code 30s}), {@code c2d.fetch.max-bytes}, {@code c2d.fetch.retries}, {@code
 * c2d.fetch.retry-backoff}, {@code c2d.fetch.cross-host-redirects} ({@code true}/{@code false}) and
 * {@code c2d.fetch.schemes} (comma-separated).
 *
 * <p>Immutable and thread-safe.
 */
public final class FetchSettings {
  /** The default size limit of one fetched file, 64 GiB. */
  public static final long DEFAULT_MAX_BYTES = 64L << 30;

  /** The default number of retries after a transient failure. */
  public static final int DEFAULT_RETRIES = 3;

  private static final FetchSettings DEFAULTS = builder().build();

  private final @Nullable URI ipfsGateway;
  private final @Nullable URI arweaveGateway;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Duration totalTimeout;
  private final long maxBytes;
  private final int retries;
  private final Duration retryBackoff;
  private final boolean crossHostRedirects;
  private final Set<String> schemes;

  private FetchSettings(Builder b) {
    this.ipfsGateway = b.ipfsGateway;
    this.arweaveGateway = b.arweaveGateway;
    this.connectTimeout = b.connectTimeout;
    this.readTimeout = b.readTimeout;
    this.totalTimeout = b.totalTimeout;
    this.maxBytes = b.maxBytes;
    this.retries = b.retries;
    this.retryBackoff = b.retryBackoff;
    this.crossHostRedirects = b.crossHostRedirects;
    this.schemes = Set.copyOf(b.schemes);
  }

  /** The default settings (see the class documentation). */
  public static FetchSettings defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Settings from the {@code c2d.fetch.*} properties of {@code config} (see the class
   * documentation); a property that is not set keeps its default.
   *
   * @throws ConfigurationException if a property is malformed
   */
  public static FetchSettings fromConfig(ProviderConfig config) {
    ProviderConfig own = requireNonNull(config, "config").scoped("c2d.fetch.");
    Builder builder = builder();
    try {
      own.string("ipfs-gateway").ifPresent(uri -> builder.ipfsGateway(URI.create(uri)));
      own.string("arweave-gateway").ifPresent(uri -> builder.arweaveGateway(URI.create(uri)));
      builder.connectTimeout(own.duration("connect-timeout", builder.connectTimeout));
      builder.readTimeout(own.duration("read-timeout", builder.readTimeout));
      builder.totalTimeout(own.duration("total-timeout", builder.totalTimeout));
      builder.maxBytes(own.longValue("max-bytes", builder.maxBytes));
      long retries = own.longValue("retries", builder.retries);
      if (retries > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("retries is too large: " + retries);
      }
      builder.retries((int) retries);
      builder.retryBackoff(own.duration("retry-backoff", builder.retryBackoff));
      builder.crossHostRedirects(
          own.booleanValue("cross-host-redirects", builder.crossHostRedirects));
      Optional<String> schemes = own.string("schemes");
      if (schemes.isPresent()) {
        builder.schemes(Set.of(schemes.get().replace(" ", "").split(",")));
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "the c2d.fetch properties are malformed: " + e.getMessage(),
          e);
    }
    return builder.build();
  }

  /** The IPFS gateway; a cid is fetched from {@code <gateway>/ipfs/<cid>}. */
  public Optional<URI> ipfsGateway() {
    return Optional.ofNullable(ipfsGateway);
  }

  /** The Arweave gateway; a transaction is fetched from {@code <gateway>/<transactionId>}. */
  public Optional<URI> arweaveGateway() {
    return Optional.ofNullable(arweaveGateway);
  }

  /** The longest wait for a connection. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** The longest wait for the response's headers, and then for each next part of the body. */
  public Duration readTimeout() {
    return readTimeout;
  }

  /** The longest one file's fetch may take, retries included. */
  public Duration totalTimeout() {
    return totalTimeout;
  }

  /** The largest file fetched, in bytes. */
  public long maxBytes() {
    return maxBytes;
  }

  /** How many times a transient failure is retried. */
  public int retries() {
    return retries;
  }

  /** The wait before the first retry; it doubles for each next one. */
  public Duration retryBackoff() {
    return retryBackoff;
  }

  /** Whether a redirect to another host or port is followed. */
  public boolean crossHostRedirects() {
    return crossHostRedirects;
  }

  /** The URL schemes fetched, in lower case. Unmodifiable. */
  public Set<String> schemes() {
    return schemes;
  }

  @Override
  public String toString() {
    return "FetchSettings{ipfsGateway="
        + ipfsGateway
        + ", arweaveGateway="
        + arweaveGateway
        + ", connectTimeout="
        + connectTimeout
        + ", readTimeout="
        + readTimeout
        + ", totalTimeout="
        + totalTimeout
        + ", maxBytes="
        + maxBytes
        + ", retries="
        + retries
        + ", retryBackoff="
        + retryBackoff
        + ", crossHostRedirects="
        + crossHostRedirects
        + ", schemes="
        + new TreeSet<>(schemes)
        + '}';
  }

  /**
   * Builds {@link FetchSettings}. Not thread-safe. Setters throw {@link NullPointerException} for
   * null and {@link IllegalArgumentException} for values out of range, naming the setting.
   */
  public static final class Builder {
    private @Nullable URI ipfsGateway;
    private @Nullable URI arweaveGateway;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(60);
    private Duration totalTimeout = Duration.ofHours(1);
    private long maxBytes = DEFAULT_MAX_BYTES;
    private int retries = DEFAULT_RETRIES;
    private Duration retryBackoff = Duration.ofSeconds(1);
    private boolean crossHostRedirects;
    private Set<String> schemes = Set.of("https", "http", "data");

    private Builder() {}

    /** The IPFS gateway, an absolute http(s) URI such as {@code https://ipfs.io}. */
    public Builder ipfsGateway(URI gateway) {
      this.ipfsGateway = gateway(gateway, "ipfsGateway");
      return this;
    }

    /** The Arweave gateway, an absolute http(s) URI such as {@code https://arweave.net}. */
    public Builder arweaveGateway(URI gateway) {
      this.arweaveGateway = gateway(gateway, "arweaveGateway");
      return this;
    }

    /** The longest wait for a connection; default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** The longest wait for the headers and then for each next part of the body; default 60 s. */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = positive(timeout, "readTimeout");
      return this;
    }

    /** The longest one file's fetch may take, retries included; default 1 hour. */
    public Builder totalTimeout(Duration timeout) {
      this.totalTimeout = positive(timeout, "totalTimeout");
      return this;
    }

    /**
     * The largest file fetched, in bytes, at least 0; default {@value
     * FetchSettings#DEFAULT_MAX_BYTES}.
     */
    public Builder maxBytes(long maxBytes) {
      if (maxBytes < 0) {
        throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
      }
      this.maxBytes = maxBytes;
      return this;
    }

    /**
     * Retries after a transient failure, 0 to 100; default {@value FetchSettings#DEFAULT_RETRIES}.
     */
    public Builder retries(int retries) {
      if (retries < 0 || retries > 100) {
        throw new IllegalArgumentException("retries must be between 0 and 100: " + retries);
      }
      this.retries = retries;
      return this;
    }

    /** The wait before the first retry, doubled for each next one; default 1 s. */
    public Builder retryBackoff(Duration backoff) {
      requireNonNull(backoff, "retryBackoff");
      if (backoff.isNegative()) {
        throw new IllegalArgumentException("retryBackoff must not be negative: " + backoff);
      }
      this.retryBackoff = backoff;
      return this;
    }

    /**
     * Whether a redirect to another host or port is followed; default {@code false}, because the
     * publisher vouched for the URL's host, not for where it sends the provider. When allowed, the
     * locator's headers are not sent to the other host.
     */
    public Builder crossHostRedirects(boolean allowed) {
      this.crossHostRedirects = allowed;
      return this;
    }

    /**
     * The URL schemes fetched, among {@code https}, {@code http} and {@code data}; default all
     * three. Gateways must use one of them too.
     */
    public Builder schemes(Set<String> schemes) {
      requireNonNull(schemes, "schemes");
      Set<String> lower = new TreeSet<>();
      for (String scheme : schemes) {
        String one = requireNonNull(scheme, "scheme").toLowerCase(Locale.ROOT);
        if (!one.equals("https") && !one.equals("http") && !one.equals("data")) {
          throw new IllegalArgumentException(
              "schemes may hold https, http and data, not '" + scheme + "'");
        }
        lower.add(one);
      }
      this.schemes = lower;
      return this;
    }

    /** Builds the settings. */
    public FetchSettings build() {
      return new FetchSettings(this);
    }

    private static URI gateway(URI gateway, String name) {
      requireNonNull(gateway, name);
      String scheme = gateway.getScheme() == null ? "" : gateway.getScheme();
      if (!(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))
          || gateway.getHost() == null
          || gateway.getRawQuery() != null
          || gateway.getRawFragment() != null) {
        throw new IllegalArgumentException(
            name + " must be an http(s) URI with a host and no query: " + gateway);
      }
      return gateway;
    }

    private static Duration positive(Duration duration, String name) {
      requireNonNull(duration, name);
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + duration);
      }
      return duration;
    }
  }
}
