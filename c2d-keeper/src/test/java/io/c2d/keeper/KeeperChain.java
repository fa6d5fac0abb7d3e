package io.c2d.keeper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * Ocean's Keeper (keeper-contracts 0.13.2, the compiled artifacts of the npm package) deployed on
 * an {@link AnvilNode}, wired the way Ocean's deployment wires it, with helpers that drive real
 * service agreements: register a DID, create an agreement, lock the reward, grant the compute, time
 * a condition out and abort it, revoke a template.
 *
 * <p>Roles are anvil's development accounts: the deployer owns the contracts (Ocean's foundation),
 * then a publisher, a consumer, the provider (whose key the verifier's fulfilling mode signs with)
 * and a stranger.
 *
 * <p>Facts from the contracts that shape this class: a template is a {@code bytes32} id (for a
 * template contract, {@code keccak256} of its address), proposed with actor types that must be
 * registered first (the revert of a plain {@code proposeTemplate}); the template contracts' own
 * {@code createAgreement} goes through the store's deprecated address-based path, which no template
 * can pass in 0.13 (its deprecated list has no writer), so agreements are created on the {@code
 * AgreementStoreManager} with the template id and the actors, as Ocean's libraries of that release
 * do; time locks and time outs count blocks.
 *
 * <p>Not thread-safe: one test class drives it from its JUnit thread.
 */
@SuppressWarnings("rawtypes") // web3j's ABI types
public final class KeeperChain {
  static final String OWNER = AnvilNode.FIRST_ACCOUNT;
  public static final String PUBLISHER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
  public static final String CONSUMER = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
  public static final String PROVIDER = "0x90f79bf6eb2c4f870365e785982e1f101e93b906";
  static final String STRANGER = "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65";

  /** Anvil's third well-known development key: the {@link #CONSUMER} account. */
  public static final String CONSUMER_KEY =
      "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

  /** Anvil's fourth well-known development key: the {@link #PROVIDER} account. */
  public static final String PROVIDER_KEY =
      "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";

  /** What a consumer locks for one agreement: one OCEAN. */
  static final BigInteger PRICE = BigInteger.TEN.pow(18);

  private static final Path ARTIFACTS =
      AnvilNode.NODE_MODULES.resolve("@oceanprotocol/keeper-contracts/artifacts");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PLACEHOLDER_LENGTH = 40;

  final AnvilNode node;
  final String didRegistry;
  final String conditionStore;
  final String templateStore;
  final String agreementStore;
  final String token;
  final String lockReward;
  final String computeExecution;
  final String escrowReward;

  /** The approved EscrowComputeExecutionTemplate's id. */
  final String templateId;

  private final AtomicLong ids = new AtomicLong(System.nanoTime());

  private KeeperChain(AnvilNode node, Map<String, String> addresses, String templateId) {
    this.node = node;
    this.didRegistry = addresses.get("DIDRegistry");
    this.conditionStore = addresses.get("ConditionStoreManager");
    this.templateStore = addresses.get("TemplateStoreManager");
    this.agreementStore = addresses.get("AgreementStoreManager");
    this.token = addresses.get("OceanToken");
    this.lockReward = addresses.get("LockRewardCondition");
    this.computeExecution = addresses.get("ComputeExecutionCondition");
    this.escrowReward = addresses.get("EscrowReward");
    this.templateId = templateId;
  }

  /** Deploys, links, initialises and wires the Keeper, and approves the compute template. */
  public static KeeperChain deploy(AnvilNode node) throws IOException, InterruptedException {
    String epochLibrary = deployArtifact(node, "EpochLibrary", Map.of());
    String didLibrary = deployArtifact(node, "DIDRegistryLibrary", Map.of());
    String didRegistry =
        deployArtifact(node, "DIDRegistry", Map.of("DIDRegistryLibrary", didLibrary));
    String conditionStore =
        deployArtifact(node, "ConditionStoreManager", Map.of("EpochLibrary", epochLibrary));
    String templateStore = deployArtifact(node, "TemplateStoreManager", Map.of());
    String agreementStore = deployArtifact(node, "AgreementStoreManager", Map.of());
    String token = deployArtifact(node, "OceanToken", Map.of());
    String lockReward = deployArtifact(node, "LockRewardCondition", Map.of());
    String computeExecution = deployArtifact(node, "ComputeExecutionCondition", Map.of());
    String escrowReward = deployArtifact(node, "EscrowReward", Map.of());

    send(node, OWNER, didRegistry, "initialize", address(OWNER));
    send(node, OWNER, conditionStore, "initialize", address(OWNER));
    send(node, OWNER, templateStore, "initialize", address(OWNER));
    send(
        node,
        OWNER,
        agreementStore,
        "initialize",
        address(OWNER),
        address(conditionStore),
        address(templateStore),
        address(didRegistry));
    // only the agreement store may create conditions
    send(node, OWNER, conditionStore, "delegateCreateRole", address(agreementStore));
    // the owner becomes a minter through the cap; adding it again as the initial minter reverts
    send(node, OWNER, token, "initialize", address(OWNER), address(PUBLISHER));
    send(
        node,
        OWNER,
        lockReward,
        "initialize",
        address(OWNER),
        address(conditionStore),
        address(token));
    send(
        node,
        OWNER,
        computeExecution,
        "initialize",
        address(OWNER),
        address(conditionStore),
        address(agreementStore));
    send(
        node,
        OWNER,
        escrowReward,
        "initialize",
        address(OWNER),
        address(conditionStore),
        address(token));
    send(node, OWNER, templateStore, "registerTemplateActorType", new Utf8String("consumer"));
    send(node, OWNER, templateStore, "registerTemplateActorType", new Utf8String("provider"));

    Map<String, String> addresses =
        Map.of(
            "DIDRegistry", didRegistry,
            "ConditionStoreManager", conditionStore,
            "TemplateStoreManager", templateStore,
            "AgreementStoreManager", agreementStore,
            "OceanToken", token,
            "LockRewardCondition", lockReward,
            "ComputeExecutionCondition", computeExecution,
            "EscrowReward", escrowReward);
    KeeperChain chain = new KeeperChain(node, addresses, "");
    String templateId = chain.newComputeTemplate(chain.templateStore, true);
    return new KeeperChain(node, addresses, templateId);
  }

  /**
   * Deploys another EscrowComputeExecutionTemplate and proposes it in {@code store} (and approves
   * it there if {@code approve}); returns its template id.
   */
  String newComputeTemplate(String store, boolean approve)
      throws IOException, InterruptedException {
    String template = deployArtifact(node, "EscrowComputeExecutionTemplate", Map.of());
    send(
        node,
        OWNER,
        template,
        "initialize",
        address(OWNER),
        address(agreementStore),
        address(didRegistry),
        address(computeExecution),
        address(lockReward),
        address(escrowReward));
    Bytes32 consumerType = actorType(store, "consumer");
    Bytes32 providerType = actorType(store, "provider");
    // the contract's address-taking overload ids the template as keccak256(address)
    send(
        node,
        OWNER,
        store,
        "proposeTemplate",
        address(template),
        new DynamicArray<>(
            Address.class,
            List.of(address(computeExecution), address(lockReward), address(escrowReward))),
        new DynamicArray<>(Bytes32.class, List.of(consumerType, providerType)),
        new Utf8String("EscrowComputeExecutionTemplate"));
    String id = Hash.sha3(template);
    Function state =
        new Function(
            "getTemplate",
            List.of(bytes32(id)),
            List.of(new TypeReference<org.web3j.abi.datatypes.generated.Uint8>() {}));
    List<Type> proposed = call(store, state);
    if (((BigInteger) proposed.get(0).getValue()).intValue() != 1) {
      throw new IOException("template " + id + " of " + template + " is not proposed: " + proposed);
    }
    if (approve) {
      send(node, OWNER, store, "approveTemplate", bytes32(id));
    }
    return id;
  }

  /** A fresh TemplateStoreManager with the actor types registered and nothing approved. */
  String newTemplateStore() throws IOException, InterruptedException {
    String store = deployArtifact(node, "TemplateStoreManager", Map.of());
    send(node, OWNER, store, "initialize", address(OWNER));
    send(node, OWNER, store, "registerTemplateActorType", new Utf8String("consumer"));
    send(node, OWNER, store, "registerTemplateActorType", new Utf8String("provider"));
    return store;
  }

  /** Revokes {@code template} in the chain's template store. */
  void revokeTemplate(String template) throws IOException, InterruptedException {
    send(node, OWNER, templateStore, "revokeTemplate", bytes32(template));
  }

  /** Registers a new DID, published by {@link #PUBLISHER} and served by {@code providers}. */
  public Did registerDid(String... providers) throws IOException, InterruptedException {
    String id = String.format("%064x", ids.incrementAndGet());
    send(
        node,
        PUBLISHER,
        didRegistry,
        "registerAttribute",
        bytes32(id),
        bytes32(Hash.sha3("0x" + id)),
        new DynamicArray<>(
            Address.class, Arrays.stream(providers).map(KeeperChain::address).toList()),
        new Utf8String("https://publisher.invalid/ddo/" + id));
    return Did.of(id);
  }

  /** Removes {@code provider} from the providers of {@code did}. */
  void removeProvider(Did did, String provider) throws IOException, InterruptedException {
    send(node, PUBLISHER, didRegistry, "removeDIDProvider", bytes32(did.id()), address(provider));
  }

  /**
   * Creates an agreement on {@code did} for {@code consumer} with the approved template, the
   * compute-execution condition timing out after {@code computeTimeOut} blocks (0: never).
   */
  public Agreement createAgreement(Did did, String consumer, long computeTimeOut)
      throws IOException, InterruptedException {
    return createAgreement(templateId, did, consumer, computeTimeOut);
  }

  /** Creates an agreement with {@code template}. */
  Agreement createAgreement(String template, Did did, String consumer, long computeTimeOut)
      throws IOException, InterruptedException {
    String id = String.format("0x%064x", ids.incrementAndGet());
    Bytes32 agreementId = bytes32(id);
    Bytes32 didBytes = bytes32(did.id());
    Bytes32 lockId =
        bytes32(
            view(
                lockReward,
                "generateId",
                agreementId,
                bytes32(view(lockReward, "hashValues", address(escrowReward), uint(PRICE)))));
    Bytes32 computeId =
        bytes32(
            view(
                computeExecution,
                "generateId",
                agreementId,
                bytes32(view(computeExecution, "hashValues", didBytes, address(consumer)))));
    Bytes32 escrowId =
        bytes32(
            view(
                escrowReward,
                "generateId",
                agreementId,
                bytes32(
                    view(
                        escrowReward,
                        "hashValues",
                        uint(PRICE),
                        address(PROVIDER),
                        address(consumer),
                        lockId,
                        computeId))));
    send(
        node,
        consumer,
        agreementStore,
        "createAgreement",
        agreementId,
        didBytes,
        bytes32(template),
        new DynamicArray<>(Bytes32.class, List.of(computeId, lockId, escrowId)),
        new DynamicArray<>(Uint256.class, List.of(uint(0), uint(0), uint(0))),
        new DynamicArray<>(Uint256.class, List.of(uint(computeTimeOut), uint(0), uint(0))),
        new DynamicArray<>(Address.class, List.of(address(consumer), address(PROVIDER))));
    return new Agreement(
        id,
        did,
        consumer,
        Numeric.toHexString(lockId.getValue()),
        Numeric.toHexString(computeId.getValue()));
  }

  /** The consumer mints, approves and locks the price into the escrow. */
  public void lockReward(Agreement agreement) throws IOException, InterruptedException {
    send(node, OWNER, token, "mint", address(agreement.consumer()), uint(PRICE));
    send(node, agreement.consumer(), token, "approve", address(lockReward), uint(PRICE));
    send(
        node,
        agreement.consumer(),
        lockReward,
        "fulfill",
        bytes32(agreement.id()),
        address(escrowReward),
        uint(PRICE));
  }

  /** The provider grants the compute (fulfils the compute-execution condition). */
  void fulfilCompute(Agreement agreement) throws IOException, InterruptedException {
    send(
        node,
        PROVIDER,
        computeExecution,
        "fulfill",
        bytes32(agreement.id()),
        bytes32(agreement.did().id()),
        address(agreement.consumer()));
  }

  /** Anyone aborts the compute-execution condition once it has timed out. */
  void abortCompute(Agreement agreement) throws IOException, InterruptedException {
    send(
        node,
        agreement.consumer(),
        computeExecution,
        "abortByTimeOut",
        bytes32(agreement.computeCondition()));
  }

  /** The state of a condition: 0 uninitialised, 1 unfulfilled, 2 fulfilled, 3 aborted. */
  int conditionState(String conditionId) throws IOException, InterruptedException {
    Function function =
        new Function(
            "getConditionState",
            List.of(bytes32(conditionId)),
            List.of(new TypeReference<org.web3j.abi.datatypes.generated.Uint8>() {}));
    return ((BigInteger) call(conditionStore, function).get(0).getValue()).intValue();
  }

  /**
   * A verifier builder on this chain's contracts, trusting {@code templateStore}, with {@code
   * chain}'s settings.
   */
  AgreementVerifier.Builder verifier(ChainSettings chain, String templateStore) {
    return AgreementVerifier.builder(chain)
        .agreementStore(EthAddress.of(agreementStore))
        .conditionStore(EthAddress.of(conditionStore))
        .templateStore(EthAddress.of(templateStore))
        .didRegistry(EthAddress.of(didRegistry))
        .lockRewardCondition(EthAddress.of(lockReward))
        .computeExecutionCondition(EthAddress.of(computeExecution));
  }

  /** Settings for this chain's node, as {@code provider}, needing {@code confirmations}. */
  ChainSettings settings(String provider, int confirmations) {
    return ChainSettings.builder()
        .rpcUrl(node.rpc())
        .chainId(AnvilNode.CHAIN_ID)
        .confirmations(confirmations)
        .rpcTimeout(java.time.Duration.ofSeconds(5))
        .providerAddress(EthAddress.of(provider))
        .build();
  }

  /** The properties of the {@code keeper} provider for this chain. */
  public Map<String, String> properties() {
    return Map.of(
        "c2d.keeper.rpc-url", node.rpc().toString(),
        "c2d.keeper.chain-id", Long.toString(AnvilNode.CHAIN_ID),
        "c2d.keeper.provider-address", PROVIDER,
        "c2d.keeper.agreement-store", agreementStore,
        "c2d.keeper.condition-store", conditionStore,
        "c2d.keeper.template-store", templateStore,
        "c2d.keeper.did-registry", didRegistry,
        "c2d.keeper.lock-reward-condition", lockReward,
        "c2d.keeper.compute-execution-condition", computeExecution);
  }

  /** A Keeper agreement the chain created, with its conditions' ids. */
  public record Agreement(
      String id, Did did, String consumer, String lockCondition, String computeCondition) {
    EthAddress consumerAddress() {
      return EthAddress.of(consumer);
    }
  }

  private Bytes32 actorType(String store, String name) throws IOException, InterruptedException {
    return bytes32(view(store, "getTemplateActorTypeId", new Utf8String(name)));
  }

  /** Calls a view that returns one bytes32 and returns it as 0x hex. */
  private String view(String contract, String name, Type... inputs)
      throws IOException, InterruptedException {
    Function function =
        new Function(name, List.of(inputs), List.of(new TypeReference<Bytes32>() {}));
    return Numeric.toHexString((byte[]) call(contract, function).get(0).getValue());
  }

  private List<Type> call(String contract, Function function)
      throws IOException, InterruptedException {
    var request =
        JSON.createObjectNode().put("to", contract).put("data", FunctionEncoder.encode(function));
    return FunctionReturnDecoder.decode(
        node.call("eth_call", request, "latest").asText(), function.getOutputParameters());
  }

  private static void send(AnvilNode node, String from, String to, String name, Type... inputs)
      throws IOException, InterruptedException {
    JsonNode receipt =
        node.transact(
            from, to, FunctionEncoder.encode(new Function(name, List.of(inputs), List.of())));
    if (!"0x1".equals(receipt.path("status").asText())) {
      throw new IOException(name + " on " + to + " from " + from + " reverted: " + receipt);
    }
  }

  /**
   * Deploys an artifact, first writing each library's address over its link placeholder ({@code
   * __Name} padded with underscores to the 40 hex digits of an address).
   */
  private static String deployArtifact(AnvilNode node, String name, Map<String, String> libraries)
      throws IOException, InterruptedException {
    JsonNode artifact = JSON.readTree(ARTIFACTS.resolve(name + ".development.json").toFile());
    String bytecode = artifact.path("bytecode").asText();
    for (Map.Entry<String, String> library : libraries.entrySet()) {
      StringBuilder placeholder = new StringBuilder("__").append(library.getKey());
      while (placeholder.length() < PLACEHOLDER_LENGTH) {
        placeholder.append('_');
      }
      if (!bytecode.contains(placeholder)) {
        throw new IOException(name + " has no placeholder " + placeholder);
      }
      bytecode = bytecode.replace(placeholder, Numeric.cleanHexPrefix(library.getValue()));
    }
    if (bytecode.contains("__")) {
      throw new IOException(name + " has an unlinked library: " + bytecode.indexOf("__"));
    }
    JsonNode receipt = node.transact(OWNER, null, bytecode);
    if (!"0x1".equals(receipt.path("status").asText())) {
      throw new IOException("deploying " + name + " reverted: " + receipt);
    }
    return receipt.path("contractAddress").asText();
  }

  static Address address(String value) {
    return new Address(value);
  }

  static Bytes32 bytes32(String hex) {
    return new Bytes32(Numeric.hexStringToByteArray(hex));
  }

  static Uint256 uint(long value) {
    return new Uint256(value);
  }

  static Uint256 uint(BigInteger value) {
    return new Uint256(value);
  }
}
