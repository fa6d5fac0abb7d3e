package io.c2d.keeper;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * The slice of Ocean's Keeper (keeper-contracts 0.13) ABI the agreement verifier uses: how to ask
 * the agreement, template and condition stores and the DID registry, and how to read their answers.
 *
 * <p>Facts from the contracts: templates are {@code bytes32} ids with states 0 uninitialised, 1
 * proposed, 2 approved, 3 revoked; conditions have states 0 uninitialised, 1 unfulfilled, 2
 * fulfilled, 3 aborted, and their time locks and time outs count blocks; a condition's id is {@code
 * keccak256(agreementId ‖ conditionContract ‖ valueHash)}, and the compute-execution condition's
 * value hash is {@code keccak256(abi.encode(did, consumer))}, so it binds the agreement to one
 * consumer of one asset.
 *
 * <p>Stateless and thread-safe.
 */
@SuppressWarnings("rawtypes") // web3j's decoder returns List<Type>
final class KeeperAbi {
  static final int TEMPLATE_APPROVED = 2;
  static final int CONDITION_UNFULFILLED = 1;
  static final int CONDITION_FULFILLED = 2;
  static final int CONDITION_ABORTED = 3;

  private KeeperAbi() {}

  /** An agreement as {@code AgreementStoreManager.getAgreement} returns it. */
  record Agreement(
      String did, String templateId, List<String> conditionIds, long blockNumberUpdated) {
    /** An unknown id reads as zeros: no DID and no template. */
    boolean exists() {
      return !isZero(did) || !isZero(templateId);
    }
  }

  /** A template's state and last update, from {@code TemplateStoreManager.getTemplate}. */
  record Template(int state, long blockNumberUpdated) {
    String stateName() {
      return switch (state) {
        case 0 -> "unknown";
        case 1 -> "proposed";
        case 2 -> "approved";
        case 3 -> "revoked";
        default -> "in state " + state;
      };
    }
  }

  /**
   * A condition, from {@code ConditionStoreManager.getCondition} and {@code isConditionTimedOut}.
   */
  record Condition(
      String id,
      String typeRef,
      int state,
      long timeOut,
      long blockNumber,
      long blockNumberUpdated,
      boolean timedOut) {}

  static String getAgreement(String agreementId) {
    return FunctionEncoder.encode(getAgreementFunction(agreementId));
  }

  static Agreement decodeAgreement(String result, String agreementId) {
    List<Type> values =
        FunctionReturnDecoder.decode(
            result, getAgreementFunction(agreementId).getOutputParameters());
    if (values.size() != 6) {
      throw new IllegalArgumentException("getAgreement answered " + values.size() + " values");
    }
    List<String> conditions =
        ((DynamicArray<?>) values.get(3))
            .getValue().stream().map(v -> hex((byte[]) v.getValue())).toList();
    return new Agreement(
        hex((byte[]) values.get(0).getValue()),
        hex((byte[]) values.get(2).getValue()),
        conditions,
        longOf(values.get(5)));
  }

  static String isDidProvider(String did, String provider) {
    return FunctionEncoder.encode(isDidProviderFunction(did, provider));
  }

  static boolean decodeBool(String result) {
    Function returningBool = new Function("", List.of(), List.of(new TypeReference<Bool>() {}));
    List<Type> values = FunctionReturnDecoder.decode(result, returningBool.getOutputParameters());
    if (values.isEmpty()) {
      throw new IllegalArgumentException("expected a bool but got " + result);
    }
    return (Boolean) values.get(0).getValue();
  }

  static String getTemplate(String templateId) {
    return FunctionEncoder.encode(getTemplateFunction(templateId));
  }

  static Template decodeTemplate(String result, String templateId) {
    List<Type> values =
        FunctionReturnDecoder.decode(result, getTemplateFunction(templateId).getOutputParameters());
    if (values.size() != 6) {
      throw new IllegalArgumentException("getTemplate answered " + values.size() + " values");
    }
    return new Template(((BigInteger) values.get(0).getValue()).intValue(), longOf(values.get(3)));
  }

  static String getCondition(String conditionId) {
    return FunctionEncoder.encode(getConditionFunction(conditionId));
  }

  static String isConditionTimedOut(String conditionId) {
    return FunctionEncoder.encode(
        new Function(
            "isConditionTimedOut",
            List.of(bytes32(conditionId)),
            List.of(new TypeReference<Bool>() {})));
  }

