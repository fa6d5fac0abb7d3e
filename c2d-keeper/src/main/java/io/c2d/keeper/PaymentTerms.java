package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import io.c2d.model.ComputePricing;
import io.c2d.model.EthAddress;
import java.time.Duration;
import java.util.Map;

/**
 * What a consumer asks to pay for with a paid compute job: who pays, in which token, for which
 * resources (resource id to amount, as Ocean's {@code payment.resources} and the environment name
 * them) and for at most how long (Ocean's maximum job duration). The environment's {@link
 * ComputePricing} turns it into a price.
 *
 * <p>Immutable and thread-safe; nothing is null.
 *
 * @param payer the consumer's address, who deposited and authorised in the escrow
 * @param token the token the consumer pays in ({@code payment.token})
 * @param resources resource id to amount; copied, unmodifiable
 * @param maxDuration the longest the job may run; the lock covers it
 */
public record PaymentTerms(
    EthAddress payer, EthAddress token, Map<String, Long> resources, Duration maxDuration) {

  /**
   * Checks and copies the components.
   *
   * @throws IllegalArgumentException if the duration is not positive or an amount is negative
   */
  public PaymentTerms {
    requireNonNull(payer, "payer");
    requireNonNull(token, "token");
    resources = Map.copyOf(requireNonNull(resources, "resources"));
    requireNonNull(maxDuration, "maxDuration");
    if (maxDuration.isZero() || maxDuration.isNegative()) {
      throw new IllegalArgumentException("maxDuration must be positive but is " + maxDuration);
    }
    resources.forEach(
        (id, amount) -> {
          if (amount < 0) {
            throw new IllegalArgumentException(
                "the amount of " + id + " must not be negative but is " + amount);
          }
        });
  }
}
