package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import io.c2d.model.EthAddress;
import java.time.Duration;

/**
 * What an Ocean v4 order of one service of an asset must look like: the datatoken it is paid in,
 * the index of the service in the DDO's {@code services} array, and how long an order stays valid.
 * In a DDO v4 these are {@code services[i].datatokenAddress}, {@code i} and {@code
 * services[i].timeout} (in seconds).
 *
 * <p>Immutable and thread-safe.
 *
 * @param datatoken the service's datatoken (ERC20Template) address
 * @param serviceIndex the index of the service in the DDO's {@code services}; not negative
 * @param timeout how long an order stays valid after its block; {@link Duration#ZERO} for ever
 */
public record OrderedService(EthAddress datatoken, int serviceIndex, Duration timeout) {

  /**
   * Validates.
   *
   * @throws IllegalArgumentException if the index or the timeout is negative
   */
  public OrderedService {
    requireNonNull(datatoken, "datatoken");
    requireNonNull(timeout, "timeout");
    if (serviceIndex < 0) {
      throw new IllegalArgumentException(
          "serviceIndex must not be negative but is " + serviceIndex);
    }
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative but is " + timeout);
    }
  }

  /** Whether an order stays valid for ever (a timeout of 0, as in Ocean). */
  public boolean unlimited() {
    return timeout.isZero();
  }
}
