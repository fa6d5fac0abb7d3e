package io.c2d.model;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a paid compute environment charges: one payment token and, per resource id ({@code cpu},
 * {@code ram}, {@code disk}, {@code gpu}, ... as the environment names its resources), a price in
 * the token's smallest unit (wei) per unit of the resource per {@link #billingUnit() billing unit}
 * of run time. The cost of a job is, as ocean-node computes it, the sum over the requested
 * resources of {@code price × amount × ⌈duration / billingUnit⌉}, with the duration raised to the
 * {@link #minDuration() minimum} first. A resource without a price is free.
 *
 * <p>The default billing unit is one minute: ocean-node's environments advertise prices per minute
 * and bill started minutes. A provider that prices per second sets {@code
 * billingUnit(Duration.ofSeconds(1))}.
 *
 * <p>Immutable and thread-safe; nothing is null.
 */
public final class ComputePricing {
  /** The default {@link #billingUnit()}: one minute, as ocean-node bills. */
  public static final Duration DEFAULT_BILLING_UNIT = Duration.ofMinutes(1);

  private final EthAddress token;
  private final Map<String, BigInteger> prices;
  private final Duration billingUnit;
  private final Duration minDuration;

  private ComputePricing(Builder builder) {
    this.token = requireNonNull(builder.token, "token");
    this.prices = Map.copyOf(builder.prices);
    this.billingUnit = builder.billingUnit;
    this.minDuration = builder.minDuration;
  }

  /** A builder of the pricing in {@code token} (the ERC-20 the environment is paid in). */
  public static Builder builder(EthAddress token) {
    return new Builder(token);
  }

  /** The ERC-20 token the environment is paid in. */
  public EthAddress token() {
    return token;
  }

  /** The price of each priced resource id, in wei per unit per billing unit; unmodifiable. */
  public Map<String, BigInteger> prices() {
    return prices;
  }

  /** The price of {@code resourceId} in wei per unit per billing unit; zero if it has none. */
  public BigInteger price(String resourceId) {
    return prices.getOrDefault(requireNonNull(resourceId, "resourceId"), BigInteger.ZERO);
  }

  /** The run time a price is charged for; a started unit is charged in full. */
  public Duration billingUnit() {
    return billingUnit;
  }

  /** The least run time charged for, whatever ran; zero by default. */
  public Duration minDuration() {
    return minDuration;
  }

  /**
   * The cost in wei of {@code resources} (resource id to amount, e.g. {@code cpu → 2}) for {@code
   * duration}: {@code Σ price × amount × ⌈max(duration, minDuration) / billingUnit⌉}.
   *
   * @throws IllegalArgumentException if the duration or an amount is negative
   */
  public BigInteger cost(Map<String, Long> resources, Duration duration) {
    requireNonNull(resources, "resources");
    requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative but is " + duration);
    }
    Duration charged = duration.compareTo(minDuration) < 0 ? minDuration : duration;
    BigInteger nanos = nanosOf(charged);
    BigInteger unit = nanosOf(billingUnit);
    BigInteger[] division = nanos.divideAndRemainder(unit);
    BigInteger units = division[1].signum() == 0 ? division[0] : division[0].add(BigInteger.ONE);
    BigInteger cost = BigInteger.ZERO;
    for (Map.Entry<String, Long> resource : resources.entrySet()) {
      long amount = requireNonNull(resource.getValue(), "amount of " + resource.getKey());
      if (amount < 0) {
        throw new IllegalArgumentException(
            "the amount of " + resource.getKey() + " must not be negative but is " + amount);
      }
      cost =
          cost.add(price(resource.getKey()).multiply(BigInteger.valueOf(amount)).multiply(units));
    }
    return cost;
  }

  private static BigInteger nanosOf(Duration duration) {
    return BigInteger.valueOf(duration.toSeconds())
        .multiply(BigInteger.valueOf(1_000_000_000L))
        .add(BigInteger.valueOf(duration.toNanosPart()));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ComputePricing other
        && token.equals(other.token)
        && prices.equals(other.prices)
        && billingUnit.equals(other.billingUnit)
        && minDuration.equals(other.minDuration);
  }

  @Override
  public int hashCode() {
    return Objects.hash(token, prices, billingUnit, minDuration);
  }

  @Override
  public String toString() {
    return "ComputePricing{token="
        + token
        + ", prices="
        + prices
        + ", billingUnit="
        + billingUnit
        + ", minDuration="
        + minDuration
        + "}";
  }

  /** Builds {@link ComputePricing}. Not thread-safe. */
  public static final class Builder {
    private final EthAddress token;
    private final Map<String, BigInteger> prices = new LinkedHashMap<>();
    private Duration billingUnit = DEFAULT_BILLING_UNIT;
    private Duration minDuration = Duration.ZERO;

    private Builder(EthAddress token) {
      this.token = requireNonNull(token, "token");
    }

    /**
     * The price of one unit of {@code resourceId} per billing unit, in wei.
     *
     * @throws IllegalArgumentException if the id is blank or the price negative
     * @throws IllegalStateException if the resource already has a price
     */
    public Builder price(String resourceId, BigInteger weiPerUnit) {
      requireNonNull(resourceId, "resourceId");
      requireNonNull(weiPerUnit, "weiPerUnit");
      if (resourceId.isBlank()) {
        throw new IllegalArgumentException("resourceId must not be blank");
      }
      if (weiPerUnit.signum() < 0) {
        throw new IllegalArgumentException(
            "the price of " + resourceId + " must not be negative but is " + weiPerUnit);
      }
      if (prices.putIfAbsent(resourceId, weiPerUnit) != null) {
        throw new IllegalStateException(resourceId + " already has a price");
      }
      return this;
    }

    /**
     * The run time a price is charged for; default {@link #DEFAULT_BILLING_UNIT}.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder billingUnit(Duration billingUnit) {
      requireNonNull(billingUnit, "billingUnit");
      if (billingUnit.isZero() || billingUnit.isNegative()) {
        throw new IllegalArgumentException("billingUnit must be positive but is " + billingUnit);
      }
      this.billingUnit = billingUnit;
      return this;
    }

    /**
     * The least run time charged for; default zero.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder minDuration(Duration minDuration) {
      requireNonNull(minDuration, "minDuration");
      if (minDuration.isNegative()) {
        throw new IllegalArgumentException(
            "minDuration must not be negative but is " + minDuration);
      }
      this.minDuration = minDuration;
      return this;
    }

    /** Builds the pricing. */
    public ComputePricing build() {
      return new ComputePricing(this);
    }
  }
}
