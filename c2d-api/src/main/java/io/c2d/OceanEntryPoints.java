package io.c2d;

import io.c2d.model.ComputeRequest;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.OceanSignature;
import io.c2d.spi.auth.NonceStore;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.concurrent.CompletionStage;

/**
 * The engine's Ocean-specific entry points behind {@link ComputeEngine}'s facade: authenticating a
 * signed call other than a start, the consumer's nonce counter, and the live log of a running job
 * (off for a job whose results wait for, or may need, the publisher's review). Thread-safe.
 */
final class OceanEntryPoints {
  private final Authentication authentication;
  private final NonceStore nonces;
  private final JobRegistry registry;
  private final JobLifecycle lifecycle;
  private final ResultGate gate;

  OceanEntryPoints(
      Authentication authentication,
      NonceStore nonces,
      JobRegistry registry,
      JobLifecycle lifecycle,
      ResultGate gate) {
    this.authentication = authentication;
    this.nonces = nonces;
    this.registry = registry;
    this.lifecycle = lifecycle;
    this.gate = gate;
  }

  /** See {@link ComputeEngine#authenticate}. */
  EthAddress authenticate(OceanSignature signature, String command) {
    if (command.equals(OceanSignature.START_COMPUTE)
        || command.equals(OceanSignature.FREE_START_COMPUTE)) {
      throw new IllegalArgumentException(
          "a start is authenticated by start(request), with ComputeRequest.Builder.oceanSignature");
    }
    signature.message(command); // validates the command name before any work
    if (lifecycle.isClosed()) {
      throw ComputeEngine.closedException();
    }
    return authentication.authenticate(signature, command);
  }

  /** See {@link ComputeEngine#verifyOceanStart}. */
  void verifyOceanStart(ComputeRequest request) {
    OceanSignature signature =
        request
            .oceanSignature()
            .orElseThrow(
                () -> new IllegalArgumentException("the request is not signed in Ocean's format"));
    if (lifecycle.isClosed()) {
      throw ComputeEngine.closedException();
    }
    authentication.verifyUnspent(signature, request.oceanCommand().orElseThrow());
  }

  /** See {@link ComputeEngine#currentNonce}. */
  BigInteger currentNonce(EthAddress consumer) {
    return nonces.counter(consumer);
  }

  /** See {@link ComputeEngine#openLiveLog}. */
  CompletionStage<InputStream> openLiveLog(JobId id, EthAddress requester) {
    JobRecord record = registry.owned(id, requester);
    if (record.snapshot().isTerminal()) {
      throw new NotFoundException(
          ErrorCode.JOB_NOT_FOUND, "job " + id + " is not running; its log is among its results");
    }
    if (gate.reviewRequired(record)) {
      throw new NotFoundException(
          ErrorCode.RESULT_NOT_FOUND,
          "job "
              + id
              + "'s asset requires the publisher's review of its results: no live log; the log is"
              + " among its results once released");
    }
    return record.slot.backend.openLiveLog(id);
  }
}