  static Condition decodeCondition(String result, String conditionId, boolean timedOut) {
    List<Type> values =
        FunctionReturnDecoder.decode(
            result, getConditionFunction(conditionId).getOutputParameters());
    if (values.size() != 7) {
      throw new IllegalArgumentException("getCondition answered " + values.size() + " values");
    }
    return new Condition(
        conditionId,
        ((Address) values.get(0)).getValue().toLowerCase(java.util.Locale.ROOT),
        ((BigInteger) values.get(1).getValue()).intValue(),
        longOf(values.get(3)),
        longOf(values.get(4)),
        longOf(values.get(6)),
        timedOut);
  }

  /** The call data of {@code ComputeExecutionCondition.fulfill(agreementId, did, consumer)}. */
  static String fulfilComputeExecution(String agreementId, String did, String consumer) {
    return FunctionEncoder.encode(
        new Function(
            "fulfill",
            List.of(bytes32(agreementId), bytes32(did), new Address(consumer)),
            List.of(new TypeReference<Uint8>() {})));
  }

  /**
   * The id the compute-execution condition of {@code agreementId} has when it grants {@code
   * consumer} compute on {@code did}; computed here as the contract does, so that no call is
   * needed.
   */
  static String computeExecutionConditionId(
      String agreementId, String computeCondition, String did, String consumer) {
    String valueHash =
        Hash.sha3(
            "0x" + TypeEncoder.encode(bytes32(did)) + TypeEncoder.encode(new Address(consumer)));
    byte[] packed = new byte[32 + 20 + 32];
    System.arraycopy(Numeric.hexStringToByteArray(agreementId), 0, packed, 0, 32);
    System.arraycopy(Numeric.hexStringToByteArray(computeCondition), 0, packed, 32, 20);
    System.arraycopy(Numeric.hexStringToByteArray(valueHash), 0, packed, 52, 32);
    return hex(Hash.sha3(packed));
  }

  /** Whether {@code value} is a well-formed {@code bytes32}: 0x and 64 hex digits. */
  static boolean isBytes32(String value) {
    if (value.length() != 66 || !value.startsWith("0x")) {
      return false;
    }
    for (int i = 2; i < value.length(); i++) {
      if (Character.digit(value.charAt(i), 16) < 0) {
        return false;
      }
    }
    return true;
  }

  static String hex(byte[] bytes) {
    return Numeric.toHexString(bytes);
  }

  private static boolean isZero(String hex) {
    return Arrays.equals(Numeric.hexStringToByteArray(hex), new byte[32]);
  }

  private static long longOf(Type value) {
    return ((BigInteger) value.getValue()).longValueExact();
  }

  private static Bytes32 bytes32(String hex) {
    byte[] bytes = Numeric.hexStringToByteArray(hex);
    if (bytes.length != 32) {
      throw new IllegalArgumentException("expected 32 bytes but got " + bytes.length);
    }
    return new Bytes32(bytes);
  }

  private static Function getAgreementFunction(String agreementId) {
    return new Function(
        "getAgreement",
        List.of(bytes32(agreementId)),
        List.of(
            new TypeReference<Bytes32>() {},
            new TypeReference<Address>() {},
            new TypeReference<Bytes32>() {},
            new TypeReference<DynamicArray<Bytes32>>() {},
            new TypeReference<Address>() {},
            new TypeReference<Uint256>() {}));
  }

  private static Function isDidProviderFunction(String did, String provider) {
    return new Function(
        "isDIDProvider",
        List.of(bytes32(did), new Address(provider)),
        List.of(new TypeReference<Bool>() {}));
  }

  private static Function getTemplateFunction(String templateId) {
    return new Function(
        "getTemplate",
        List.of(bytes32(templateId)),
        List.of(
            new TypeReference<Uint8>() {},
            new TypeReference<Address>() {},
            new TypeReference<Address>() {},
            new TypeReference<Uint256>() {},
            new TypeReference<DynamicArray<Address>>() {},
            new TypeReference<DynamicArray<Bytes32>>() {}));
  }

  private static Function getConditionFunction(String conditionId) {
    return new Function(
        "getCondition",
        List.of(bytes32(conditionId)),
        List.of(
            new TypeReference<Address>() {},
            new TypeReference<Uint8>() {},
            new TypeReference<Uint256>() {},
            new TypeReference<Uint256>() {},
            new TypeReference<Uint256>() {},
            new TypeReference<Address>() {},
            new TypeReference<Uint256>() {}));
  }
}
