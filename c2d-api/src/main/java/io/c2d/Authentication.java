package io.c2d;

import io.c2d.model.ComputeRequest;
import io.c2d.model.EthAddress;
import io.c2d.model.OceanSignature;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.spi.auth.NonceStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * DESIGN step 2, for both signed formats. c2d's own: the signed request is fresh, not signed for
 * too long, and signed by its consumer for this provider and chain; the nonce is spent later, after
 * the idempotency check, so a retried start does not count as a replay. Ocean's ({@link
 * OceanSignature}): signed by its consumer for the command, and its counter nonce is advanced here
 * at once, so a replayed call, start or not, is refused. One signature recovery per request.
 * Thread-safe.
 */
final class Authentication {
  private final ConsumerAuthenticator authenticator;
  private final Clock clock;
  private final long chainId;
  private final EthAddress providerAddress;
  private final Duration maxSignatureLifetime;
  private final NonceStore nonces;

  Authentication(
      ConsumerAuthenticator authenticator,
      NonceStore nonces,
      Clock clock,
      long chainId,
      EthAddress providerAddress,
      Duration maxSignatureLifetime) {
    this.authenticator = authenticator;
    this.clock = clock;
    this.chainId = chainId;
    this.providerAddress = providerAddress;
    this.maxSignatureLifetime = maxSignatureLifetime;
    this.nonces = nonces;
  }

  /**
   * @throws AuthenticationException if the request expired, expires too far ahead, or is not signed
   *     by its consumer
   */
  void check(ComputeRequest request, String bodySha256) {
    OceanSignature ocean = request.oceanSignature().orElse(null);
    if (ocean != null) {
      authenticate(ocean, request.oceanCommand().orElseThrow());
      return;
    }
    Instant expiresAt = request.expiresAt().orElseThrow();
    Instant now = clock.instant();
    if (!expiresAt.isAfter(now)) {
      throw new AuthenticationException(
          ErrorCode.SIGNATURE_EXPIRED,
          "the signed request expired at " + expiresAt + "; sign it again");
    }
    if (expiresAt.isAfter(now.plus(maxSignatureLifetime))) {
      throw new AuthenticationException(
          ErrorCode.SIGNATURE_EXPIRED,
          "the signed request expires at "
              + expiresAt
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
            expiresAt.getEpochSecond());
    EthAddress signer = authenticator.recoverSigner(message, request.signature());
    if (!signer.equals(request.consumer())) {
      throw new AuthenticationException(
          ErrorCode.WRONG_SIGNER,
          "the request is signed by " + signer + ", not by its consumer " + request.consumer());
    }
  }

  /**
   * Checks an Ocean-format signature over {@code command} and spends its nonce: the counter of the
   * consumer must be strictly below it, and is advanced to it atomically.
   *
   * @throws AuthenticationException ({@link ErrorCode#SIGNATURE_INVALID}, {@link
   *     ErrorCode#WRONG_SIGNER}, {@link ErrorCode#NONCE_REPLAYED}) if it is not
   */
  EthAddress authenticate(OceanSignature signature, String command) {
    EthAddress signer = signedBy(signature, command);
    // Only after the signature holds: nobody can advance another consumer's counter.
    if (!nonces.advanceCounter(signature.consumer(), signature.nonceValue())) {
      throw replayed(signature);
    }
    return signer;
  }

  /**
   * Checks an Ocean-format signature over {@code command} and that its nonce is not spent yet,
   * spending nothing: for work that must come before the start spends it.
   *
   * @throws AuthenticationException as {@link #authenticate}
   */
  void verifyUnspent(OceanSignature signature, String command) {
    signedBy(signature, command);
    if (nonces.counter(signature.consumer()).compareTo(signature.nonceValue()) >= 0) {
      throw replayed(signature);
    }
  }

  private EthAddress signedBy(OceanSignature signature, String command) {
    EthAddress signer =
        authenticator.recoverDigestSigner(signature.message(command), signature.signature());
    if (!signer.equals(signature.consumer())) {
      throw new AuthenticationException(
          ErrorCode.WRONG_SIGNER,
          "the "
              + command
              + " call is signed by "
              + signer
              + ", not by its consumer "
              + signature.consumer()
              + " (Ocean's message: consumerAddress + nonce + command, keccak256, EIP-191)");
    }
    return signer;
  }

  private AuthenticationException replayed(OceanSignature signature) {
    return new AuthenticationException(
        ErrorCode.NONCE_REPLAYED,
        "nonce "
            + signature.nonce()
            + " of "
            + signature.consumer()
            + " is not greater than the last one used ("
            + nonces.counter(signature.consumer())
            + "); sign the call again with a greater nonce");
  }
}
