package io.c2d.keeper;

import static java.util.Objects.requireNonNull;

import io.c2d.ErrorCode;
import io.c2d.UnavailableException;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.ocean.OceanJson;
import io.c2d.spi.publish.DerivedAsset;
import io.c2d.spi.publish.DerivedAssetPublisher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthGetCode;
import org.web3j.utils.Numeric;

/**
 * The Keeper {@link DerivedAssetPublisher}: a completed job's outputs become a DID in the DID
 * registry of Ocean's Keeper (keeper-contracts 0.13), whose attribute is the derived DDO of {@link
 * OceanJson#writeDerivedDdo}.
 *
 * <p>The DID is derived from the publisher key's address and the job id, {@code did:op:} and {@code
 * keccak256("c2d:derived-asset:" + publisher address + ":" + job id)}, so that a job always has the
 * same DID and two providers never take each other's. Publishing takes two transactions, signed
 * with the publisher key, which pays the gas:
 *
 * <ol>
 *   <li>{@code DIDRegistry.registerAttribute(did, checksum, [publisher], ddo)}: the checksum is the
 *       SHA-256 of the DDO's bytes and the value the DDO itself; the publisher key is the DID's
 *       provider, so the Keeper's agreement checks accept this provider for the derived asset;
 *   <li>{@code transferDIDOwnership(did, owner)}: the job's owner becomes the DID's owner.
 * </ol>
 *
 * <p><b>Idempotence.</b> Each publication first asks {@code getDIDRegister(did)}. Not registered:
 * both steps. Registered to the publisher key: the registration happened, the transfer did not;
 * only the transfer. Registered to the job's owner: done, and the same DID is answered. Registered
 * to anyone else: the stage fails, naming that owner (someone registered the DID first).
 * Publications run one at a time per publisher, and a second call for a job under way joins the
 * first.
 *
 * <p>Limits and failures as {@link NftAssetPublisher}: each call is bounded by the RPC timeout, a
 * publication by {@link Builder#publishTimeout}; a failed publication completes the stage with an
 * {@link UnavailableException} ({@link ErrorCode#BACKEND_FAILURE}) naming the job and the chain's
 * reason.
 *
 * <p>Thread-safe; {@link #publish} never blocks its caller. {@link #close()} releases the HTTP
 * client.
 */
public final class DidRegistryPublisher implements DerivedAssetPublisher {
  private static final String ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

  private final ChainClient client;
  private final TransactionSender sender;
  private final String registry;
  private final Publications publications;

  private DidRegistryPublisher(Builder builder) {
    this.client = ChainClient.create(builder.settings);
    this.sender = new TransactionSender(client, requireNonNull(builder.credentials));
    this.registry = builder.registry.value();
    this.publications =
        new Publications(
            sender,
            builder.publishTimeout != null
                ? builder.publishTimeout
                : builder.settings.rpcTimeout().multipliedBy(12),
            job -> "registering job " + job + " in the DIDRegistry " + registry);
  }

  /**
   * A builder of a publisher that registers DIDs in the DIDRegistry at {@code registry} on the
   * chain of {@code settings}; {@link Builder#publisherKey} is required.
   */
  public static Builder builder(ChainSettings settings, EthAddress registry) {
    return new Builder(settings, registry);
  }

  /** The DID the key of {@code publisher} registers for {@code job}. */
  public static Did didOf(EthAddress publisher, JobId job) {
    String seed = "c2d:derived-asset:" + publisher.value() + ":" + job.value();
    return Did.of(Numeric.toHexStringNoPrefix(Hash.sha3(seed.getBytes(StandardCharsets.UTF_8))));
  }

  /** The account that signs and pays for the registrations. */
  public EthAddress publisherAddress() {
    return EthAddress.of(sender.address());
  }

  @Override
  public CompletionStage<Did> publish(DerivedAsset asset) {
    return publications.publish(asset, this::run);
  }

  private CompletableFuture<Did> run(DerivedAsset asset, long deadline) {
    Did did = didOf(publisherAddress(), asset.jobId());
    Bytes32 id = new Bytes32(Numeric.hexStringToByteArray(did.id()));
    String owner = asset.owner().value();
    return client
        .batch(
            List.of(
                client.code(registry),
                client.call(registry, encode("getDIDOwner", id), DefaultBlockParameterName.LATEST)))
        .thenCompose(
            answers -> {
              String code = ((EthGetCode) answers.get(0)).getCode();
              if (code == null || Numeric.hexStringToByteArray(code).length == 0) {
                throw new ChainUnavailableException(
                    "there is no contract at the DIDRegistry address " + registry, null);
              }
              String registered = addressOf(((EthCall) answers.get(1)).getValue());
              if (registered.equals(owner)) {
                return CompletableFuture.completedFuture(did);
              }
              CompletableFuture<?> registration;
              if (registered.equals(ZERO_ADDRESS)) {
                byte[] ddo =
                    OceanJson.writeDerivedDdo(asset, did, client.settings().chainId())
                        .getBytes(StandardCharsets.UTF_8);
                registration =
                    sender.send(
                        registry,
                        encode(
                            "registerAttribute",
                            id,
                            new Bytes32(Hash.sha256(ddo)),
                            new DynamicArray<>(
                                Address.class, List.of(new Address(sender.address()))),
                            new Utf8String(new String(ddo, StandardCharsets.UTF_8))),
                        "DIDRegistry.registerAttribute of " + did,
                        deadline);
              } else if (registered.equals(sender.address())) {
                registration = CompletableFuture.completedFuture(null);
              } else {
                throw new ChainUnavailableException(
                    did
                        + " is already registered to "
                        + registered
                        + ", neither this publisher nor the job's owner",
                    null);
              }
              return registration
                  .thenCompose(
                      v ->
                          sender.send(
                              registry,
                              encode("transferDIDOwnership", id, new Address(owner)),
                              "DIDRegistry.transferDIDOwnership of " + did + " to " + owner,
                              deadline))
                  .thenApply(receipt -> did);
            });
  }

  private static String addressOf(@Nullable String word) {
    byte[] bytes = Numeric.hexStringToByteArray(word == null ? "0x" : word);
    if (bytes.length < 32) {
      throw new ChainUnavailableException(
          "the DIDRegistry answered " + bytes.length + " bytes where an address was expected",
          null);
    }
    return Numeric.toHexString(bytes, 12, 20, true).toLowerCase(Locale.ROOT);
  }

  @SuppressWarnings("rawtypes") // web3j's encoder takes raw Types
  private static String encode(String name, Type... inputs) {
    return FunctionEncoder.encode(new Function(name, List.of(inputs), List.of()));
  }

  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return "DidRegistryPublisher{registry=" + registry + ", publisher=" + sender.address() + "}";
  }

  /** Builds a {@link DidRegistryPublisher}. Not thread-safe. */
  public static final class Builder {
    private final ChainSettings settings;
    private final EthAddress registry;
    private @Nullable Credentials credentials;
    private @Nullable Duration publishTimeout;

    private Builder(ChainSettings settings, EthAddress registry) {
      this.settings = requireNonNull(settings, "settings");
      this.registry = requireNonNull(registry, "registry");
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
     * The limit of one publication, receipts and confirmations included; default twelve times the
     * RPC timeout.
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
     * Builds the publisher; does no I/O.
     *
     * @throws IllegalStateException if no publisher key is set
     */
    public DidRegistryPublisher build() {
      if (credentials == null) {
        throw new IllegalStateException("publisherKey is required");
      }
      return new DidRegistryPublisher(this);
    }
  }
}
