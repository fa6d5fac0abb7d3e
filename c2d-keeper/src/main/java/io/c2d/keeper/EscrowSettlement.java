package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.util.Optional;

/**
 * How a job's escrow lock ended: what the provider claimed and what went back to the payer's
 * available funds.
 *
 * <p>The provider receives {@code claimed} less the Ocean community fee the Escrow contract takes
 * ({@code FactoryRouter.getOPCFee(token)}, per 10<sup>18</sup>), withdrawn to its account.
 *
 * <p>Immutable and thread-safe.
 *
 * @param jobId the job's id
 * @param claimed the wei claimed by the provider; zero for a release
 * @param refunded the wei returned to the payer's available escrow funds
 * @param transaction the transaction that settled the lock; empty if there was no lock to settle
 */
public record EscrowSettlement(
    String jobId, BigInteger claimed, BigInteger refunded, Optional<String> transaction) {

  /** Checks the components. */
  public EscrowSettlement {
    requireNonNull(jobId, "jobId");
    requireNonNull(claimed, "claimed");
    requireNonNull(refunded, "refunded");
    requireNonNull(transaction, "transaction");
  }
}
