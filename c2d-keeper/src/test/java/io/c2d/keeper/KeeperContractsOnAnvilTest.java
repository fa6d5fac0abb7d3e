package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;

/**
 * The first step of the Keeper verifier on a real chain: Ocean's own compiled {@code
 * TemplateStoreManager} (keeper-contracts 0.13.2) deployed to anvil, initialised, and asked the
 * question the verifier asks (is this agreement template approved?). Proposing and approving a
 * template (actor types first) comes with the verifier itself.
 */
@SuppressWarnings("rawtypes") // web3j's decoder returns List<Type>
final class KeeperContractsOnAnvilTest {
  private static final Path ARTIFACTS =
      AnvilNode.NODE_MODULES.resolve("@oceanprotocol/keeper-contracts/artifacts");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TEMPLATE = "0x" + "7e".repeat(20);

  private static AnvilNode chain;
  private static String templateStore;

  @BeforeAll
  static void deploy() throws IOException, InterruptedException {
    chain = AnvilNode.start();
    JsonNode artifact =
        JSON.readTree(ARTIFACTS.resolve("TemplateStoreManager.development.json").toFile());
    JsonNode receipt = chain.transact(null, artifact.path("bytecode").asText());
    assertThat(receipt.path("status").asText()).isEqualTo("0x1");
    templateStore = receipt.path("contractAddress").asText();
    JsonNode initialised =
        chain.transact(
            templateStore,
            FunctionEncoder.encode(
                new Function(
                    "initialize", List.of(new Address(AnvilNode.FIRST_ACCOUNT)), List.of())));
    assertThat(initialised.path("status").asText()).isEqualTo("0x1");
  }

  @AfterAll
  static void stop() {
    if (chain != null) {
      chain.close();
    }
  }

  @Test
  void theNodeRunsOnTheConfiguredChain() throws IOException, InterruptedException {
    assertThat(new BigInteger(chain.call("eth_chainId").asText().substring(2), 16))
        .isEqualTo(BigInteger.valueOf(AnvilNode.CHAIN_ID));
    assertThat(chain.call("eth_getCode", templateStore, "latest").asText()).hasSizeGreaterThan(100);
  }

  @Test
  void theDeployerOwnsTheTemplateStore() throws IOException, InterruptedException {
    List<Type> owner =
        view(new Function("owner", List.of(), List.of(new TypeReference<Address>() {})));

    assertThat(owner.get(0).getValue().toString()).isEqualToIgnoringCase(AnvilNode.FIRST_ACCOUNT);
  }

  @Test
  void aFreshStoreApprovesNoTemplate() throws IOException, InterruptedException {
    assertThat(templateCount()).isZero();
    assertThat(approved(TEMPLATE)).isFalse();
    assertThat(approved(AnvilNode.FIRST_ACCOUNT)).isFalse();
  }

  private BigInteger templateCount() throws IOException, InterruptedException {
    return (BigInteger)
        view(new Function(
                "getTemplateListSize", List.of(), List.of(new TypeReference<Uint256>() {})))
            .get(0)
            .getValue();
  }

  private boolean approved(String template) throws IOException, InterruptedException {
    return (Boolean)
        view(new Function(
                "isTemplateApproved",
                List.of(new Address(template)),
                List.of(new TypeReference<Bool>() {})))
            .get(0)
            .getValue();
  }

  private static List<Type> view(Function function) throws IOException, InterruptedException {
    var call =
        JSON.createObjectNode()
            .put("to", templateStore)
            .put("data", FunctionEncoder.encode(function));
    String result = chain.call("eth_call", call, "latest").asText();
    return FunctionReturnDecoder.decode(result, function.getOutputParameters());
  }
}
