package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import io.c2d.model.EthAddress;
import io.c2d.spi.agreement.AgreementQuery;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.Verdict;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.response.EthBlockNumber;
import org.web3j.protocol.core.methods.response.EthCall;

/**
 * A {@link ServiceAgreementVerifier} that checks an Ocean Keeper service agreement
 * (keeper-contracts 0.13, the {@code EscrowComputeExecutionTemplate} flow) on an EVM chain.
 *
 * <p>A consumer is entitled, and gets {@link Verdict#allowOnce()}, when all of these hold on chain:
 *
 * <ol>
 *   <li>the agreement {@link AgreementQuery#agreementId()} exists in the agreement store;
 *   <li>its template is approved in the configured template store (a revoked template entitles no
 *       one, even for agreements made while it was approved);
 *   <li>it is an agreement on the requested DID, and this provider is a provider of that DID in the
 *       DID registry;
 *   <li>its compute-execution condition is the one for this consumer and this DID (its id binds
 *       both);
 *   <li>no condition of the agreement is aborted, and none is unfulfilled past its time out;
 *   <li>its lock-reward condition is fulfilled (the consumer paid into escrow);
 *   <li>its compute-execution condition is fulfilled, or, in the fulfilling mode ({@link
 *       Builder#fulfilComputeExecution}), this verifier fulfils it itself as the provider, as
 *       Ocean's provider did, and then checks again;
 *   <li>the agreement, the template, the lock and the grant each have the configured {@link
 *       ChainSettings#confirmations() confirmations}.
 * </ol>
 *
 * <p>Each broken rule gives {@link Verdict#refuse} with its own reason. An unreachable chain, an
 * RPC timeout, an RPC error, the wrong chain id, or state with too few confirmations give {@link
 * Verdict#unknown}, never allow; the returned stage never fails. A missing or malformed agreement
 * id is refused without a call.
 *
 * <p>Allow verdicts are {@linkplain Verdict#allowOnce() for one request}: the Keeper's time outs
 * count blocks, not time, and a fulfilled condition never expires on chain, so nothing on chain
 * bounds how long the answer stays true, while a template revocation or a provider leaving the DID
 * would change it at any block. Asking again costs two JSON-RPC round trips (each a batch of calls
 * pinned to one block: the agreement and the DID registry first, then the template and the
 * conditions); the first verification adds the chain-id check to the first batch.
 *
 * <p>Thread-safe; {@link #verify} never blocks on the network. {@link #close()} releases the HTTP
 * client's threads and connections.
 */
public final class AgreementVerifier implements ServiceAgreementVerifier {
  private final ChainClient client;
  private final String agreementStore;
  private final String conditionStore;
  private final String templateStore;
  private final String didRegistry;
  private final String lockRewardCondition;
  private final String computeExecutionCondition;
  private final String provider;
  private final @Nullable ComputeFulfiller fulfiller;

  private AgreementVerifier(Builder builder, ChainClient client, String provider) {
    this.client = client;
    this.agreementStore = value(builder.agreementStore, "agreementStore");
    this.conditionStore = value(builder.conditionStore, "conditionStore");
    this.templateStore = value(builder.templateStore, "templateStore");
    this.didRegistry = value(builder.didRegistry, "didRegistry");
    this.lockRewardCondition = value(builder.lockRewardCondition, "lockRewardCondition");
    this.computeExecutionCondition =
        value(builder.computeExecutionCondition, "computeExecutionCondition");
    this.provider = provider;
    this.fulfiller =
        builder.providerKey == null
            ? null
            : new ComputeFulfiller(
                client, builder.providerKey, computeExecutionCondition, builder.fulfilTimeout);
  }

  /**
   * A builder for a verifier on {@code chain}. Every contract address is required; so is a provider
   * address, from {@link ChainSettings#providerAddress()} or from the fulfilling key.
   */
  public static Builder builder(ChainSettings chain) {
    return new Builder(requireNonNull(chain, "chain"));
  }

