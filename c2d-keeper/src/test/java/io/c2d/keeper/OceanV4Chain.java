package io.c2d.keeper;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.DynamicStruct;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.StaticStruct;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/**
 * Ocean v4 on anvil, from the compiled {@code @oceanprotocol/contracts} 2.6.0: the ERC721 and ERC20
 * templates, a FactoryRouter and the ERC721Factory; publishing an asset (a data NFT with one
 * datatoken, through the factory) and ordering it with {@code startOrder} and a provider fee signed
 * by the provider's key, all with web3j.
 *
 * <p>Accounts are anvil's funded development accounts (well-known keys of the default mnemonic):
 * the publisher deploys and mints, the consumer orders, the provider signs fees.
 */
public final class OceanV4Chain implements AutoCloseable {
  public static final Credentials PUBLISHER =
      Credentials.create("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  public static final Credentials CONSUMER =
      Credentials.create("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
  public static final Credentials PROVIDER =
      Credentials.create("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
  static final Credentials OTHER_PROVIDER =
      Credentials.create("0x7c852118294e51e653712a81e05800f419141751be58f08c5c17c3a3b0db8ba6");

  /** A funded account that holds no datatokens. */
  public static final Credentials STRANGER =
      Credentials.create("0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a");

  public static final BigInteger ONE_TOKEN = BigInteger.TEN.pow(18);

  private static final Path ARTIFACTS =
      AnvilNode.NODE_MODULES.resolve("@oceanprotocol/contracts/artifacts/contracts");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN_CREATED =
      Hash.sha3String("TokenCreated(address,address,string,string,uint256,address)");
  private static final String NFT_CREATED =
      Hash.sha3String("NFTCreated(address,address,string,address,string,string,bool,address)");
  private static final BigInteger GAS = BigInteger.valueOf(8_000_000);

  private final AnvilNode node;
  private final Web3j web3j;
  private String factory = "";
  private String router = "";
  private int assets;

  /** A published asset: its DID, data NFT and datatoken. */
  public record Asset(Did did, EthAddress nft, EthAddress datatoken) {}

  private OceanV4Chain(AnvilNode node) {
    this.node = node;
    this.web3j = Web3j.build(new HttpService(node.rpc().toString()));
  }

  /** Deploys the templates, the router and the factory. */
  public static OceanV4Chain deploy(AnvilNode node) throws IOException {
    OceanV4Chain chain = new OceanV4Chain(node);
    String deployer = PUBLISHER.getAddress();
    String erc721 = chain.create("templates/ERC721Template.sol/ERC721Template.json", List.of());
    String erc20 = chain.create("templates/ERC20Template.sol/ERC20Template.json", List.of());
    // OPC's fee collector is a plain account here: the router only stores and pays to it
    String router =
        chain.create(
            "pools/FactoryRouter.sol/FactoryRouter.json",
            List.of(
                new Address(deployer),
                new Address(OTHER_PROVIDER.getAddress()),
                new Address(OTHER_PROVIDER.getAddress()),
                new Address(OTHER_PROVIDER.getAddress()),
                new DynamicArray<>(Address.class, List.of())));
    chain.router = router;
    chain.factory =
        chain.create(
            "ERC721Factory.sol/ERC721Factory.json",
            List.of(new Address(erc721), new Address(erc20), new Address(router)));
    chain.send(
        PUBLISHER,
        router,
        new Function("addFactory", List.of(new Address(chain.factory)), List.of()),
        true);
    return chain;
  }

  /**
   * Publishes an asset (data NFT and datatoken through the factory) and mints {@code 10} datatokens
   * to the consumer.
   */
  public Asset publish() throws IOException {
    int n = ++assets;
    String publisher = PUBLISHER.getAddress();
    Function create =
        new Function(
            "createNftWithErc20",
            List.of(
                new DynamicStruct(
                    new Utf8String("Data NFT " + n),
                    new Utf8String("DN" + n),
                    new Uint256(1),
                    new Utf8String("https://example.invalid/nft/" + n),
                    new Bool(true),
                    new Address(publisher)),
                new DynamicStruct(
                    new Uint256(1),
                    new DynamicArray<>(
                        Utf8String.class,
                        List.of(new Utf8String("Datatoken " + n), new Utf8String("DT" + n))),
                    new DynamicArray<>(
                        Address.class,
                        List.of(
                            new Address(publisher),
                            new Address(publisher),
                            Address.DEFAULT,
                            Address.DEFAULT)),
                    new DynamicArray<>(
                        Uint256.class,
                        List.of(
                            new Uint256(ONE_TOKEN.multiply(BigInteger.valueOf(1000))),
                            Uint256.DEFAULT)),
                    new DynamicArray<>(DynamicBytes.class, List.of()))),
            List.of());
    TransactionReceipt receipt = send(PUBLISHER, factory, create, true);
    String nft = null;
    String datatoken = null;
    for (Log log : receipt.getLogs()) {
      String topic = log.getTopics().get(0);
      if (topic.equalsIgnoreCase(NFT_CREATED)) {
        nft = "0x" + log.getData().substring(26, 66);
      } else if (topic.equalsIgnoreCase(TOKEN_CREATED)) {
        datatoken = "0x" + log.getTopics().get(1).substring(26);
      }
    }
    if (nft == null || datatoken == null) {
      throw new IllegalStateException("the factory created no NFT and datatoken: " + receipt);
    }
    send(
        PUBLISHER,
        datatoken,
        new Function(
            "mint",
            List.of(
                new Address(CONSUMER.getAddress()),
                new Uint256(ONE_TOKEN.multiply(BigInteger.TEN))),
            List.of()),
        true);
    return new Asset(did(nft), EthAddress.of(nft), EthAddress.of(datatoken));
  }

  /** Ocean's DID of a data NFT: SHA-256 of its checksummed address and the chain id. */
  static Did did(String nft) {
    String seed = Keys.toChecksumAddress(nft) + AnvilNode.CHAIN_ID;
    return Did.of(Numeric.toHexStringNoPrefix(Hash.sha256(seed.getBytes(StandardCharsets.UTF_8))));
  }

  /**
   * The consumer orders service {@code serviceIndex} of {@code asset} for itself, with a free
   * provider fee signed by {@code feeTo}; returns the order transaction, which succeeded.
   */
  public String order(Asset asset, int serviceIndex, Credentials feeTo) throws IOException {
    return send(CONSUMER, asset.datatoken().value(), startOrder(serviceIndex, feeTo), true)
        .getTransactionHash();
  }

  /**
   * {@code payer}, who holds no datatokens, sends an order anyway (with a gas limit, so that the
   * node mines it instead of refusing to estimate it); returns the reverted transaction.
   */
  String revertedOrder(Asset asset, int serviceIndex, Credentials payer) throws IOException {
    TransactionReceipt receipt =
        send(payer, asset.datatoken().value(), startOrder(serviceIndex, PROVIDER), false);
    if (receipt.isStatusOK()) {
      throw new IllegalStateException("the order did not revert: " + receipt);
    }
    return receipt.getTransactionHash();
  }

  /** A transaction that is no order: minting one more datatoken to the consumer. */
  String mint(Asset asset) throws IOException {
    return send(
            PUBLISHER,
            asset.datatoken().value(),
            new Function(
                "mint",
                List.of(new Address(CONSUMER.getAddress()), new Uint256(ONE_TOKEN)),
                List.of()),
            true)
        .getTransactionHash();
  }

  /** The latest block's timestamp, in seconds. */
  long latestTimestamp() throws IOException {
    return web3j
        .ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false)
        .send()
        .getBlock()
        .getTimestamp()
        .longValueExact();
  }

  private Function startOrder(int serviceIndex, Credentials feeTo) throws IOException {
    String feeAddress = feeTo.getAddress();
    byte[] providerData = "{\"environment\":\"paid-env\"}".getBytes(StandardCharsets.UTF_8);
    BigInteger validUntil = BigInteger.valueOf(latestTimestamp() + 30L * 24 * 3600);
    // the layout ERC20Template.checkProviderFee recovers the signer from:
    // keccak256(abi.encodePacked(providerData, feeAddress, feeToken, feeAmount, validUntil)),
    // signed as an EIP-191 personal message
    ByteArrayOutputStream packed = new ByteArrayOutputStream();
    packed.writeBytes(providerData);
    packed.writeBytes(Numeric.hexStringToByteArray(feeAddress));
    packed.writeBytes(new byte[20]);
    packed.writeBytes(Numeric.toBytesPadded(BigInteger.ZERO, 32));
    packed.writeBytes(Numeric.toBytesPadded(validUntil, 32));
    Sign.SignatureData signature =
        Sign.signPrefixedMessage(Hash.sha3(packed.toByteArray()), feeTo.getEcKeyPair());
    return new Function(
        "startOrder",
        List.of(
            new Address(CONSUMER.getAddress()),
            new Uint256(serviceIndex),
            new DynamicStruct(
                new Address(feeAddress),
                Address.DEFAULT,
                Uint256.DEFAULT,
                new Uint8(Byte.toUnsignedInt(signature.getV()[0])),
                new Bytes32(signature.getR()),
                new Bytes32(signature.getS()),
                new Uint256(validUntil),
                new DynamicBytes(providerData)),
            new StaticStruct(Address.DEFAULT, Address.DEFAULT, Uint256.DEFAULT)),
        List.of());
  }

  @SuppressWarnings("rawtypes") // web3j's constructor encoder takes raw Types
  private String create(String artifact, List<Type> constructor) throws IOException {
    String bytecode = JSON.readTree(ARTIFACTS.resolve(artifact).toFile()).path("bytecode").asText();
    String init = bytecode + FunctionEncoder.encodeConstructor(constructor);
    TransactionReceipt receipt =
        mined(
            web3j
                .ethSendTransaction(
                    Transaction.createContractTransaction(
                        PUBLISHER.getAddress(), null, null, GAS, BigInteger.ZERO, init))
                .send(),
            artifact);
    if (!receipt.isStatusOK() || receipt.getContractAddress() == null) {
      throw new IllegalStateException("deploying " + artifact + " failed: " + receipt);
    }
    return receipt.getContractAddress();
  }

  /**
   * Deploys Ocean's Escrow contract (the 2.6.0 artifact) on this chain's router, with {@code
   * opcCollector} receiving the community fee of each claim.
   */
  public EthAddress deployEscrow(EthAddress opcCollector) throws IOException {
    return EthAddress.of(
        create(
            "escrow/Escrow.sol/Escrow.json",
            List.of(new Address(router), new Address(opcCollector.value()))));
  }

  /**
   * Deploys an Ocean token (the ERC-20 of {@code utils/OceanToken.sol}, owned by the publisher) as
   * a payment token and mints {@code 1000} tokens to the consumer and to the stranger.
   */
  public EthAddress deployPaymentToken() throws IOException {
    String token =
        create(
            "utils/OceanToken.sol/OceanToken.json", List.of(new Address(PUBLISHER.getAddress())));
    for (Credentials holder : List.of(CONSUMER, STRANGER)) {
      send(
          PUBLISHER,
          token,
          new Function(
              "mint",
              List.of(
                  new Address(holder.getAddress()),
                  new Uint256(ONE_TOKEN.multiply(BigInteger.valueOf(1000)))),
              List.of()),
          true);
    }
    return EthAddress.of(token);
  }

  /**
   * The consumer orders service {@code serviceIndex} of {@code asset} with {@code fee} as the
   * provider fee, exactly as given; returns the receipt, whether or not the order reverted.
   */
  TransactionReceipt orderWithFee(Asset asset, int serviceIndex, ProviderFee fee)
      throws IOException {
    return send(
        CONSUMER,
        asset.datatoken().value(),
        startOrder(EthAddress.of(CONSUMER.getAddress()), serviceIndex, fee),
        false);
  }

  /**
   * The consumer orders service {@code serviceIndex} of {@code asset} for {@code consumer}
   * (ocean.js orders compute for the environment's address) with {@code fee}; returns the
   * successful order.
   */
  public TransactionReceipt orderFor(
      Asset asset, int serviceIndex, ProviderFee fee, EthAddress consumer) throws IOException {
    return send(CONSUMER, asset.datatoken().value(), startOrder(consumer, serviceIndex, fee), true);
  }

  /** The datatoken's {@code startOrder} for {@code consumer}, with {@code fee} exactly as given. */
  private static Function startOrder(EthAddress consumer, int serviceIndex, ProviderFee fee) {
    return new Function(
        "startOrder",
        List.of(
            new Address(consumer.value()),
            new Uint256(serviceIndex),
            new DynamicStruct(
                new Address(fee.feeAddress().value()),
                new Address(fee.feeToken().value()),
                new Uint256(fee.amount()),
                new Uint8(fee.v()),
                new Bytes32(Numeric.hexStringToByteArray(fee.r())),
                new Bytes32(Numeric.hexStringToByteArray(fee.s())),
                new Uint256(fee.validUntil().getEpochSecond()),
                new DynamicBytes(Numeric.hexStringToByteArray(fee.providerData()))),
            new StaticStruct(Address.DEFAULT, Address.DEFAULT, Uint256.DEFAULT)),
        List.of());
  }

  /**
   * The consumer funds {@code escrow} as ocean.js's {@code EscrowContract} does: approves and
   * deposits {@code amount} of {@code token}, and authorises {@code payee} to lock up to that
   * amount, for up to {@code maxLock}, in up to {@code maxLocks} locks.
   */
  public void fundEscrow(
      EthAddress escrow,
      EthAddress token,
      BigInteger amount,
      EthAddress payee,
      Duration maxLock,
      int maxLocks)
      throws IOException {
    send(
        CONSUMER,
        token.value(),
        new Function(
            "approve", List.of(new Address(escrow.value()), new Uint256(amount)), List.of()),
        true);
    send(
        CONSUMER,
        escrow.value(),
        new Function(
            "deposit", List.of(new Address(token.value()), new Uint256(amount)), List.of()),
        true);
    send(
        CONSUMER,
        escrow.value(),
        new Function(
            "authorize",
            List.of(
                new Address(token.value()),
                new Address(payee.value()),
                new Uint256(amount),
                new Uint256(maxLock.toSeconds()),
                new Uint256(maxLocks)),
            List.of()),
        true);
  }

  /** A uint256 view call's answer. */
  BigInteger readUint(String to, Function function) throws IOException {
    String answer =
        web3j
            .ethCall(
                Transaction.createEthCallTransaction(null, to, FunctionEncoder.encode(function)),
                DefaultBlockParameterName.LATEST)
            .send()
            .getValue();
    return Numeric.toBigInt(answer);
  }

  /** {@code holder}'s balance of the ERC-20 {@code token}. */
  public BigInteger balanceOf(EthAddress token, String holder) throws IOException {
    return readUint(
        token.value(), new Function("balanceOf", List.of(new Address(holder)), List.of()));
  }

  /** The FactoryRouter's address. */
  String router() {
    return router;
  }

  /**
   * Sends {@code function} to {@code to} from {@code from} (one of anvil's unlocked accounts) with
   * a fixed gas limit and returns the mined receipt; throws if it reverted and {@code mustSucceed}.
   */
  TransactionReceipt send(Credentials from, String to, Function function, boolean mustSucceed)
      throws IOException {
    EthSendTransaction sent =
        web3j
            .ethSendTransaction(
                Transaction.createFunctionCallTransaction(
                    from.getAddress(), null, null, GAS, to, FunctionEncoder.encode(function)))
            .send();
    TransactionReceipt receipt = mined(sent, function.getName());
    if (mustSucceed && !receipt.isStatusOK()) {
      throw new IllegalStateException(function.getName() + " reverted: " + receipt);
    }
    return receipt;
  }

  private TransactionReceipt mined(EthSendTransaction sent, String what) throws IOException {
    if (sent.hasError()) {
      throw new IOException(what + ": " + sent.getError().getMessage());
    }
    // anvil seals the block shortly after it answered the send: wait for the receipt
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      Optional<TransactionReceipt> receipt =
          web3j.ethGetTransactionReceipt(sent.getTransactionHash()).send().getTransactionReceipt();
      if (receipt.isPresent()) {
        return receipt.get();
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(what + " was not mined within 10 seconds");
      }
      LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
    }
  }

  AnvilNode node() {
    return node;
  }

  /** The ERC721Factory's address. */
  String factory() {
    return factory;
  }

  @Override
  public void close() {
    web3j.shutdown();
  }
}
