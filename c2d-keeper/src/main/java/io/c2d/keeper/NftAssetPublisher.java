package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import io.c2d.ErrorCode;
import io.c2d.UnavailableException;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.ocean.OceanJson;
import io.c2d.spi.publish.DerivedAsset;
import io.c2d.spi.publish.DerivedAssetPublisher;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthGetCode;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * The Ocean v4 {@link DerivedAssetPublisher}: a completed job's outputs become a data NFT created
 * through Ocean's {@code ERC721Factory} (contracts 2.x), whose metadata is the derived DDO of
 * {@link OceanJson#writeDerivedDdo}.
 *
 * <p>Publishing takes up to three transactions, all signed with the publisher key (an account of
 * the provider's, which pays the gas):
 *
 * <ol>
 *   <li>{@code ERC721Factory.deployERC721Contract}: the NFT is minted to the job's owner, who is
 *       its owner and manager from the start (no transfer is needed, and a transfer would clear the
 *       NFT's roles); the publisher key is its only additional metadata updater. Its name is the
 *       asset's name, its symbol {@code C2D-} and the job id's first eight digits, and its token
 *       URI {@code urn:c2d:job:<job id>}, which is how the asset of a job is found again;
 *   <li>{@code setMetaData} on the NFT: state 0 (active), flags {@code 0x00} (the data is the plain
 *       JSON bytes of the DDO, neither compressed nor encrypted), metadata hash the SHA-256 of
 *       those bytes, no decryptor and no validator proofs. The DDO's {@code id} is the NFT's DID by
 *       Ocean's v4 rule: {@code did:op:} and the SHA-256 of the checksummed NFT address followed by
 *       the chain id in decimal;
 *   <li>{@code removeFromMetadataList}: the publisher key gives its metadata role up, so that the
 *       job's owner alone controls the asset. A failure here is logged, not reported: the asset is
 *       published.
 * </ol>
 *
 * <p><b>Idempotence.</b> Before it creates anything, the publisher looks for the job's NFT: the
 * factory's {@code NFTCreated} logs whose admin is the job's owner and whose creator is the
 * publisher key (both indexed topics, so the node filters them), from {@link
 * Builder#searchFromBlock} to the latest block, matched by the token URI. A job whose NFT exists
 * resumes at the first step not yet done ({@code hasMetaData}, {@code getPermissions} by {@code
 * eth_call}), so publishing again, after a restart or concurrently, answers the same DID and
 * creates no second NFT. Publications run one at a time per publisher (one nonce sequence), and a
 * second call for a job under way joins the first. Not covered: a creation transaction that was
 * sent but not yet mined when the process died, and is mined after the restart's look-up.
 *
 * <p>Waiting for receipts is bounded by {@link Builder#publishTimeout} per publication (by default
 * twelve times the RPC timeout); each JSON-RPC call by the RPC timeout. A failed publication
 * completes the stage with an {@link UnavailableException} ({@link ErrorCode#BACKEND_FAILURE})
 * naming the job, the step and the chain's reason: a call the node would revert (its reason is
 * quoted), a reverted transaction, an unfunded key, no contract at the factory address, an
 * unreachable or slow chain or a wrong chain id.
 *
 * <p>Thread-safe; {@link #publish} never blocks its caller. {@link #close()} releases the HTTP
 * client.
 */
public final class NftAssetPublisher implements DerivedAssetPublisher {
  /** The token-URI prefix that marks a job's NFT; the job id follows. */
  public static final String TOKEN_URI_PREFIX = "urn:c2d:job:";

  private static final Logger log = LoggerFactory.getLogger(NftAssetPublisher.class);
  static final String NFT_CREATED =
      Hash.sha3String("NFTCreated(address,address,string,address,string,string,bool,address)");
  // web3j derives a selector from the Java types of the inputs, which it cannot do for an empty
  // array of structs: the signature is spelled out instead
  private static final String SET_METADATA_SELECTOR =
      Hash.sha3String(
              "setMetaData(uint8,string,string,bytes,bytes,bytes32,(address,uint8,bytes32,bytes32)[])")
          .substring(0, 10);
  private static final byte[] PLAIN_JSON_FLAGS = {0};

  private final ChainClient client;
  private final TransactionSender sender;
  private final String factory;
  private final long templateIndex;
  private final long searchFromBlock;
  private final Publications publications;

  private NftAssetPublisher(Builder builder) {
    this.client = ChainClient.create(builder.settings);
    this.sender = new TransactionSender(client, requireNonNull(builder.credentials));
    this.factory = builder.factory.value();
    this.templateIndex = builder.templateIndex;
    this.publications =
        new Publications(
            sender,
            builder.publishTimeout != null
                ? builder.publishTimeout
                : builder.settings.rpcTimeout().multipliedBy(12),
            job -> "publishing job " + job + " as a data NFT through the ERC721Factory " + factory);
    this.searchFromBlock = builder.searchFromBlock;
  }

  /**
   * A builder of a publisher on the chain of {@code settings} that creates NFTs through the
   * ERC721Factory at {@code factory}; {@link Builder#publisherKey} is required.
   */
  public static Builder builder(ChainSettings settings, EthAddress factory) {
    return new Builder(settings, factory);
  }

  /** The DID Ocean v4 gives the data NFT at {@code nft} on chain {@code chainId}. */
  public static Did didOf(EthAddress nft, long chainId) {
    String seed = Keys.toChecksumAddress(nft.value()) + chainId;
    return Did.of(Numeric.toHexStringNoPrefix(Hash.sha256(seed.getBytes(StandardCharsets.UTF_8))));
  }

  /** The account that signs and pays for the publications. */
  public EthAddress publisherAddress() {
    return EthAddress.of(sender.address());
  }

  @Override
  public CompletionStage<Did> publish(DerivedAsset asset) {
    return publications.publish(asset, this::run);
  }

  private CompletableFuture<Did> run(DerivedAsset asset, long deadline) {
    String tokenUri = TOKEN_URI_PREFIX + asset.jobId().value();
    EthFilter created =
        new EthFilter(
                DefaultBlockParameter.valueOf(BigInteger.valueOf(searchFromBlock)),
                DefaultBlockParameterName.LATEST,
                factory)
            .addSingleTopic(NFT_CREATED)
            .addNullTopic()
            .addSingleTopic(topic(asset.owner().value()))
            .addSingleTopic(topic(sender.address()));
    return client
        .batch(List.of(client.code(factory), client.logs(created)))
        .thenCompose(
            answers -> {
              String code = ((EthGetCode) answers.get(0)).getCode();
              if (code == null || Numeric.hexStringToByteArray(code).length == 0) {
                throw new ChainUnavailableException(
                    "there is no contract at the ERC721Factory address " + factory, null);
              }
              Optional<String> existing = findNft((EthLog) answers.get(1), tokenUri);
              if (existing.isPresent()) {
                log.debug("job {} already has data NFT {}", asset.jobId(), existing.get());
                return CompletableFuture.completedFuture(existing.get());
              }
              return sender
                  .send(
                      factory,
                      deployNft(asset, tokenUri),
                      "ERC721Factory.deployERC721Contract",
                      deadline)
                  .thenApply(receipt -> createdNft(receipt, tokenUri));
            })
        .thenCompose(nft -> completeMetadata(asset, nft, deadline));
  }

  private CompletableFuture<Did> completeMetadata(DerivedAsset asset, String nft, long deadline) {
    Did did = didOf(EthAddress.of(nft), client.settings().chainId());
    byte[] ddo =
        OceanJson.writeDerivedDdo(asset, did, client.settings().chainId())
            .getBytes(StandardCharsets.UTF_8);
    return client
        .batch(
            List.of(
                client.call(nft, encode("hasMetaData"), DefaultBlockParameterName.LATEST),
                client.call(
                    nft,
                    encode("getPermissions", new Address(sender.address())),
                    DefaultBlockParameterName.LATEST)))
        .thenCompose(
            answers -> {
              boolean hasMetadata = decodeBools(answers.get(0), 1).get(0);
              boolean mayUpdate = decodeBools(answers.get(1), 4).get(2);
              CompletableFuture<?> metadata =
                  hasMetadata
                      ? CompletableFuture.completedFuture(null)
                      : sender.send(
                          nft, setMetaData(ddo), "setMetaData on data NFT " + nft, deadline);
              if (!mayUpdate && hasMetadata) {
                return CompletableFuture.completedFuture(did);
              }
              return metadata.thenCompose(v -> renounceRole(nft, deadline)).thenApply(v -> did);
            });
  }

  private CompletableFuture<@Nullable Void> renounceRole(String nft, long deadline) {
    return sender
        .send(
            nft,
            encode("removeFromMetadataList", new Address(sender.address())),
            "removeFromMetadataList on data NFT " + nft,
            deadline)
        .<@Nullable Void>thenApply(receipt -> null)
        .exceptionally(
            failure -> {
              log.warn(
                  "data NFT {} is published, but the publisher key keeps its metadata role: {}",
                  nft,
                  ChainClient.reasonOf(failure));
              return null;
            });
  }

  private String deployNft(DerivedAsset asset, String tokenUri) {
    return encode(
        "deployERC721Contract",
        new Utf8String(asset.name()),
        new Utf8String("C2D-" + asset.jobId().value().substring(0, 8).toUpperCase(Locale.ROOT)),
        new Uint256(templateIndex),
        Address.DEFAULT,
        new Address(sender.address()),
        new Utf8String(tokenUri),
        new Bool(true),
        new Address(asset.owner().value()));
  }

  /** The call data of {@code setMetaData}, with no validator proofs. */
  static String setMetaData(byte[] ddo) {
    @SuppressWarnings("rawtypes")
    List<Type> params =
        List.of(
            new Uint8(0),
            new Utf8String(""),
            new Utf8String(""),
            new DynamicBytes(PLAIN_JSON_FLAGS),
            new DynamicBytes(ddo),
            new Bytes32(Hash.sha256(ddo)),
            // an empty dynamic array encodes as its length alone, whatever its element type
            new DynamicArray<>(Address.class, List.of()));
    return SET_METADATA_SELECTOR + FunctionEncoder.encodeConstructor(params);
  }

  private static Optional<String> findNft(EthLog logs, String tokenUri) {
    for (EthLog.LogResult<?> result : logs.getLogs()) {
      if (result.get() instanceof Log entry) {
        Optional<String> nft = nftOf(entry, tokenUri);
        if (nft.isPresent()) {
          return nft;
        }
      }
    }
    return Optional.empty();
  }

  private static String createdNft(TransactionReceipt receipt, String tokenUri) {
    for (Log entry : receipt.getLogs()) {
      Optional<String> nft = nftOf(entry, tokenUri);
      if (nft.isPresent()) {
        return nft.get();
      }
    }
    throw new ChainUnavailableException(
        "ERC721Factory.deployERC721Contract (transaction "
            + receipt.getTransactionHash()
            + ") succeeded but logged no NFTCreated: is "
            + receipt.getTo()
            + " Ocean's ERC721Factory?",
        null);
  }

  /** The NFT an {@code NFTCreated} log announces, if it is one with {@code tokenUri}. */
  @SuppressWarnings("rawtypes")
  private static Optional<String> nftOf(Log entry, String tokenUri) {
    if (entry.getTopics().isEmpty() || !entry.getTopics().get(0).equalsIgnoreCase(NFT_CREATED)) {
      return Optional.empty();
    }
    List<Type> data =
        FunctionReturnDecoder.decode(
            entry.getData(),
            new Function(
                    "",
                    List.of(),
                    List.of(
                        new TypeReference<Address>() {},
                        new TypeReference<Utf8String>() {},
                        new TypeReference<Utf8String>() {},
                        new TypeReference<Utf8String>() {},
                        new TypeReference<Bool>() {}))
                .getOutputParameters());
    if (data.size() != 5 || !tokenUri.equals(data.get(3).getValue())) {
      return Optional.empty();
    }
    return Optional.of(((Address) data.get(0)).getValue().toLowerCase(Locale.ROOT));
  }

  private static List<Boolean> decodeBools(Response<?> answer, int count) {
    String value = ((EthCall) answer).getValue();
    byte[] bytes = Numeric.hexStringToByteArray(value == null ? "0x" : value);
    if (bytes.length < 32 * count) {
      throw new ChainUnavailableException(
          "the data NFT answered " + bytes.length + " bytes where " + 32 * count + " were expected",
          null);
    }
    Boolean[] values = new Boolean[count];
    for (int i = 0; i < count; i++) {
      values[i] = bytes[32 * i + 31] != 0;
    }
    return List.of(values);
  }

  @SuppressWarnings("rawtypes")
  private static String encode(String name, Type... inputs) {
    return FunctionEncoder.encode(new Function(name, List.of(inputs), List.of()));
  }

  private static String topic(String address) {
    return Numeric.toHexStringWithPrefixZeroPadded(Numeric.toBigInt(address), 64);
  }

  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return "NftAssetPublisher{factory=" + factory + ", publisher=" + sender.address() + "}";
  }

  /** Builds an {@link NftAssetPublisher}. Not thread-safe. */
  public static final class Builder {
    /** The default {@link #templateIndex}: the ERC721Template Ocean deploys first. */
    public static final long DEFAULT_TEMPLATE_INDEX = 1;

    private final ChainSettings settings;
    private final EthAddress factory;
    private @Nullable Credentials credentials;
    private long templateIndex = DEFAULT_TEMPLATE_INDEX;
    private @Nullable Duration publishTimeout;
    private long searchFromBlock;

    private Builder(ChainSettings settings, EthAddress factory) {
      this.settings = requireNonNull(settings, "settings");
      this.factory = requireNonNull(factory, "factory");
    }

    /**
     * The private key that signs and pays for the transactions: 0x and 64 hex digits. It is kept in
     * memory only and never logged or put in a message.
     *
     * @throws IllegalArgumentException if it is not a private key (the message omits the key)
     */
    public Builder publisherKey(String privateKey) {
      this.credentials = PrivateKeys.credentialsOf(privateKey);
      return this;
    }

    /**
     * The factory's NFT template index; default {@value #DEFAULT_TEMPLATE_INDEX}.
     *
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder templateIndex(long templateIndex) {
      if (templateIndex <= 0) {
        throw new IllegalArgumentException(
            "templateIndex must be positive but is " + templateIndex);
      }
      this.templateIndex = templateIndex;
      return this;
    }

    /**
     * The limit of one publication, its transactions' receipts and confirmations included; default
     * twelve times the RPC timeout.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder publishTimeout(Duration publishTimeout) {
      requireNonNull(publishTimeout, "publishTimeout");
      if (publishTimeout.isZero() || publishTimeout.isNegative()) {
        throw new IllegalArgumentException(
            "publishTimeout must be positive but is " + publishTimeout);
      }
      this.publishTimeout = publishTimeout;
      return this;
    }

    /**
     * The first block searched for a job's existing NFT; default 0. Set it to the block of the
     * provider's first publication where a node limits the range of {@code eth_getLogs}.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder searchFromBlock(long searchFromBlock) {
      if (searchFromBlock < 0) {
        throw new IllegalArgumentException(
            "searchFromBlock must not be negative but is " + searchFromBlock);
      }
      this.searchFromBlock = searchFromBlock;
      return this;
    }

    /**
     * Builds the publisher; does no I/O.
     *
     * @throws IllegalStateException if no publisher key is set
     */
    public NftAssetPublisher build() {
      if (credentials == null) {
        throw new IllegalStateException("publisherKey is required");
      }
      return new NftAssetPublisher(this);
    }
  }
}
