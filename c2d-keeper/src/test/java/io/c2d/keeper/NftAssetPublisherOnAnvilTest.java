package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import io.c2d.C2dException;
import io.c2d.ErrorCode;
import io.c2d.model.ContainerSpec;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import io.c2d.ocean.OceanJson;
import io.c2d.spi.publish.DerivedAsset;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * {@link NftAssetPublisher} against Ocean's v4 contracts on anvil: the NFT, its owner and roles and
 * the metadata are read back from the chain itself, not from what the publisher answered.
 */
@SuppressWarnings("rawtypes") // web3j's ABI decoder answers List<Type>
final class NftAssetPublisherOnAnvilTest {
  private static final String METADATA_CREATED =
      Hash.sha3String("MetadataCreated(address,uint8,string,bytes,bytes,bytes32,uint256,uint256)");
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final EthAddress OWNER = EthAddress.of(OceanV4Chain.CONSUMER.getAddress());
  private static final Credentials PUBLISHER_KEY = OceanV4Chain.PROVIDER;

  private static AnvilNode node;
  private static OceanV4Chain chain;
  private static int jobs;

  private final List<NftAssetPublisher> publishers = new ArrayList<>();

  @BeforeAll
  static void deploy() throws IOException, InterruptedException {
    node = AnvilNode.start();
    chain = OceanV4Chain.deploy(node);
  }

