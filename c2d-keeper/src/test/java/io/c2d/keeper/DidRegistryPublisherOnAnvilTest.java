package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.ocean.OceanJson;
import io.c2d.spi.publish.DerivedAsset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * {@link DidRegistryPublisher} against the Keeper 0.13.2 DIDRegistry on anvil; what is registered
 * is read back from the registry and its events.
 */
@SuppressWarnings("rawtypes") // web3j's ABI decoder answers List<Type>
final class DidRegistryPublisherOnAnvilTest {
  private static final String REGISTERED =
      Hash.sha3String("DIDAttributeRegistered(bytes32,address,bytes32,string,address,uint256)");
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static AnvilNode node;
  private static KeeperChain chain;

  private final List<DidRegistryPublisher> publishers = new ArrayList<>();

  @BeforeAll
  static void deploy() throws IOException, InterruptedException {
    node = AnvilNode.start();
    chain = KeeperChain.deploy(node);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @AfterEach
  void closePublishers() {
    publishers.forEach(DidRegistryPublisher::close);
  }

  @Test
  void aJobBecomesADidOfItsOwnerWithTheDdoAndItsChecksum() throws Exception {
    DerivedAsset asset = NftAssetPublisherOnAnvilTest.asset();
    DidRegistryPublisher publisher = publisher(chain.didRegistry);

    Did did = publish(publisher, asset);

    assertThat(did)
        .isEqualTo(DidRegistryPublisher.didOf(EthAddress.of(KeeperChain.PROVIDER), asset.jobId()));
    byte[] ddo =
        OceanJson.writeDerivedDdo(asset, did, AnvilNode.CHAIN_ID).getBytes(StandardCharsets.UTF_8);
    List<Type> register = register(did);
    assertThat(((Address) register.get(0)).getValue()).isEqualTo(asset.owner().value());
    assertThat((byte[]) register.get(1).getValue()).isEqualTo(Hash.sha256(ddo));
    assertThat(((DynamicArray<?>) register.get(4)).getValue())
        .extracting(Type::getValue)
        .containsExactly(KeeperChain.PROVIDER);
    List<JsonNode> events = registrations(did);
    assertThat(events).hasSize(1);
    String value =
        (String)
            FunctionReturnDecoder.decode(
                    events.get(0).path("data").asText(),
                    new Function(
                            "",
                            List.of(),
                            List.of(
                                new TypeReference<Utf8String>() {},
                                new TypeReference<Address>() {},
                                new TypeReference<Uint256>() {}))
                        .getOutputParameters())
                .get(0)
                .getValue();
    assertThat(value)
        .isEqualTo(new String(ddo, StandardCharsets.UTF_8))
        .contains("\"id\":\"" + did.value() + "\"")
        .contains("\"jobId\":\"" + asset.jobId().value() + "\"");
  }

  @Test
  void publishingAJobAgainAnswersTheSameDidAndRegistersOnce() throws Exception {
    DerivedAsset asset = NftAssetPublisherOnAnvilTest.asset();
    Did first = publish(publisher(chain.didRegistry), asset);

    DidRegistryPublisher restarted = publisher(chain.didRegistry);
    CompletableFuture<Did> a = restarted.publish(asset).toCompletableFuture();
    CompletableFuture<Did> b = restarted.publish(asset).toCompletableFuture();

    assertThat(a.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(first);
    assertThat(b.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(first);
    assertThat(publish(restarted, asset)).isEqualTo(first);
    assertThat(registrations(first)).hasSize(1);
  }

  @Test
  void aRegistrationInterruptedBeforeTheTransferIsCompleted() throws Exception {
    DerivedAsset asset = NftAssetPublisherOnAnvilTest.asset();
    Did did = DidRegistryPublisher.didOf(EthAddress.of(KeeperChain.PROVIDER), asset.jobId());
    // the first step alone, as if the provider died after it
    JsonNode receipt =
        node.transact(
            KeeperChain.PROVIDER,
            chain.didRegistry,
            FunctionEncoder.encode(
                new Function(
                    "registerAttribute",
                    List.of(
                        new Bytes32(Numeric.hexStringToByteArray(did.id())),
                        new Bytes32(new byte[32]),
                        new DynamicArray<>(Address.class, List.of()),
                        new Utf8String("interrupted")),
                    List.of())));
    assertThat(receipt.path("status").asText()).isEqualTo("0x1");

    assertThat(publish(publisher(chain.didRegistry), asset)).isEqualTo(did);

    assertThat(((Address) register(did).get(0)).getValue()).isEqualTo(asset.owner().value());
    assertThat(registrations(did)).hasSize(1);
  }

  @Test
  void aDidSomeoneElseRegisteredFailsTheStageNamingThem() throws Exception {
    DerivedAsset asset = NftAssetPublisherOnAnvilTest.asset();
    Did did = DidRegistryPublisher.didOf(EthAddress.of(KeeperChain.PROVIDER), asset.jobId());
    node.transact(
        KeeperChain.STRANGER,
        chain.didRegistry,
        FunctionEncoder.encode(
            new Function(
                "registerAttribute",
                List.of(
                    new Bytes32(Numeric.hexStringToByteArray(did.id())),
                    new Bytes32(new byte[32]),
                    new DynamicArray<>(Address.class, List.of()),
                    new Utf8String("squatted")),
                List.of())));

    Throwable failure = failureOf(publisher(chain.didRegistry), asset);

    assertThat(failure)
        .hasMessageContaining("registering job " + asset.jobId())
        .hasMessageContaining("already registered to " + KeeperChain.STRANGER);
  }

  @Test
  void anAddressWithoutARegistryFailsTheStageSayingSo() throws Exception {
    Throwable failure =
        failureOf(publisher(KeeperChain.STRANGER), NftAssetPublisherOnAnvilTest.asset());

    assertThat(failure)
        .hasMessageContaining(
            "there is no contract at the DIDRegistry address " + KeeperChain.STRANGER);
  }

  // ---------------------------------------------------------------------------------------------

  private DidRegistryPublisher publisher(String registry) {
    DidRegistryPublisher publisher =
        DidRegistryPublisher.builder(
                NftAssetPublisherOnAnvilTest.settings(node.rpc()), EthAddress.of(registry))
            .publisherKey(KeeperChain.PROVIDER_KEY)
            .build();
    publishers.add(publisher);
    return publisher;
  }

  private static Did publish(DidRegistryPublisher publisher, DerivedAsset asset) throws Exception {
    return publisher.publish(asset).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static Throwable failureOf(DidRegistryPublisher publisher, DerivedAsset asset) {
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

  /** getDIDRegister: owner, lastChecksum, lastUpdatedBy, blockNumberUpdated, providers. */
  private static List<Type> register(Did did) throws Exception {
    Function get =
        new Function(
            "getDIDRegister",
            List.of(new Bytes32(Numeric.hexStringToByteArray(did.id()))),
            List.of(
                new TypeReference<Address>() {},
                new TypeReference<Bytes32>() {},
                new TypeReference<Address>() {},
                new TypeReference<Uint256>() {},
                new TypeReference<DynamicArray<Address>>() {}));
    String result =
        node.call(
                "eth_call",
                Map.of("to", chain.didRegistry, "data", FunctionEncoder.encode(get)),
                "latest")
            .asText();
    return FunctionReturnDecoder.decode(result, get.getOutputParameters());
  }

  private static List<JsonNode> registrations(Did did) throws Exception {
    JsonNode result =
        node.call(
            "eth_getLogs",
            Map.of(
                "address",
                chain.didRegistry,
                "fromBlock",
                "0x0",
                "toBlock",
                "latest",
                "topics",
                List.of(REGISTERED, "0x" + did.id())));
    List<JsonNode> logs = new ArrayList<>();
    result.forEach(logs::add);
    return logs;
  }
}