  @Override
  public CompletionStage<Verdict> verify(AgreementQuery query) {
    requireNonNull(query, "query");
    String agreementId = query.agreementId();
    if (agreementId == null) {
      return CompletableFuture.completedFuture(
          Verdict.refuse("the request names no Keeper service agreement"));
    }
    String id = agreementId.toLowerCase(Locale.ROOT);
    if (!KeeperAbi.isBytes32(id)) {
      return CompletableFuture.completedFuture(
          Verdict.refuse("the agreement id must be 0x and 64 hex digits"));
    }
    try {
      return check(id, query, fulfiller != null).exceptionally(ChainClient::unknown);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(ChainClient.unknown(e));
    }
  }

  /** JSON-RPC round trips so far (a batch is one), for tests and metrics. */
  long roundTrips() {
    return client.roundTrips();
  }

  @Override
  public void close() {
    client.close();
  }

  private CompletableFuture<Verdict> check(String id, AgreementQuery query, boolean mayFulfil) {
    String did = "0x" + query.did().id();
    String consumer = query.consumer().value();
    String computeId =
        KeeperAbi.computeExecutionConditionId(id, computeExecutionCondition, did, consumer);
    return client
        .batch(
            List.of(
                client.blockNumber(),
                client.call(
                    agreementStore, KeeperAbi.getAgreement(id), DefaultBlockParameterName.LATEST),
                client.call(
                    didRegistry,
                    KeeperAbi.isDidProvider(did, provider),
                    DefaultBlockParameterName.LATEST)))
        .thenCompose(
            first -> {
              long block = ((EthBlockNumber) first.get(0)).getBlockNumber().longValueExact();
              KeeperAbi.Agreement agreement = KeeperAbi.decodeAgreement(result(first.get(1)), id);
              if (!agreement.exists()) {
                return CompletableFuture.completedFuture(
                    Verdict.refuse(
                        "agreement "
                            + id
                            + " does not exist in agreement store "
                            + agreementStore));
              }
              boolean serves = KeeperAbi.decodeBool(result(first.get(2)));
              // the second batch reads the block the first one saw, so that one decision sees one
              // state of the chain
              DefaultBlockParameter at = DefaultBlockParameter.valueOf(BigInteger.valueOf(block));
              List<Request<?, ? extends Response<?>>> second = new ArrayList<>();
              second.add(
                  client.call(templateStore, KeeperAbi.getTemplate(agreement.templateId()), at));
              for (String condition : agreement.conditionIds()) {
                second.add(client.call(conditionStore, KeeperAbi.getCondition(condition), at));
                second.add(
                    client.call(conditionStore, KeeperAbi.isConditionTimedOut(condition), at));
              }
              return client
                  .batch(second)
                  .thenCompose(
                      answers -> {
                        KeeperAbi.Template template =
                            KeeperAbi.decodeTemplate(
                                result(answers.get(0)), agreement.templateId());
                        List<KeeperAbi.Condition> conditions = new ArrayList<>();
                        for (int i = 0; i < agreement.conditionIds().size(); i++) {
                          String condition = agreement.conditionIds().get(i);
                          boolean timedOut = KeeperAbi.decodeBool(result(answers.get(2 + 2 * i)));
                          conditions.add(
                              KeeperAbi.decodeCondition(
                                  result(answers.get(1 + 2 * i)), condition, timedOut));
                        }
                        return decide(
                            new State(
                                id,
                                query,
                                did,
                                consumer,
                                computeId,
                                block,
                                agreement,
                                template,
                                serves,
                                conditions),
                            mayFulfil);
                      });
            });
  }

