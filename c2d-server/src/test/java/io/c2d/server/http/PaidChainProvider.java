package io.c2d.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.ComputeEngine;
import io.c2d.backend.local.EmbeddedComputeBackend;
import io.c2d.keeper.AnvilNode;
import io.c2d.keeper.ChainSettings;
import io.c2d.keeper.EscrowClient;
import io.c2d.keeper.EscrowPayments;
import io.c2d.keeper.OceanV4Chain;
import io.c2d.keeper.OrderVerifier;
import io.c2d.keeper.OrderedService;
import io.c2d.keeper.ProviderFeeSigner;
import io.c2d.keeper.ServiceDirectory;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputePricing;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import io.c2d.model.Resources;
import io.c2d.server.assets.AssetDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;

/**
 * A provider that takes paid jobs on a real chain, for the paid-flow tests: anvil (chain 8996,
 * ocean.js's "development" chain) with Ocean's v4 contracts, the Escrow contract and a payment
 * token deployed (c2d-keeper's {@link OceanV4Chain}); one published dataset (its data NFT and
 * datatoken on chain, its DDO in the provider's asset directory, raw algorithms allowed); an engine
 * on the embedded backend whose verifier is the {@link OrderVerifier}; and {@link
 * OceanComputeHandler} with escrow payments ({@link EscrowPayments}, the provider's key signing
 * fees and sending locks) in the environment {@value #ENVIRONMENT}, priced one token per cpu and
 * minute and a tenth of a token per GiB of memory and minute.
 */
public final class PaidChainProvider implements AutoCloseable {
  /** The priced environment. */
  public static final String ENVIRONMENT = "paid";

  /** The dataset's compute service. */
  public static final String SERVICE = "compute";

  /** One payment token, in wei. */
  public static final BigInteger TOKEN = OceanV4Chain.ONE_TOKEN;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final EthAddress COLLECTOR =
      EthAddress.of("0x00000000000000000000000000000000000c011e");

  private final Path work;
  private final AnvilNode node;
  private final OceanV4Chain chain;
  private final EthAddress token;
  private final EthAddress escrowAddress;
  private final OceanV4Chain.Asset asset;
  private final EscrowClient escrow;
  private final ComputeEngine engine;
  private final OceanHttpServer server;
  private final OrderVerifier verifier;

