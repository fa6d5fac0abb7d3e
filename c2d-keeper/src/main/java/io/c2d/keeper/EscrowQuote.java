package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import io.c2d.model.EthAddress;
import java.math.BigInteger;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.web3j.crypto.Keys;

/**
 * The escrow terms of a paid job, as {@code initializeCompute} answers them in its {@code payment}
 * object: the consumer deposits at least {@code amount} of {@code token} in the Escrow contract and
 * authorises {@code payee} for it, with a lock duration of at least {@code minLock}, before
 * starting the job.
 *
 * <p>Immutable and thread-safe; nothing is null.
 *
 * @param escrow the Escrow contract's address
 * @param chainId the chain it is on
 * @param payee the provider's address, to authorise
 * @param token the token to pay in
 * @param amount the job's maximum price, in wei: what the provider will lock
 * @param minLock how long the lock lasts: the job's longest run plus the provider's claim time
 */
public record EscrowQuote(
    EthAddress escrow,
    long chainId,
    EthAddress payee,
    EthAddress token,
    BigInteger amount,
    Duration minLock) {

  /** Checks the components. */
  public EscrowQuote {
    requireNonNull(escrow, "escrow");
    requireNonNull(payee, "payee");
    requireNonNull(token, "token");
    requireNonNull(amount, "amount");
    requireNonNull(minLock, "minLock");
  }

  /**
   * Ocean's {@code payment} object, as ocean-node answers it: {@code escrowAddress}, {@code
   * chainId}, {@code payee}, {@code token}, {@code amount} (wei, a decimal string) and {@code
   * minLockSeconds}. Insertion-ordered; a new map each call.
   */
  public Map<String, Object> toOceanJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("escrowAddress", Keys.toChecksumAddress(escrow.value()));
    json.put("chainId", chainId);
    json.put("payee", Keys.toChecksumAddress(payee.value()));
    json.put("token", Keys.toChecksumAddress(token.value()));
    json.put("amount", amount.toString());
    json.put("minLockSeconds", minLock.toSeconds());
    return json;
  }
}
