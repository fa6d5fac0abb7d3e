package io.c2d;

import io.c2d.model.ComputeRequest;
import io.c2d.model.EthAddress;
import io.c2d.spi.auth.ConsumerAuthenticator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * DESIGN step 2: the signed request is fresh, not signed for too long, and signed by its consumer
 * for this provider and chain. One signature recovery per request; the nonce is spent later, after
 * the idempotency check, so a retried start does not count as a replay. Thread-safe.
 */
final class Authentication {
  private final ConsumerAuthenticator authenticator;
  private final Clock clock;
  private final long chainId;
  private final EthAddress providerAddress;
  private final Duration maxSignatureLifetime;

  Authentication(
      ConsumerAuthenticator authenticator,
      Clock clock,
      long chainId,
      EthAddress providerAddress,
      Duration maxSignatureLifetime) {
    this.authenticator = authenticator;
    this.clock = clock;
    this.chainId = chainId;
    this.providerAddress = providerAddress;
    this.maxSignatureLifetime = maxSignatureLifetime;
  }

  /**
   * @throws AuthenticationException if the request expired, expires too far ahead, or is not signed
   *     by its consumer
   */
  void check(ComputeRequest request, String bodySha256) {
    Instant now = clock.instant();
    if (!request.expiresAt().isAfter(now)) {
      throw new AuthenticationException(
          ErrorCode.SIGNATURE_EXPIRED,
          "the signed request expired at " + request.expiresAt() + "; sign it again");
    }
    if (request.expiresAt().isAfter(now.plus(maxSignatureLifetime))) {
      throw new AuthenticationException(
          ErrorCode.SIGNATURE_EXPIRED,
          "the signed request expires at "
              + request.expiresAt()
              + ", more than "
              + maxSignatureLifetime
              + " ahead; sign it with a nearer expiry");
    }
    byte[] message =
        ComputeRequest.signingMessage(
            chainId,
            providerAddress,
            ComputeRequest.START_COMMAND,
            bodySha256,
            request.nonce(),
            request.expiresAt().getEpochSecond());
    EthAddress signer = authenticator.recoverSigner(message, request.signature());
    if (!signer.equals(request.consumer())) {
      throw new AuthenticationException(
          ErrorCode.WRONG_SIGNER,
          "the request is signed by " + signer + ", not by its consumer " + request.consumer());
    }
  }
}
