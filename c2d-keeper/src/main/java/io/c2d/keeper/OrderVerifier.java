package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.spi.agreement.AgreementQuery;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.Verdict;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthGetTransactionReceipt;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * The Ocean v4 {@link ServiceAgreementVerifier}: the consumer is entitled when the order
 * transaction named in the query ({@link AgreementQuery#orderTx()}) is a successful {@code
 * startOrder} on the asset's datatoken (Ocean's ERC20Template) that
 *
 * <ol>
 *   <li>is on the asset's datatoken: the datatoken's data NFT ({@code getERC721Address()}) is the
 *       one the DID is derived from (SHA-256 of its checksummed address and the chain id, as Ocean
 *       derives DIDs), so a wrong directory entry cannot pass an order of another asset;
 *   <li>succeeded (receipt status 1) and has the configured number of {@link
 *       ChainSettings#confirmations() confirmations};
 *   <li>emitted {@code OrderStarted} from the service's datatoken, for the asking consumer (or for
 *       this provider and paid by the asking consumer, as ocean.js orders compute), for the
 *       service's index, paying at least one datatoken (10<sup>18</sup> wei);
 *   <li>is still within the service's timeout (measured on the chain's clock, from the order's
 *       timestamp to the latest block's; a timeout of 0 never expires);
 *   <li>in a paid environment ({@code !freeEnvironment}), emitted {@code ProviderFee} after that
 *       {@code OrderStarted} with this provider ({@link ChainSettings#providerAddress()}) as the
 *       fee address, and the fee's {@code validUntil}, unless 0, has not passed.
 * </ol>
 *
 * <p>The datatoken, index and timeout of a service come from a {@link ServiceDirectory}.
 *
 * <p>Verdicts: {@link Verdict#allow ALLOW} until the order (or the provider fee) expires, measured
 * as the time left on the chain's clock from now on the verifier's clock, and never longer than
 * {@link Builder#maxVerdictValidity} (one hour by default), so that even an order without timeout
 * is looked at again now and then. {@link Verdict#refuse REFUSE}, naming the rule, when a rule
 * fails or the query names no order, or a service this provider does not serve. {@link
 * Verdict#unknown UNKNOWN} when the chain is unreachable, too slow ({@link
 * ChainSettings#rpcTimeout()}), serves another chain id, has not (yet) mined the transaction, or
 * the transaction has too few confirmations: asking again later may allow.
 *
 * <p>One verification is one JSON-RPC round trip: the receipt, the latest block and the datatoken's
 * data NFT in one batch (with {@code eth_chainId} the first time). {@link #verify} never blocks its
 * caller and never completes exceptionally; a web3j pool thread waits for the answer, at most for
 * the RPC timeout.
 *
 * <p>Thread-safe. {@link #close()} releases the HTTP client.
 */
public final class OrderVerifier implements ServiceAgreementVerifier {
  /** The default of {@link Builder#maxVerdictValidity}. */
  public static final Duration DEFAULT_MAX_VERDICT_VALIDITY = Duration.ofHours(1);

  static final String ORDER_STARTED =
      Hash.sha3String("OrderStarted(address,address,uint256,uint256,uint256,address,uint256)");
  static final String PROVIDER_FEE =
      Hash.sha3String("ProviderFee(address,address,uint256,bytes,uint8,bytes32,bytes32,uint256)");
  private static final BigInteger ONE_DATATOKEN = BigInteger.TEN.pow(18);
  private static final Pattern TX_HASH = Pattern.compile("0x[0-9a-fA-F]{64}");
  private static final String GET_ERC721_ADDRESS =
      Hash.sha3String("getERC721Address()").substring(0, 10);

  private final ChainClient chain;
  private final ServiceDirectory services;
  private final EthAddress provider;
  private final Clock clock;
  private final Duration maxVerdictValidity;

  private OrderVerifier(Builder builder) {
    this.chain = ChainClient.create(builder.settings);
    this.services = builder.services;
    this.provider = builder.settings.providerAddress().orElseThrow();
    this.clock = builder.clock;
    this.maxVerdictValidity = builder.maxVerdictValidity;
  }

  /**
   * A builder of a verifier on the chain of {@code settings}, with the order terms of {@code
   * services}.
   *
   * @throws IllegalArgumentException if {@code settings} names no provider address
   */
  public static Builder builder(ChainSettings settings, ServiceDirectory services) {
    return new Builder(settings, services);
  }

  /** Same as {@code builder(settings, services).build()}. */
  public static OrderVerifier create(ChainSettings settings, ServiceDirectory services) {
    return builder(settings, services).build();
  }

  @Override
  public CompletionStage<Verdict> verify(AgreementQuery query) {
    requireNonNull(query, "query");
    String tx = query.orderTx();
    if (tx == null) {
      return CompletableFuture.completedFuture(
          Verdict.refuse("the request names no order transaction"));
    }
    if (!TX_HASH.matcher(tx).matches()) {
      return CompletableFuture.completedFuture(
          Verdict.refuse("the order transaction is not 0x and 64 hex digits"));
    }
    Optional<OrderedService> service;
    try {
      service = services.lookup(query.did(), query.serviceId());
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(
          Verdict.unknown("the service directory failed: " + e));
    }
    if (service.isEmpty()) {
      return CompletableFuture.completedFuture(
          Verdict.refuse(
              "service "
                  + query.serviceId()
                  + " of "
                  + query.did()
                  + " is not offered by this provider"));
    }
    return chain
        .batch(
            List.of(
                chain.receipt(tx),
                chain.latestBlock(),
                chain.call(
                    service.get().datatoken().value(),
                    GET_ERC721_ADDRESS,
                    DefaultBlockParameterName.LATEST)))
        .thenApply(responses -> judge(query, service.get(), responses))
        .exceptionally(ChainClient::unknown);
  }

  /** The HTTP round trips to the chain so far, for tests. */
  long roundTrips() {
    return chain.roundTrips();
  }

  private Verdict judge(AgreementQuery query, OrderedService service, List<Response<?>> responses) {
    String tx = requireNonNull(query.orderTx());
    Optional<TransactionReceipt> found =
        ((EthGetTransactionReceipt) responses.get(0)).getTransactionReceipt();
    EthBlock.@Nullable Block latest = ((EthBlock) responses.get(1)).getBlock();
    if (found.isEmpty()) {
      return Verdict.unknown("the order transaction " + tx + " is not in a block (yet)");
    }
    if (latest == null) {
      return Verdict.unknown("the chain has no latest block");
    }
    Verdict unbound = checkBinding(query, service, (EthCall) responses.get(2));
    if (unbound != null) {
      return unbound;
    }
    TransactionReceipt receipt = found.get();
    if (!"0x1".equals(receipt.getStatus())) {
      return Verdict.refuse(
          "the order transaction " + tx + " failed (status " + receipt.getStatus() + ")");
    }
    int required = chain.settings().confirmations();
    BigInteger confirmations =
        latest.getNumber().subtract(receipt.getBlockNumber()).add(BigInteger.ONE);
    if (confirmations.compareTo(BigInteger.valueOf(required)) < 0) {
      return Verdict.unknown(
          "the order transaction has "
              + confirmations.max(BigInteger.ZERO)
              + " of "
              + required
              + " confirmations");
    }

    List<Log> orders = new ArrayList<>();
    for (Log log : receipt.getLogs()) {
      if (isEvent(log, ORDER_STARTED, 2)) {
        orders.add(log);
      }
    }
    if (orders.isEmpty()) {
      return Verdict.refuse("the transaction " + tx + " is not a datatoken order");
    }
    String datatoken = service.datatoken().value();
    List<Log> ofAsset = new ArrayList<>();
    for (Log log : orders) {
      if (datatoken.equalsIgnoreCase(log.getAddress())) {
        ofAsset.add(log);
      }
    }
    if (ofAsset.isEmpty()) {
      return Verdict.refuse(
          "the order is for datatoken "
              + orders.get(0).getAddress()
              + ", not for "
              + datatoken
              + " of "
              + query.did());
    }
    List<Log> ofConsumer = new ArrayList<>();
    for (Log log : ofAsset) {
      String consumer = topicAddress(log, 1);
      if (query.consumer().value().equalsIgnoreCase(consumer)) {
        ofConsumer.add(log);
      } else if (provider.value().equalsIgnoreCase(consumer)
          && query.consumer().value().equalsIgnoreCase(wordAddress(log, 0))) {
        // ocean.js's paid compute flow orders for the environment's address (this provider) and
        // pays from the consumer's wallet, as ocean-node requires: the payer is the consumer
        ofConsumer.add(log);
      }
    }
    if (ofConsumer.isEmpty()) {
      return Verdict.refuse(
          "the order was placed for consumer "
              + topicAddress(ofAsset.get(0), 1)
              + ", not for "
              + query.consumer());
    }
    BigInteger index = BigInteger.valueOf(service.serviceIndex());
    Log order = null;
    for (Log log : ofConsumer) {
      if (word(log, 2).equals(index)) {
        order = log;
        break;
      }
    }
    if (order == null) {
      return Verdict.refuse(
          "the order is for service index "
              + word(ofConsumer.get(0), 2)
              + ", not for index "
              + index
              + " (service "
              + query.serviceId()
              + ")");
    }
    BigInteger amount = word(order, 1);
    if (amount.compareTo(ONE_DATATOKEN) < 0) {
      return Verdict.refuse("the order paid " + amount + " wei of datatoken, less than one token");
    }

    long chainNow = latest.getTimestamp().longValueExact();
    long orderTime = word(order, 3).longValueExact();
    // the instant (chain clock, seconds) after which the verdict no longer holds; MAX for ever
    long holdsUntil = Long.MAX_VALUE;
    if (!service.unlimited()) {
      long expiry = orderTime + service.timeout().toSeconds();
      if (chainNow > expiry) {
        return Verdict.refuse(
            "the order of "
                + Instant.ofEpochSecond(orderTime)
                + " expired at "
                + Instant.ofEpochSecond(expiry)
                + " (service timeout "
                + service.timeout()
                + ")");
      }
      holdsUntil = expiry;
    }

    if (!query.freeEnvironment()) {
      Log fee = providerFeeAfter(receipt.getLogs(), order);
      if (fee == null) {
        return Verdict.refuse("the order paid no provider fee");
      }
      String feeAddress = topicAddress(fee, 1);
      if (!provider.value().equalsIgnoreCase(feeAddress)) {
        return Verdict.refuse(
            "the provider fee was paid to " + feeAddress + ", not to this provider " + provider);
      }
      long feeValidUntil = word(fee, 5).min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
      if (feeValidUntil != 0) {
        if (chainNow > feeValidUntil) {
          return Verdict.refuse(
              "the provider fee was valid until " + Instant.ofEpochSecond(feeValidUntil));
        }
        holdsUntil = Math.min(holdsUntil, feeValidUntil);
      }
    }

    Instant now = clock.instant();
    Instant validUntil = now.plus(maxVerdictValidity);
    if (holdsUntil != Long.MAX_VALUE) {
      Instant left = now.plusSeconds(holdsUntil - chainNow);
      if (left.isBefore(validUntil)) {
        validUntil = left;
      }
    }
    return Verdict.allow(validUntil);
  }

  /**
   * Whether the service's datatoken belongs to the asset: its data NFT ({@code getERC721Address()})
   * must be the one the DID was derived from (Ocean: SHA-256 of the NFT's checksummed address and
   * the chain id), so that a wrong directory entry cannot let an order of another asset through.
   */
  private @Nullable Verdict checkBinding(
      AgreementQuery query, OrderedService service, EthCall answer) {
    String value = answer.getValue();
    if (answer.isReverted() || value == null || value.length() < 66) {
      return Verdict.refuse(
          "the service's datatoken " + service.datatoken() + " is not an Ocean datatoken");
    }
    String nft = "0x" + value.substring(value.length() - 40);
    String seed = Keys.toChecksumAddress(nft) + chain.settings().chainId();
    String did =
        Did.PREFIX
            + Numeric.toHexStringNoPrefix(Hash.sha256(seed.getBytes(StandardCharsets.UTF_8)));
    if (!did.equals(query.did().value())) {
      return Verdict.refuse(
          "the datatoken "
              + service.datatoken()
              + " belongs to data NFT "
              + nft
              + " ("
              + did
              + "), not to "
              + query.did());
    }
    return null;
  }

  /** The first ProviderFee its datatoken emitted after {@code order}, before its next order. */
  private static @Nullable Log providerFeeAfter(List<Log> logs, Log order) {
    for (int i = logs.indexOf(order) + 1; i < logs.size(); i++) {
      Log log = logs.get(i);
      if (!order.getAddress().equalsIgnoreCase(log.getAddress())) {
        continue;
      }
      if (isEvent(log, ORDER_STARTED, 2)) {
        return null;
      }
      if (isEvent(log, PROVIDER_FEE, 2)) {
        return log;
      }
    }
    return null;
  }

  private static boolean isEvent(Log log, String signature, int indexed) {
    List<String> topics = log.getTopics();
    return topics != null
        && topics.size() == indexed + 1
        && signature.equalsIgnoreCase(topics.get(0))
        && log.getData() != null;
  }

  private static String topicAddress(Log log, int topic) {
    String word = log.getTopics().get(topic);
    return "0x" + word.substring(word.length() - 40).toLowerCase(Locale.ROOT);
  }

  /** The address in the {@code n}th 32-byte word of the log's data, lower case. */
  private static String wordAddress(Log log, int n) {
    String hex = Numeric.toHexStringNoPrefixZeroPadded(word(log, n), 64);
    return "0x" + hex.substring(24);
  }

  /** The {@code n}th 32-byte word of the log's data, unsigned. */
  private static BigInteger word(Log log, int n) {
    byte[] data = Numeric.hexStringToByteArray(log.getData());
    if (data.length < 32 * (n + 1)) {
      throw new IllegalStateException("event data too short: " + data.length + " bytes");
    }
    return new BigInteger(1, Arrays.copyOfRange(data, 32 * n, 32 * (n + 1)));
  }

  /** Releases the HTTP client and web3j's threads; in-flight verifications end as unknown. */
  @Override
  public void close() {
    chain.close();
  }

  @Override
  public String toString() {
    return "OrderVerifier{" + chain.settings() + ", " + services + "}";
  }

  /** Builds an {@link OrderVerifier}. Not thread-safe. */
  public static final class Builder {
    private final ChainSettings settings;
    private final ServiceDirectory services;
    private Clock clock = Clock.systemUTC();
    private Duration maxVerdictValidity = DEFAULT_MAX_VERDICT_VALIDITY;

    private Builder(ChainSettings settings, ServiceDirectory services) {
      this.settings = requireNonNull(settings, "settings");
      this.services = requireNonNull(services, "services");
      if (settings.providerAddress().isEmpty()) {
        throw new IllegalArgumentException(
            "the chain settings name no provider address: provider fees are checked against it");
      }
    }

    /** The clock validUntil is measured on; default the system clock. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The longest an ALLOW stays valid, even for an order that never expires; default one hour.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxVerdictValidity(Duration maxVerdictValidity) {
      requireNonNull(maxVerdictValidity, "maxVerdictValidity");
      if (maxVerdictValidity.isZero() || maxVerdictValidity.isNegative()) {
        throw new IllegalArgumentException(
            "maxVerdictValidity must be positive but is " + maxVerdictValidity);
      }
      this.maxVerdictValidity = maxVerdictValidity;
      return this;
    }

    /** The verifier; does no I/O. */
    public OrderVerifier build() {
      return new OrderVerifier(this);
    }
  }
}
