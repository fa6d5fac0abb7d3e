package io.c2d.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.AccessDeniedException;
import io.c2d.AgreementException;
import io.c2d.AuthenticationException;
import io.c2d.C2dException;
import io.c2d.CapacityExceededException;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.JobStateException;
import io.c2d.NotFoundException;
import io.c2d.PaymentException;
import io.c2d.PolicyViolationException;
import io.c2d.UnavailableException;

/**
 * The one place where c2d's failures become HTTP answers: a status code, a JSON body {@code
 * {"error": message, "code": errorCode, "field": field}} (field only for a request error) and, for
 * a full or unavailable provider, {@code Retry-After}. Stateless and thread-safe.
 *
 * <table>
 *   <caption>Failures and statuses</caption>
 *   <tr><th>failure<th>status
 *   <tr><td>{@link InvalidRequestException} (a missing or malformed field, unknown environment,
 *       resources over the limits)<td>400; 413 for a body over the size limit, 416 for a {@code
 *       Range} that cannot be served; 409 for a request id reused
 *   <tr><td>{@link AuthenticationException} (signature, signer, nonce), {@link
 *       ErrorCode#PUBLISHER_UNAUTHORIZED} (the review endpoints' bearer token)<td>401
 *   <tr><td>{@link io.c2d.ResultWithheldException} (the publisher's filters or review withheld the
 *       result)<td>403
 *   <tr><td>{@link AccessDeniedException} (not the job's owner), {@link PolicyViolationException}
 *       (algorithm not trusted, raw algorithms or network refused), {@link AgreementException} with
 *       {@link ErrorCode#AGREEMENT_REFUSED}<td>403
 *   <tr><td>{@link NotFoundException} (unknown job, result or asset)<td>404
 *   <tr><td>{@link JobStateException} (job already ended, or still running)<td>409
 *   <tr><td>{@link CapacityExceededException}<td>429 with {@code Retry-After}
 *   <tr><td>{@link PaymentException} (paid compute: funds, authorization, token, expiry)<td>402;
 *       503 with {@code Retry-After} when the chain could not be asked
 *   <tr><td>{@link UnavailableException}, {@link AgreementException} with {@link
 *       ErrorCode#AGREEMENT_UNKNOWN}, a backend failure<td>503 with {@code Retry-After}
 *   <tr><td>anything else (a configuration error)<td>500
 * </table>
 */
final class ErrorReplies {
  /** Seconds a client is asked to wait before retrying a full or unavailable provider. */
  static final int RETRY_AFTER_SECONDS = 5;

  private ErrorReplies() {}

  /** The answer to {@code failure}. */
  static Reply of(C2dException failure) {
    int status = status(failure);
    ObjectNode body = Bodies.JSON.createObjectNode();
    String message = String.valueOf(failure.getMessage());
    body.put("error", message);
    body.put("code", failure.code().id());
    if (failure instanceof InvalidRequestException invalid) {
      body.put("field", invalid.field().equals(Bodies.TOO_LARGE) ? "body" : invalid.field());
    }
    return new Reply(status, body, status == 429 || status == 503);
  }

  /** A failure the HTTP layer finds itself, not c2d's: an unknown path or a wrong method. */
  static Reply plain(int status, String code, String message) {
    ObjectNode body = Bodies.JSON.createObjectNode();
    body.put("error", message);
    body.put("code", code);
    return new Reply(status, body, status == 503);
  }

  static int status(C2dException failure) {
    if (failure instanceof InvalidRequestException invalid) {
      if (invalid.field().equals(Bodies.TOO_LARGE)) {
        return 413;
      }
      if (invalid.field().equals(Ranges.FIELD)) {
        return 416;
      }
      return failure.code() == ErrorCode.REQUEST_ID_CONFLICT ? 409 : 400;
    }
    if (failure instanceof AuthenticationException
        || failure.code() == ErrorCode.PUBLISHER_UNAUTHORIZED) {
      return 401;
    }
    if (failure.code() == ErrorCode.RESULT_WITHHELD) {
      return 403;
    }
    if (failure instanceof AccessDeniedException || failure instanceof PolicyViolationException) {
      return 403;
    }
    if (failure instanceof AgreementException) {
      return failure.code() == ErrorCode.AGREEMENT_UNKNOWN ? 503 : 403;
    }
    if (failure instanceof NotFoundException) {
      return 404;
    }
    if (failure instanceof JobStateException) {
      return 409;
    }
    if (failure instanceof CapacityExceededException) {
      return 429;
    }
    if (failure instanceof PaymentException) {
      return failure.code() == ErrorCode.PAYMENT_UNAVAILABLE ? 503 : 402;
    }
    if (failure instanceof UnavailableException || failure.code() == ErrorCode.BACKEND_FAILURE) {
      return 503;
    }
    return 500;
  }

  /** An error answer: status, JSON body, whether to ask for a retry. */
  record Reply(int status, ObjectNode body, boolean retry) {}
}
