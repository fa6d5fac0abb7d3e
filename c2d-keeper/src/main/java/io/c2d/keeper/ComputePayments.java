package io.c2d.keeper;

import io.c2d.ErrorCode;
import io.c2d.PaymentException;
import io.c2d.model.ComputePricing;
import io.c2d.model.JobId;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Paying for a compute job around its life, the seam between the HTTP layer (or the engine) and the
 * chain. The calls, in order:
 *
 * <ol>
 *   <li>{@link #quote} in {@code initializeCompute}: the escrow terms to answer as {@code payment}
 *       (no chain I/O);
 *   <li>{@link #lock} in {@code computeStart}, after the order is verified and before the job is
 *       submitted: reserves the job's maximum price; a refusal ({@link PaymentException}) means the
 *       job must not start;
 *   <li>then exactly one of: {@link #settle} when the job has run (finished, failed while running
 *       or was stopped), with how long its algorithm ran; or {@link #release} when it never ran (it
 *       was refused by the engine after the lock, failed before its algorithm started, or its start
 *       failed).
 * </ol>
 *
 * <p>Implementations are stateless between the calls: the caller passes the same {@code pricing}
 * and {@code terms} to each (keep them with the job), so a restart between lock and settle loses
 * nothing; a lock left behind expires on chain and returns to the payer.
 *
 * <p>Failures complete the stage with a {@link PaymentException}: {@link
 * ErrorCode#PAYMENT_TOKEN_UNSUPPORTED}, {@link ErrorCode#PAYMENT_INSUFFICIENT_FUNDS}, {@link
 * ErrorCode#PAYMENT_NOT_AUTHORIZED} (the payer's to fix), {@link ErrorCode#PAYMENT_EXPIRED} (the
 * lock expired before the settlement), {@link ErrorCode#PAYMENT_UNAVAILABLE} (retry later).
 *
 * <p>Implementations are thread-safe and never block the caller.
 */
public interface ComputePayments {

  /**
   * The escrow terms of {@code terms} under {@code pricing}.
   *
   * @throws PaymentException with {@link ErrorCode#PAYMENT_TOKEN_UNSUPPORTED} if {@code terms} pays
   *     in another token than the pricing's
   */
  EscrowQuote quote(ComputePricing pricing, PaymentTerms terms);

  /**
   * Locks the price of {@code terms}' resources for their maximum duration in the payer's escrow,
   * for {@code job}. Locking a job twice answers the first lock.
   */
  CompletionStage<EscrowLock> lock(JobId job, ComputePricing pricing, PaymentTerms terms);

  /**
   * Claims what {@code job} cost for having run {@code ranFor}, never more than was locked, and
   * returns the rest to the payer.
   */
  CompletionStage<EscrowSettlement> settle(
      JobId job, ComputePricing pricing, PaymentTerms terms, Duration ranFor);

  /**
   * Returns all of {@code job}'s lock to the payer; harmless if it holds none (never locked,
   * already settled).
   */
  CompletionStage<EscrowSettlement> release(JobId job, PaymentTerms terms);
}
