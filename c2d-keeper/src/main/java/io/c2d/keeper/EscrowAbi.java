package io.c2d.keeper;

import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.StaticStruct;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Hash;

/**
 * The calls, answers and events of Ocean's Escrow contract ({@code @oceanprotocol/contracts} 2.6.0)
 * that {@link EscrowClient} uses, in web3j's types.
 */
final class EscrowAbi {
  static final String CLAIMED =
      Hash.sha3String("Claimed(address,uint256,address,address,uint256,bytes)");
  static final String CANCELED =
      Hash.sha3String("Canceled(address,uint256,address,address,uint256)");

  private EscrowAbi() {}

  static Function getUserFunds(String payer, String token) {
    return new Function(
        "getUserFunds",
        List.of(new Address(payer), new Address(token)),
        List.of(new TypeReference<Uint256>() {}, new TypeReference<Uint256>() {}));
  }

  static Function getAuthorizations(String token, String payer, String payee) {
    return new Function(
        "getAuthorizations",
        List.of(new Address(token), new Address(payer), new Address(payee)),
        List.of(new TypeReference<DynamicArray<AuthTuple>>() {}));
  }

  static Function getLocks(String token, String payer, String payee) {
    return new Function(
        "getLocks",
        List.of(new Address(token), new Address(payer), new Address(payee)),
        List.of(new TypeReference<DynamicArray<LockTuple>>() {}));
  }

  @SuppressWarnings("rawtypes") // web3j's decoder answers raw Types
  static List<Type> decode(Function function, String answer) {
    return FunctionReturnDecoder.decode(answer, function.getOutputParameters());
  }

  @SuppressWarnings("rawtypes") // web3j's encoder takes raw Types
  static String encode(String name, Type... inputs) {
    return FunctionEncoder.encode(new Function(name, List.of(inputs), List.of()));
  }

  /**
   * One of a payer's authorisations: {@code (payee, maxLockedAmount, currentLockedAmount,
   * maxLockSeconds, maxLockCounts, currentLocks)}. Public with a public constructor because web3j's
   * decoder builds it by reflection.
   */
  public static final class AuthTuple extends StaticStruct {
    /** The decoded tuple. */
    public AuthTuple(
        Address payee,
        Uint256 maxLockedAmount,
        Uint256 currentLockedAmount,
        Uint256 maxLockSeconds,
        Uint256 maxLockCounts,
        Uint256 currentLocks) {
      super(
          payee, maxLockedAmount, currentLockedAmount, maxLockSeconds, maxLockCounts, currentLocks);
    }
  }

  /**
   * One of a payee's locks: {@code (jobId, payer, amount, expiry, token)}. Public with a public
   * constructor because web3j's decoder builds it by reflection.
   */
  public static final class LockTuple extends StaticStruct {
    /** The decoded tuple. */
    public LockTuple(Uint256 jobId, Address payer, Uint256 amount, Uint256 expiry, Address token) {
      super(jobId, payer, amount, expiry, token);
    }
  }
}
