package io.c2d.keeper;

import io.c2d.keeper.EscrowClient.Authorization;
import io.c2d.keeper.EscrowClient.Funds;
import io.c2d.model.EthAddress;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * {@link EscrowClient}'s reading side: calls the Escrow contract's view functions ({@link
 * EscrowAbi} encodes them) in one batch and decodes their answers into funds, this payee's
 * authorisation and a job's lock; tells whether a receipt carries an event. The client keeps the
 * lock bookkeeping (what to check, send and answer).
 *
 * <p>Thread-safe: immutable. A call the contract refuses, or an address without the contract,
 * completes the stage with a {@link ChainUnavailableException}.
 */
@SuppressWarnings("rawtypes") // web3j decodes contract answers into raw Types
final class EscrowReader {
  private final ChainClient client;
  private final String escrow;
  private final String payee;

  EscrowReader(ChainClient client, String escrow, String payee) {
    this.client = client;
    this.escrow = escrow;
    this.payee = payee;
  }

  /** Calls the view functions in one round trip; answers their decoded outputs, in order. */
  @SuppressWarnings("rawtypes") // web3j's decoder answers raw Types
  CompletableFuture<List<List<Type>>> read(List<Function> functions) {
    List<Request<?, EthCall>> calls = new ArrayList<>();
    for (Function f : functions) {
      calls.add(client.call(escrow, FunctionEncoder.encode(f), DefaultBlockParameterName.LATEST));
    }
    return client
        .batch(calls)
        .thenApply(
            answers -> {
              List<List<Type>> decoded = new ArrayList<>();
              for (int i = 0; i < answers.size(); i++) {
                EthCall call = (EthCall) answers.get(i);
                if (call.isReverted()) {
                  throw new ChainUnavailableException(
                      "the Escrow contract at "
                          + escrow
                          + " refused "
                          + functions.get(i).getName()
                          + ": "
                          + call.getRevertReason(),
                      null);
                }
                List<Type> outputs = EscrowAbi.decode(functions.get(i), call.getValue());
                if (outputs.isEmpty()) {
                  throw new ChainUnavailableException(
                      "there is no Escrow contract at "
                          + escrow
                          + " ("
                          + functions.get(i).getName()
                          + " answered nothing)",
                      null);
                }
                decoded.add(outputs);
              }
              return List.copyOf(decoded);
            });
  }

  @SuppressWarnings("rawtypes")
  static Funds funds(List<Type> outputs) {
    return new Funds(((Uint256) outputs.get(0)).getValue(), ((Uint256) outputs.get(1)).getValue());
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  Optional<Authorization> authorization(List<Type> outputs) {
    List<EscrowAbi.AuthTuple> auths =
        ((DynamicArray<EscrowAbi.AuthTuple>) outputs.get(0)).getValue();
    for (EscrowAbi.AuthTuple auth : auths) {
      List<Type> fields = auth.getValue();
      if (((Address) fields.get(0)).getValue().equalsIgnoreCase(payee)) {
        return Optional.of(
            new Authorization(
                ((Uint256) fields.get(1)).getValue(),
                ((Uint256) fields.get(2)).getValue(),
                ((Uint256) fields.get(3)).getValue(),
                ((Uint256) fields.get(4)).getValue(),
                ((Uint256) fields.get(5)).getValue()));
      }
    }
    return Optional.empty();
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  static Optional<EscrowLock> lock(
      List<Type> outputs, String jobId, BigInteger lockId, EthAddress payer, EthAddress token) {
    // getLocks filters by token OR payer: match every field here
    List<EscrowAbi.LockTuple> locks =
        ((DynamicArray<EscrowAbi.LockTuple>) outputs.get(0)).getValue();
    for (EscrowAbi.LockTuple lock : locks) {
      List<Type> fields = lock.getValue();
      if (((Uint256) fields.get(0)).getValue().equals(lockId)
          && ((Address) fields.get(1)).getValue().equalsIgnoreCase(payer.value())
          && ((Address) fields.get(4)).getValue().equalsIgnoreCase(token.value())) {
        return Optional.of(
            new EscrowLock(
                jobId,
                lockId,
                payer,
                token,
                ((Uint256) fields.get(2)).getValue(),
                Instant.ofEpochSecond(((Uint256) fields.get(3)).getValue().longValueExact()),
                Optional.empty()));
      }
    }
    return Optional.empty();
  }

  static boolean emitted(TransactionReceipt receipt, String topic) {
    for (Log log : receipt.getLogs()) {
      if (!log.getTopics().isEmpty() && log.getTopics().get(0).equalsIgnoreCase(topic)) {
        return true;
      }
    }
    return false;
  }
}