  private CompletableFuture<Verdict> decide(State state, boolean mayFulfil) {
    String id = state.id();
    if (state.template().state() != KeeperAbi.TEMPLATE_APPROVED) {
      return refuse(
          "agreement "
              + id
              + " uses template "
              + state.agreement().templateId()
              + ", which is "
              + state.template().stateName()
              + ", not approved, in template store "
              + templateStore);
    }
    if (!state.agreement().did().equals(state.did())) {
      return refuse(
          "agreement "
              + id
              + " is on asset did:op:"
              + state.agreement().did().substring(2)
              + ", not on "
              + state.query().did().value());
    }
    if (!state.serves()) {
      return refuse(
          "this provider ("
              + provider
              + ") is not a provider of "
              + state.query().did().value()
              + " in DID registry "
              + didRegistry);
    }
    if (!state.agreement().conditionIds().contains(state.computeId())) {
      return refuse(
          "agreement "
              + id
              + " grants compute on "
              + state.query().did().value()
              + " to another consumer than "
              + state.consumer());
    }
    KeeperAbi.Condition lock = null;
    KeeperAbi.Condition compute = null;
    for (KeeperAbi.Condition condition : state.conditions()) {
      if (condition.id().equals(state.computeId())) {
        compute = condition;
      } else if (condition.typeRef().equals(lockRewardCondition) && lock == null) {
        lock = condition;
      }
    }
    if (lock == null || compute == null) {
      return refuse(
          "agreement "
              + id
              + " has no "
              + (lock == null ? "lock-reward condition of " + lockRewardCondition : "")
              + (lock == null && compute == null ? " and no " : "")
              + (compute == null
                  ? "compute-execution condition of " + computeExecutionCondition
                  : ""));
    }
    for (KeeperAbi.Condition condition : state.conditions()) {
      if (condition.state() == KeeperAbi.CONDITION_ABORTED) {
        return refuse("the " + name(condition) + " condition of agreement " + id + " was aborted");
      }
      if (condition.state() == KeeperAbi.CONDITION_UNFULFILLED && condition.timedOut()) {
        return refuse(
            "the "
                + name(condition)
                + " condition of agreement "
                + id
                + " timed out unfulfilled after block "
                + (condition.blockNumber() + condition.timeOut()));
      }
    }
    if (lock.state() != KeeperAbi.CONDITION_FULFILLED) {
      return refuse(
          "the reward of agreement " + id + " is not locked: its lock-reward condition is open");
    }
    Verdict unconfirmed =
        unconfirmed(
            state,
            new String[] {"agreement", "template", "reward lock"},
            new long[] {
              state.agreement().blockNumberUpdated(),
              state.template().blockNumberUpdated(),
              lock.blockNumberUpdated()
            });
    if (unconfirmed != null) {
      return CompletableFuture.completedFuture(unconfirmed);
    }
    if (compute.state() != KeeperAbi.CONDITION_FULFILLED) {
      ComputeFulfiller granting = fulfiller;
      if (mayFulfil && granting != null) {
        return granting
            .fulfil(id, state.did(), state.consumer())
            .thenCompose(v -> check(id, state.query(), false));
      }
      return refuse(
          "compute on agreement "
              + id
              + " has not been granted: its compute-execution condition is open");
    }
    Verdict grantUnconfirmed =
        unconfirmed(
            state, new String[] {"compute grant"}, new long[] {compute.blockNumberUpdated()});
    if (grantUnconfirmed != null) {
      return CompletableFuture.completedFuture(grantUnconfirmed);
    }
    return CompletableFuture.completedFuture(Verdict.allowOnce());
  }

  private @Nullable Verdict unconfirmed(State state, String[] what, long[] updatedAt) {
    int needed = client.settings().confirmations();
    for (int i = 0; i < what.length; i++) {
      long confirmations = state.block() - updatedAt[i] + 1;
      if (confirmations < needed) {
        return Verdict.unknown(
            "the "
                + what[i]
                + " of agreement "
                + state.id()
                + " has "
                + confirmations
                + " of the "
                + needed
                + " confirmations required");
      }
    }
    return null;
  }

  private String name(KeeperAbi.Condition condition) {
    if (condition.typeRef().equals(lockRewardCondition)) {
      return "lock-reward";
    }
    if (condition.typeRef().equals(computeExecutionCondition)) {
      return "compute-execution";
    }
    return condition.typeRef();
  }

  private static CompletableFuture<Verdict> refuse(String reason) {
    return CompletableFuture.completedFuture(Verdict.refuse(reason));
  }

  private static String result(Response<?> response) {
    return ((EthCall) response).getValue();
  }

  private static String value(@Nullable EthAddress address, String name) {
    if (address == null) {
      throw new IllegalStateException(name + " is required");
    }
    return address.value();
  }

  /** What one verification read from the chain. */
  private record State(
      String id,
      AgreementQuery query,
      String did,
      String consumer,
      String computeId,
      long block,
      KeeperAbi.Agreement agreement,
      KeeperAbi.Template template,
      boolean serves,
      List<KeeperAbi.Condition> conditions) {}

  /** Builds an {@link AgreementVerifier}. Not thread-safe. Every contract address is required. */
  public static final class Builder {
    /** Default limit for a fulfilment to be mined and confirmed. */
    public static final Duration DEFAULT_FULFIL_TIMEOUT = Duration.ofMinutes(2);

