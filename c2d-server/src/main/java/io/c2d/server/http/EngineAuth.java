package io.c2d.server.http;

import io.c2d.ComputeEngine;
import io.c2d.InvalidRequestException;
import io.c2d.model.ComputeRequest;
import io.c2d.model.EthAddress;
import io.c2d.model.OceanSignature;

/**
 * Ocean's signed calls, checked by the engine: the fields are validated here (each error names its
 * field), the signature and the nonce by {@link ComputeEngine#authenticate}, which spends the
 * nonce. The one place that knows the engine's Ocean-signature API. Stateless and thread-safe.
 */
final class EngineAuth {
  private EngineAuth() {}

  /**
   * The authenticated owner of a signed query ({@code consumerAddress}, {@code nonce}, {@code
   * signature}).
   */
  static EthAddress authenticate(ComputeEngine engine, QueryParams query, String command) {
    OceanSignature signature =
        signature(
            query.required("consumerAddress"),
            query.required("nonce"),
            query.required("signature"));
    return engine.authenticate(signature, command);
  }

  /** Marks a start request as signed the Ocean way for {@code command}. */
  static void sign(
      ComputeRequest.Builder request,
      String consumerAddress,
      String nonce,
      String signature,
      String command) {
    request.oceanSignature(signature(consumerAddress, nonce, signature), command);
  }

  static String currentNonce(ComputeEngine engine, EthAddress address) {
    return String.valueOf(engine.currentNonce(address));
  }

  private static OceanSignature signature(String consumer, String nonce, String signature) {
    EthAddress.parse(consumer, "consumerAddress");
    if (nonce.length() > 78 || !nonce.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new InvalidRequestException(
          "nonce",
          "expected a decimal number of 1 to 78 digits but got '"
              + QueryParams.abbreviate(nonce)
              + "'");
    }
    if (signature.length() != 132
        || !signature.startsWith("0x")
        || !signature.substring(2).chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw new InvalidRequestException(
          "signature",
          "expected 0x and 130 hex digits but got '" + QueryParams.abbreviate(signature) + "'");
    }
    return OceanSignature.of(consumer, nonce, signature);
  }
}