  private PaidChainProvider(Path work) throws Exception {
    this.work = work;
    this.node = AnvilNode.start();
    this.chain = OceanV4Chain.deploy(node);
    this.token = chain.deployPaymentToken();
    this.escrowAddress = chain.deployEscrow(COLLECTOR);
    this.asset = chain.publish();
    ChainSettings settings =
        ChainSettings.builder()
            .rpcUrl(node.rpc())
            .chainId(AnvilNode.CHAIN_ID)
            .providerAddress(providerAddress())
            .build();
    this.escrow = EscrowClient.builder(settings, escrowAddress).providerKey(providerKey()).build();
    this.verifier =
        OrderVerifier.create(
            settings,
            ServiceDirectory.builder()
                .service(
                    asset.did(), SERVICE, new OrderedService(asset.datatoken(), 0, Duration.ZERO))
                .build());
    Path sales = work.resolve("publisher-data/sales.csv");
    Files.createDirectories(sales.getParent());
    try (InputStream in = PaidChainProvider.class.getResourceAsStream("/io/c2d/server/sales.csv")) {
      if (in == null) {
        throw new IllegalStateException("the sample dataset is not on the class path");
      }
      Files.copy(in, sales);
    }
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("c2d.authenticator", "web3j");
    properties.put("c2d.chain-id", Long.toString(AnvilNode.CHAIN_ID));
    properties.put("c2d.provider-address", providerAddress().value());
    properties.put("c2d.state-dir", work.resolve("state").toString());
    this.engine =
        ComputeEngine.builder()
            .properties(properties)
            .verifier(verifier)
            .backend(
                EmbeddedComputeBackend.builder()
                    .workRoot(work.resolve("jobs"))
                    .environment(environment(token))
                    .build())
            .build();
    OceanComputeHandler handler =
        OceanComputeHandler.builder(engine)
            .providerAddress(providerAddress())
            .chainIds(List.of(AnvilNode.CHAIN_ID))
            .assets(assets(sales))
            .payments(
                EscrowPayments.builder(escrow).claimTime(Duration.ofMinutes(10)).build(),
                ProviderFeeSigner.create(providerKey()),
                AnvilNode.CHAIN_ID,
                work.resolve("state/payments"))
            .build();
    this.server =
        OceanHttpServer.start(handler, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  /** Starts the chain, deploys, publishes and starts the provider. */
  public static PaidChainProvider start() throws Exception {
    return new PaidChainProvider(Files.createTempDirectory("c2d-paid-"));
  }

  private static ComputeEnvironment environment(EthAddress token) {
    return ComputeEnvironment.builder(ENVIRONMENT)
        .description("paid jobs, escrow on anvil")
        .capacity(Resources.of(4, 4 * 1024, 40 * 1024, 0))
        .maxPerJob(Resources.of(2, 2 * 1024, 10 * 1024, 0))
        .maxConcurrentJobs(4)
        .maxDuration(Duration.ofMinutes(10))
        .free(false)
        .pricing(
            AnvilNode.CHAIN_ID,
            ComputePricing.builder(token)
                .price("cpu", TOKEN)
                .price("ram", TOKEN.divide(BigInteger.TEN))
                .build())
        .build();
  }

  private AssetDirectory assets(Path sales) throws IOException {
    ObjectNode ddo = JSON.createObjectNode();
    ddo.putArray("@context").add("https://w3id.org/did/v1");
    ddo.put("id", asset.did().value()).put("version", "4.1.0").put("chainId", AnvilNode.CHAIN_ID);
    ddo.put("nftAddress", asset.nft().value());
    ddo.putObject("metadata").put("type", "dataset").put("name", "paid sales");
    ObjectNode compute = ddo.putArray("services").addObject();
    compute
        .put("id", SERVICE)
        .put("type", "compute")
        .put("timeout", 0)
        .put("datatokenAddress", asset.datatoken().value());
    compute.putObject("compute").put("allowRawAlgorithm", true);
    return AssetDirectory.builder()
        .add(ddo.toString(), Map.of(SERVICE, List.of(FileLocator.of(sales.toUri()))))
        .build();
  }

  /** The provider's URL. */
  public URI url() {
    return server.url();
  }

  /** The chain's JSON-RPC URL. */
  public URI rpc() {
    return node.rpc();
  }

  /** The payment token. */
  public EthAddress token() {
    return token;
  }

  /** The published dataset. */
  public OceanV4Chain.Asset asset() {
    return asset;
  }

  /** The provider's escrow client (to read funds and locks on chain). */
  public EscrowClient escrow() {
    return escrow;
  }

  /** The Escrow contract. */
  public EthAddress escrowAddress() {
    return escrowAddress;
  }

  /** The chain fixture. */
  public OceanV4Chain chain() {
    return chain;
  }

  /** The provider's address: the fee signer, the payee, the environments' consumerAddress. */
  public static EthAddress providerAddress() {
    return EthAddress.of(OceanV4Chain.PROVIDER.getAddress());
  }

  /** The consumer's private key: anvil's funded account that holds the datatokens. */
  public static String consumerKey() {
    return keyOf(OceanV4Chain.CONSUMER);
  }

  private static String providerKey() {
    return keyOf(OceanV4Chain.PROVIDER);
  }

  private static String keyOf(Credentials credentials) {
    return Numeric.toHexStringWithPrefixZeroPadded(credentials.getEcKeyPair().getPrivateKey(), 64);
  }

  /** The provider's payment records, by job id. */
  public Map<String, JsonNode> paymentRecords() throws IOException {
    Map<String, JsonNode> records = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(work.resolve("state/payments"))) {
      List<Path> sorted =
          new ArrayList<>(files.filter(f -> f.toString().endsWith(".json")).toList());
      for (Path file : sorted) {
        JsonNode record = JSON.readTree(file.toFile());
        records.put(record.path("jobId").asText(), record);
      }
    }
    return records;
  }

  @Override
  public void close() throws IOException {
    server.close();
    engine.close();
    verifier.close();
    escrow.close();
    chain.close();
    node.close();
    try (Stream<Path> paths = Files.walk(work)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
