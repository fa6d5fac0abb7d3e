package io.c2d;

/**
 * Stable, machine-readable codes of every failure c2d reports. A provider application can map them
 * to HTTP answers; the {@link #id()} strings never change between releases.
 *
 * <p>Immutable and thread-safe.
 */
public enum ErrorCode {
  /** A field of a request is missing or malformed; {@link InvalidRequestException#field()}. */
  INVALID_REQUEST("invalid_request"),
  /** The request asks for more CPU, memory, disk, GPU or time than its environment gives. */
  RESOURCES_EXCEEDED("resources_exceeded"),
  /** The request names a compute environment no backend offers. */
  ENVIRONMENT_UNKNOWN("environment_unknown"),
  /** The signature is malformed or cannot be recovered. */
  SIGNATURE_INVALID("signature_invalid"),
  /** The signature is valid but was made by someone other than the consumer. */
  WRONG_SIGNER("wrong_signer"),
  /** The signed request is past its expiry, or its expiry is too far ahead. */
  SIGNATURE_EXPIRED("signature_expired"),
  /**
   * The nonce was used before: a replayed request; in Ocean's format, a nonce not greater than the
   * consumer's last one.
   */
  NONCE_REPLAYED("nonce_replayed"),
  /** The request id was used before for a different request. */
  REQUEST_ID_CONFLICT("request_id_conflict"),
  /** The verifier says the consumer holds no valid agreement or order for this service. */
  AGREEMENT_REFUSED("agreement_refused"),
  /** The verifier could not decide (chain unreachable, too few confirmations, timeout). */
  AGREEMENT_UNKNOWN("agreement_unknown"),
  /**
   * The payer's escrow deposit of the payment token does not cover the job's price (paid compute;
   * deposit more in the Escrow contract).
   */
  PAYMENT_INSUFFICIENT_FUNDS("payment_insufficient_funds"),
  /**
   * The payer has not authorised this provider in the Escrow contract for the payment token, or the
   * authorisation's limits (amount, lock duration, number of locks) are too low for the job.
   */
  PAYMENT_NOT_AUTHORIZED("payment_not_authorized"),
  /** The request offers payment in a token the environment does not accept. */
  PAYMENT_TOKEN_UNSUPPORTED("payment_token_unsupported"),
  /** The payment (an escrow lock, a provider fee) expired before it was used. */
  PAYMENT_EXPIRED("payment_expired"),
  /** The payment chain could not be reached or refused a payment transaction; worth a retry. */
  PAYMENT_UNAVAILABLE("payment_unavailable"),
  /** The asset's compute policy does not trust this algorithm or its publisher. */
  ALGORITHM_NOT_TRUSTED("algorithm_not_trusted"),
  /** The asset's compute policy does not allow raw (unpublished) algorithms. */
  RAW_ALGORITHM_NOT_ALLOWED("raw_algorithm_not_allowed"),
  /** The request asks for network access that the asset's compute policy does not allow. */
  NETWORK_ACCESS_NOT_ALLOWED("network_access_not_allowed"),
  /** The environment's queue is full; try again later. */
  CAPACITY_EXHAUSTED("capacity_exhausted"),
  /** A free request names an environment that offers no free compute. */
  FREE_COMPUTE_NOT_OFFERED("free_compute_not_offered"),
  /**
   * The environment's free jobs, or the consumer's free jobs there, are at their limit; try again
   * once one has ended.
   */
  FREE_LIMIT_REACHED("free_limit_reached"),
  /** No job has this id. */
  JOB_NOT_FOUND("job_not_found"),
  /**
   * No published asset has this DID, or the asset has no compute service with this id (the
   * provider's asset directory).
   */
  ASSET_NOT_FOUND("asset_not_found"),
  /** The job exists but belongs to someone else. */
  NOT_OWNER("not_owner"),
  /** The job has no result with this index or name. */
  RESULT_NOT_FOUND("result_not_found"),
  /**
   * The publisher's result filters or review withheld this result, or it waits for the review: it
   * is not served; the job's notices say why.
   */
  RESULT_WITHHELD("result_withheld"),
  /** The job is not waiting for the publisher's review, so it cannot be released or rejected. */
  JOB_NOT_AWAITING_RELEASE("job_not_awaiting_release"),
  /** The call needs the publisher's credentials (the review and audit endpoints). */
  PUBLISHER_UNAUTHORIZED("publisher_unauthorized"),
  /** The job has already ended, so it cannot be stopped. */
  JOB_FINISHED("job_finished"),
  /** The job is still running, so it cannot be deleted; stop it first. */
  JOB_RUNNING("job_running"),
  /** A backend failed or could not be reached. */
  BACKEND_FAILURE("backend_failure"),
  /** No provider of an SPI has the configured name. */
  PROVIDER_NOT_FOUND("provider_not_found"),
  /** Two providers of an SPI share one name. */
  PROVIDER_CONFLICT("provider_conflict"),
  /** A configuration property is missing or malformed. */
  CONFIGURATION_INVALID("configuration_invalid"),
  /** The engine has been closed. */
  ENGINE_CLOSED("engine_closed");

  private final String id;

  ErrorCode(String id) {
    this.id = id;
  }

  /** The stable identifier, in snake case, such as {@code "nonce_replayed"}. */
  public String id() {
    return id;
  }
}