  @AfterAll
  static void stop() {
    if (chain != null) {
      chain.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @AfterEach
  void closePublishers() {
    publishers.forEach(NftAssetPublisher::close);
  }

  @Test
  void aJobBecomesADataNftOfItsOwnerWhoseMetadataIsTheDerivedDdo() throws Exception {
    DerivedAsset asset = asset();

    Did did = publish(publisher(), asset);

    List<String> nfts = nftsOf(asset.jobId());
    assertThat(nfts).hasSize(1);
    String nft = nfts.get(0);
    assertThat(did).isEqualTo(OceanV4Chain.did(nft));
    assertThat(did).isEqualTo(NftAssetPublisher.didOf(EthAddress.of(nft), AnvilNode.CHAIN_ID));
    assertThat(address(call(nft, "ownerOf", new Uint256(1)))).isEqualTo(OWNER.value());
    assertThat(string(call(nft, "name"))).isEqualTo(asset.name());

    List<JsonNode> created = logs(nft, METADATA_CREATED);
    assertThat(created).hasSize(1);
    List<Type> event = decodeMetadataCreated(created.get(0).path("data").asText());
    byte[] expected =
        OceanJson.writeDerivedDdo(asset, did, AnvilNode.CHAIN_ID).getBytes(StandardCharsets.UTF_8);
    assertThat(((Uint8) event.get(0)).getValue().intValue()).as("state").isZero();
    assertThat((byte[]) event.get(2).getValue()).as("flags").containsExactly(0);
    assertThat(new String((byte[]) event.get(3).getValue(), StandardCharsets.UTF_8))
        .isEqualTo(new String(expected, StandardCharsets.UTF_8))
        .contains("\"id\":\"" + did.value() + "\"")
        .contains("\"jobId\":\"" + asset.jobId().value() + "\"")
        .contains(asset.outputs().get(0).sha256());
    assertThat((byte[]) event.get(4).getValue()).as("hash").isEqualTo(Hash.sha256(expected));
    assertThat(bool(call(nft, "hasMetaData"))).isTrue();
    // the publisher key gave its metadata role up; the owner manages the NFT
    assertThat(permissions(nft, PUBLISHER_KEY.getAddress()))
        .containsExactly(false, false, false, false);
    assertThat(permissions(nft, OWNER.value()).get(0)).as("owner is manager").isTrue();
  }

  @Test
  void publishingAJobAgainAnswersTheFirstDidAndCreatesNoSecondNft() throws Exception {
    DerivedAsset asset = asset();
    Did first = publish(publisher(), asset);

    // a new publisher, as after a restart, and two concurrent calls of one publisher
    NftAssetPublisher restarted = publisher();
    Did again = publish(restarted, asset);
    CompletableFuture<Did> a = restarted.publish(asset).toCompletableFuture();
    CompletableFuture<Did> b = restarted.publish(asset).toCompletableFuture();

    assertThat(again).isEqualTo(first);
    assertThat(a.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(first);
    assertThat(b.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(first);
    assertThat(nftsOf(asset.jobId())).hasSize(1);
    assertThat(logs(nftsOf(asset.jobId()).get(0), METADATA_CREATED)).hasSize(1);
  }

  @Test
  void twoJobsAtOnceBecomeTwoNfts() throws Exception {
    NftAssetPublisher publisher = publisher();
    DerivedAsset one = asset();
    DerivedAsset two = asset();

    CompletableFuture<Did> first = publisher.publish(one).toCompletableFuture();
    CompletableFuture<Did> second = publisher.publish(two).toCompletableFuture();

    Did did1 = first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    Did did2 = second.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(did1).isNotEqualTo(did2);
    assertThat(OceanV4Chain.did(nftsOf(one.jobId()).get(0))).isEqualTo(did1);
    assertThat(OceanV4Chain.did(nftsOf(two.jobId()).get(0))).isEqualTo(did2);
  }

  @Test
  void aPublicationInterruptedAfterTheNftWasCreatedIsCompletedOnTheSameNft() throws Exception {
    DerivedAsset asset = asset();
    // the first step alone, as if the provider died after it: the publisher key's NFT for the job
    JsonNode receipt =
        node.transact(
            PUBLISHER_KEY.getAddress(),
            chain.factory(),
            FunctionEncoder.encode(
                new Function(
                    "deployERC721Contract",
                    List.of(
                        new Utf8String(asset.name()),
                        new Utf8String("C2D-X"),
                        new Uint256(1),
                        Address.DEFAULT,
                        new Address(PUBLISHER_KEY.getAddress()),
                        new Utf8String(NftAssetPublisher.TOKEN_URI_PREFIX + asset.jobId().value()),
                        new Bool(true),
                        new Address(OWNER.value())),
                    List.of())));
    assertThat(receipt.path("status").asText()).isEqualTo("0x1");
    String nft = nftsOf(asset.jobId()).get(0);
    assertThat(bool(call(nft, "hasMetaData"))).isFalse();

    Did did = publish(publisher(), asset);

    assertThat(nftsOf(asset.jobId())).containsExactly(nft);
    assertThat(did).isEqualTo(OceanV4Chain.did(nft));
    assertThat(bool(call(nft, "hasMetaData"))).isTrue();
    assertThat(logs(nft, METADATA_CREATED)).hasSize(1);
  }

  @Test
  void anAddressWithoutAFactoryFailsTheStageSayingSo() throws Exception {
    NftAssetPublisher publisher =
        keep(
            NftAssetPublisher.builder(settings(node.rpc()), OWNER)
                .publisherKey(key(PUBLISHER_KEY))
                .build());

    Throwable failure = failureOf(publisher, asset());

    assertThat(failure)
        .isInstanceOf(C2dException.class)
        .hasMessageContaining("there is no contract at the ERC721Factory address " + OWNER.value());
    assertThat(((C2dException) failure).code()).isEqualTo(ErrorCode.BACKEND_FAILURE);
  }

  @Test
  void aContractThatIsNoFactoryFailsTheStageSayingNoNftWasCreated() throws Exception {
    // a data NFT is a contract that accepts the call (its fallback) but creates no NFT
    DerivedAsset published = asset();
    publish(publisher(), published);
    String nft = nftsOf(published.jobId()).get(0);
    NftAssetPublisher publisher =
        keep(
            NftAssetPublisher.builder(settings(node.rpc()), EthAddress.of(nft))
                .publisherKey(key(PUBLISHER_KEY))
                .build());
    DerivedAsset asset = asset();

    Throwable failure = failureOf(publisher, asset);

    assertThat(failure)
        .hasMessageContaining("publishing job " + asset.jobId())
        .hasMessageContaining("succeeded but logged no NFTCreated")
        .hasMessageContaining("Ocean's ERC721Factory?");
  }

  @Test
  void aCallTheFactoryRevertsFailsTheStageWithTheContractsReason() throws Exception {
    NftAssetPublisher publisher =
        keep(
            NftAssetPublisher.builder(settings(node.rpc()), EthAddress.of(chain.factory()))
                .publisherKey(key(PUBLISHER_KEY))
                .templateIndex(99)
                .build());
    DerivedAsset asset = asset();

    Throwable failure = failureOf(publisher, asset);

    assertThat(failure)
        .hasMessageContaining("publishing job " + asset.jobId())
        .hasMessageContaining("ERC721Factory.deployERC721Contract cannot be sent")
        .hasMessageContaining("revert");
    assertThat(nftsOf(asset.jobId())).isEmpty();
  }

  @Test
  void anUnfundedKeyFailsTheStageAndCreatesNothing() throws Exception {
    Credentials poor = Credentials.create("0x" + "11".repeat(32));
    NftAssetPublisher publisher =
        keep(
            NftAssetPublisher.builder(settings(node.rpc()), EthAddress.of(chain.factory()))
                .publisherKey(key(poor))
                .build());
    DerivedAsset asset = asset();

    Throwable failure = failureOf(publisher, asset);

    assertThat(failure)
        .hasMessageContaining("publishing job " + asset.jobId())
        .hasMessageContaining("funds");
    assertThat(failure.getMessage()).doesNotContain("11".repeat(32));
    assertThat(nftsOf(asset.jobId())).isEmpty();
  }

  @Test
  void anUnreachableChainFailsWithinTheTimeoutInsteadOfHanging() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    NftAssetPublisher publisher =
        keep(
            NftAssetPublisher.builder(
                    ChainSettings.builder()
                        .rpcUrl(URI.create("http://127.0.0.1:" + port))
                        .chainId(AnvilNode.CHAIN_ID)
                        .rpcTimeout(Duration.ofSeconds(1))
                        .build(),
                    EthAddress.of(chain.factory()))
                .publisherKey(key(PUBLISHER_KEY))
                .build());
    long start = System.nanoTime();

    Throwable failure = failureOf(publisher, asset());

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(failure).hasMessageContaining("unreachable");
  }

  @Test
  void aChainThatNeverAnswersFailsWithinTheTimeout() throws Exception {
    // a socket that accepts connections and never answers
    try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      NftAssetPublisher publisher =
          keep(
              NftAssetPublisher.builder(
                      ChainSettings.builder()
                          .rpcUrl(URI.create("http://127.0.0.1:" + silent.getLocalPort()))
                          .chainId(AnvilNode.CHAIN_ID)
                          .rpcTimeout(Duration.ofMillis(500))
                          .build(),
                      EthAddress.of(chain.factory()))
                  .publisherKey(key(PUBLISHER_KEY))
                  .build());
      long start = System.nanoTime();

      Throwable failure = failureOf(publisher, asset());

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(failure).hasMessageContaining("did not answer within the RPC timeout");
    }
  }

  // ---------------------------------------------------------------------------------------------

  static DerivedAsset asset() {
    int n = ++jobs;
    JobId job = JobId.of(String.format("%032x", 0xC2D0000L + n));
    return new DerivedAsset(
        job,
        OWNER,
        "Results of job " + n,
        List.of(Did.of(String.format("%064x", n))),
        null,
        ContainerSpec.of("python", "3.12-slim", "python $ALGO"),
        "local",
        Instant.parse("2030-01-01T00:00:00Z").plusSeconds(n),
        List.of(
            new DerivedAsset.Output(
                new JobResult("summary.csv", ResultKind.OUTPUT, 23, 0),
                Numeric.toHexStringNoPrefix(
                    Hash.sha256(("output " + n).getBytes(StandardCharsets.UTF_8))))));
  }

  private NftAssetPublisher publisher() {
    return keep(
        NftAssetPublisher.builder(settings(node.rpc()), EthAddress.of(chain.factory()))
            .publisherKey(key(PUBLISHER_KEY))
            .build());
  }

  private NftAssetPublisher keep(NftAssetPublisher publisher) {
    publishers.add(publisher);
    return publisher;
  }

  static ChainSettings settings(URI rpc) {
    return ChainSettings.builder()
        .rpcUrl(rpc)
        .chainId(AnvilNode.CHAIN_ID)
        .rpcTimeout(Duration.ofSeconds(5))
        .build();
  }

  static String key(Credentials credentials) {
    return Numeric.toHexStringWithPrefixZeroPadded(credentials.getEcKeyPair().getPrivateKey(), 64);
  }

  private static Did publish(NftAssetPublisher publisher, DerivedAsset asset) throws Exception {
    return publisher.publish(asset).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static Throwable failureOf(NftAssetPublisher publisher, DerivedAsset asset)
      throws Exception {
    Throwable thrown =
        catchThrowable(
            () ->
                publisher
                    .publish(asset)
                    .toCompletableFuture()
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS));
    assertThat(thrown).as("the stage failed").isInstanceOf(ExecutionException.class);
    return thrown.getCause();
  }

  /** The NFTs the factory created for {@code job}, read from its NFTCreated logs. */
  private static List<String> nftsOf(JobId job) throws Exception {
    List<String> nfts = new ArrayList<>();
    for (JsonNode entry : logs(chain.factory(), NftAssetPublisher.NFT_CREATED)) {
      @SuppressWarnings("rawtypes")
      List<Type> data =
          FunctionReturnDecoder.decode(
              entry.path("data").asText(),
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
      if ((NftAssetPublisher.TOKEN_URI_PREFIX + job.value()).equals(data.get(3).getValue())) {
        nfts.add(((Address) data.get(0)).getValue());
      }
    }
    return nfts;
  }

  private static List<JsonNode> logs(String address, String topic) throws Exception {
    JsonNode result =
        node.call(
            "eth_getLogs",
            Map.of(
                "address",
                address,
                "fromBlock",
                "0x0",
                "toBlock",
                "latest",
                "topics",
                List.of(topic)));
    List<JsonNode> logs = new ArrayList<>();
    result.forEach(logs::add);
    return logs;
  }

  @SuppressWarnings("rawtypes")
  private static List<Type> decodeMetadataCreated(String data) {
    // state, decryptorUrl, flags, data, metaDataHash, timestamp, blockNumber
    List<Type> values =
        FunctionReturnDecoder.decode(
            data,
            new Function(
                    "",
                    List.of(),
                    List.of(
                        new TypeReference<Uint8>() {},
                        new TypeReference<Utf8String>() {},
                        new TypeReference<DynamicBytes>() {},
                        new TypeReference<DynamicBytes>() {},
                        new TypeReference<Bytes32>() {},
                        new TypeReference<Uint256>() {},
                        new TypeReference<Uint256>() {}))
                .getOutputParameters());
    return values;
  }

  @SuppressWarnings("rawtypes")
  private static String call(String to, String name, Type... inputs) throws Exception {
    return node.call(
            "eth_call",
            Map.of(
                "to",
                to,
                "data",
                FunctionEncoder.encode(new Function(name, List.of(inputs), List.of()))),
            "latest")
        .asText();
  }

  private static String address(String word) {
    return "0x" + word.substring(word.length() - 40);
  }

  private static boolean bool(String word) {
    return Numeric.toBigInt(word).signum() != 0;
  }

  private static String string(String result) {
    return (String)
        FunctionReturnDecoder.decode(
                result,
                new Function("", List.of(), List.of(new TypeReference<Utf8String>() {}))
                    .getOutputParameters())
            .get(0)
            .getValue();
  }

  private static List<Boolean> permissions(String nft, String user) throws Exception {
    byte[] bytes = Numeric.hexStringToByteArray(call(nft, "getPermissions", new Address(user)));
    List<Boolean> roles = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      roles.add(bytes[32 * i + 31] != 0);
    }
    return roles;
  }
}
