package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import io.c2d.model.EthAddress;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;

/**
 * A lock in Ocean's Escrow contract: {@code amount} wei of the payer's deposited {@code token}
 * reserved for this provider (the payee) until {@code expiry}, for one job.
 *
 * <p>Immutable and thread-safe.
 *
 * @param jobId the job's id as c2d knows it
 * @param lockId the id on chain: SHA-256 of the job id's UTF-8 bytes as a uint256, as ocean-node
 *     derives it ({@link EscrowClient#lockIdOf})
 * @param payer who pays
 * @param token the ERC-20 locked
 * @param amount the wei locked; zero only for a job that costs nothing and so has no lock on chain
 * @param expiry when the lock expires on the chain's clock; after it, anyone may cancel it and the
 *     provider can no longer claim it
 * @param transaction the {@code createLock} transaction, if this lock was just created
 */
public record EscrowLock(
    String jobId,
    BigInteger lockId,
    EthAddress payer,
    EthAddress token,
    BigInteger amount,
    Instant expiry,
    Optional<String> transaction) {

  /** Checks the components. */
  public EscrowLock {
    requireNonNull(jobId, "jobId");
    requireNonNull(lockId, "lockId");
    requireNonNull(payer, "payer");
    requireNonNull(token, "token");
    requireNonNull(amount, "amount");
    requireNonNull(expiry, "expiry");
    requireNonNull(transaction, "transaction");
  }
}