    private final ChainSettings chain;
    private @Nullable EthAddress agreementStore;
    private @Nullable EthAddress conditionStore;
    private @Nullable EthAddress templateStore;
    private @Nullable EthAddress didRegistry;
    private @Nullable EthAddress lockRewardCondition;
    private @Nullable EthAddress computeExecutionCondition;
    private @Nullable Credentials providerKey;
    private Duration fulfilTimeout = DEFAULT_FULFIL_TIMEOUT;

    private Builder(ChainSettings chain) {
      this.chain = chain;
    }

    /** The {@code AgreementStoreManager} contract. */
    public Builder agreementStore(EthAddress address) {
      this.agreementStore = requireNonNull(address, "agreementStore");
      return this;
    }

    /** The {@code ConditionStoreManager} contract. */
    public Builder conditionStore(EthAddress address) {
      this.conditionStore = requireNonNull(address, "conditionStore");
      return this;
    }

    /** The {@code TemplateStoreManager} contract whose approvals this provider trusts. */
    public Builder templateStore(EthAddress address) {
      this.templateStore = requireNonNull(address, "templateStore");
      return this;
    }

    /** The {@code DIDRegistry} contract. */
    public Builder didRegistry(EthAddress address) {
      this.didRegistry = requireNonNull(address, "didRegistry");
      return this;
    }

    /** The {@code LockRewardCondition} contract. */
    public Builder lockRewardCondition(EthAddress address) {
      this.lockRewardCondition = requireNonNull(address, "lockRewardCondition");
      return this;
    }

    /** The {@code ComputeExecutionCondition} contract. */
    public Builder computeExecutionCondition(EthAddress address) {
      this.computeExecutionCondition = requireNonNull(address, "computeExecutionCondition");
      return this;
    }

    /**
     * Turns on the fulfilling mode: an open compute-execution condition of an otherwise valid, paid
     * agreement is fulfilled by this verifier, with a transaction signed by {@code
     * providerPrivateKey} (0x and 64 hex digits; its account must be a provider of the DID and hold
     * gas), before it allows. Off by default.
     *
     * @throws IllegalArgumentException if the key is malformed
     * @throws IllegalStateException if a key was set already
     */
    public Builder fulfilComputeExecution(String providerPrivateKey) {
      requireNonNull(providerPrivateKey, "providerPrivateKey");
      if (providerKey != null) {
        throw new IllegalStateException("the fulfilling key is set already");
      }
      if (!KeeperAbi.isBytes32(providerPrivateKey.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("providerPrivateKey must be 0x and 64 hex digits");
      }
      this.providerKey = Credentials.create(providerPrivateKey);
      return this;
    }

    /**
     * How long a fulfilment may take to be mined and confirmed before the verdict is unknown;
     * default 2 minutes.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder fulfilTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("fulfilTimeout must be positive but is " + timeout);
      }
      this.fulfilTimeout = timeout;
      return this;
    }

    /**
     * Builds the verifier; does no I/O.
     *
     * @throws IllegalStateException if a contract address is missing, no provider address is known,
     *     or the fulfilling key is not the configured provider's
     */
    public AgreementVerifier build() {
      Credentials key = providerKey;
      EthAddress configured = chain.providerAddress().orElse(null);
      EthAddress provider;
      if (key != null) {
        EthAddress signer = EthAddress.of(key.getAddress());
        if (configured != null && !configured.equals(signer)) {
          throw new IllegalStateException(
              "the fulfilling key is the key of "
                  + signer.value()
                  + ", not of the provider address "
                  + configured.value());
        }
        provider = signer;
      } else if (configured != null) {
        provider = configured;
      } else {
        throw new IllegalStateException(
            "a provider address is required (ChainSettings.providerAddress or a fulfilling key)");
      }
      value(agreementStore, "agreementStore");
      value(conditionStore, "conditionStore");
      value(templateStore, "templateStore");
      value(didRegistry, "didRegistry");
      value(lockRewardCondition, "lockRewardCondition");
      value(computeExecutionCondition, "computeExecutionCondition");
      return new AgreementVerifier(this, ChainClient.create(chain), provider.value());
    }
  }
}
