package io.c2d.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.keeper.EscrowClient;
import io.c2d.model.EthAddress;
import io.c2d.model.JobStatus;
import io.c2d.testkit.junit.Requires;
import java.math.BigInteger;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;

/**
 * The paid flow with the unmodified ocean.js 8.6.2 on anvil ({@link PaidChainProvider}): ocean.js
 * reads the environment's fees, calls initializeCompute, orders the dataset with the provider's
 * signed fee, funds and authorises the escrow, starts the paid job, polls it to the end and
 * downloads its results; the lock is then claimed on chain for what the job cost. A start whose
 * order is no order is refused and its lock released; a start the deposit cannot cover is 402.
 * Every assertion reads what ocean.js returned or the chain itself.
 */
@Requires(OceanJs.class)
class OceanJsPaidFlowTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration FLOW_TIMEOUT = Duration.ofSeconds(150);

  private static PaidChainProvider provider;

  @BeforeAll
  static void start() throws Exception {
    provider = PaidChainProvider.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (provider != null) {
      provider.close();
    }
  }

  @Test
  void paysForAJobThroughTheEscrowAndReleasesARefusedOnesLock() throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("key", PaidChainProvider.consumerKey());
    options.put("rpc", provider.rpc().toString());
    options.put("environment", PaidChainProvider.ENVIRONMENT);
    ArrayNode datasets = JSON.createArrayNode();
    datasets
        .addObject()
        .put("documentId", provider.asset().did().value())
        .put("serviceId", PaidChainProvider.SERVICE);
    options.put("datasets", JSON.writeValueAsString(datasets));
    ObjectNode algorithm = JSON.createObjectNode();
    ObjectNode meta = algorithm.putObject("meta");
    meta.put("rawcode", "cat \"$INPUTS\"/*/0 > \"$OUTPUTS/copy.csv\"\n");
    meta.putObject("container")
        .put("entrypoint", "sh $ALGO")
        .put("image", "busybox")
        .put("tag", "stable")
        .put("checksum", "");
    options.put("algorithm", JSON.writeValueAsString(algorithm));
    ArrayNode resources = JSON.createArrayNode();
    resources.addObject().put("id", "cpu").put("amount", 1);
    resources.addObject().put("id", "ram").put("amount", 1);
    resources.addObject().put("id", "disk").put("amount", 1);
    options.put("resources", JSON.writeValueAsString(resources));
    options.put("max-job-duration", "300");
    options.put("datatoken", provider.asset().datatoken().value());
    options.put("service-index", "0");
    options.put("deposit", "8");
    options.put("too-many-cpus", "2");
    EthAddress payer = EthAddress.of(io.c2d.keeper.OceanV4Chain.CONSUMER.getAddress());
    BigInteger providerBefore =
        provider.chain().balanceOf(provider.token(), PaidChainProvider.providerAddress().value());

    OceanJsRun run =
        new OceanJsClient(provider.url()).run("paid", options, FLOW_TIMEOUT).assertDone();
    String shown = run.describe();

    // the environment's price, as ocean.js read it
    JsonNode fees = run.step("environment").path("environment").path("fees").path("8996");
    assertThat(fees.path(0).path("feeToken").asText())
        .as("fees\n%s", shown)
        .isEqualToIgnoringCase(provider.token().value());
    // initializeCompute: a providerFee from the provider's key, the escrow terms
    JsonNode initialized = run.step("initialize").path("answer");
    JsonNode fee = initialized.path("datasets").path(0).path("providerFee");
    assertThat(fee.path("providerFeeAddress").asText())
        .as("providerFee\n%s", shown)
        .isEqualToIgnoringCase(PaidChainProvider.providerAddress().value());
    JsonNode payment = initialized.path("payment");
    // 1 cpu × 5 min × 1 token + 1 GiB × 5 min × 0.1 token
    BigInteger price =
        PaidChainProvider.TOKEN.multiply(BigInteger.valueOf(55)).divide(BigInteger.TEN);
    assertThat(payment.path("amount").asText())
        .as("payment\n%s", shown)
        .isEqualTo(price.toString());
    assertThat(payment.path("escrowAddress").asText())
        .isEqualToIgnoringCase(provider.escrowAddress().value());
    assertThat(payment.path("payee").asText())
        .isEqualToIgnoringCase(PaidChainProvider.providerAddress().value());
    assertThat(run.step("order").path("status").asInt())
        .as("startOrder with the provider's fee succeeded\n%s", shown)
        .isEqualTo(1);

    // the paid job: locked at start, ran, claimed for what it cost
    String jobId = run.step("start").path("answer").path(0).path("jobId").asText();
    assertThat(jobId).as("computeStart's job\n%s", shown).isNotBlank();
    assertThat(run.step("locked").path("funds").path("locked").asText())
        .as("the price locked at start\n%s", shown)
        .isEqualTo(price.toString());
    JsonNode last = run.step("final").path("job");
    assertThat(last.path("c2dStatus").asInt())
        .as("the paid job succeeded\n%s", shown)
        .isEqualTo(JobStatus.COMPLETED.code());
    assertThat(run.all("result")).as("results downloaded\n%s", shown).isNotEmpty();
    JsonNode settled = run.step("settled").path("job").path("payment");
    assertThat(settled.path("state").asText()).as("settled\n%s", shown).isEqualTo("claimed");
    BigInteger cost = new BigInteger(settled.path("cost").asText());
    // one started minute of 1 cpu and 1 GiB: 1.1 tokens
    assertThat(cost)
        .isEqualTo(PaidChainProvider.TOKEN.multiply(BigInteger.valueOf(11)).divide(BigInteger.TEN));
    assertThat(run.step("settled").path("funds").path("locked").asText()).isEqualTo("0");
    assertThat(new BigInteger(run.step("settled").path("funds").path("available").asText()))
        .as("the deposit less the cost\n%s", shown)
        .isEqualTo(PaidChainProvider.TOKEN.multiply(BigInteger.valueOf(8)).subtract(cost));
    // on chain: the claim transaction emitted Claimed for this job's lock, the lock is gone, the
    // provider was paid the cost less Ocean's community fee (0 on this router)
    assertClaimed(settled.path("claimTx").asText(), jobId, cost);
    assertThat(await(provider.escrow().lockOf(jobId, payer, provider.token()))).isEmpty();
    assertThat(
            provider
                .chain()
                .balanceOf(provider.token(), PaidChainProvider.providerAddress().value())
                .subtract(providerBefore))
        .as("paid to the provider")
        .isPositive()
        .isLessThanOrEqualTo(cost);

    // refused (the transferTxId is no order): the lock made for it was released
    JsonNode refused = run.step("refused-start");
    assertThat(refused.path("threw").asBoolean()).as("refused\n%s", shown).isTrue();
    assertThat(refused.path("error").asText()).contains("order");
    JsonNode after = run.step("after-refused");
    assertThat(after.path("funds")).as("funds back\n%s", shown).isEqualTo(after.path("before"));
    JsonNode released =
        provider.paymentRecords().values().stream()
            .filter(r -> !r.path("jobId").asText().equals(jobId))
            .filter(r -> r.path("state").asText().equals("released"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no released lock\n" + shown));
    assertClaimed(
        released.path("cancelTx").asText(), released.path("jobId").asText(), BigInteger.ZERO);
    assertThat(released.path("lockTx").asText()).as("it was locked first").isNotBlank();

    // a start the deposit cannot cover: 402, nothing locked
    JsonNode unfunded = run.step("unfunded-start");
    assertThat(unfunded.path("threw").asBoolean()).as("unfunded\n%s", shown).isTrue();
    assertThat(unfunded.path("error").asText()).contains("payment_");
    EscrowClient.Funds funds = await(provider.escrow().funds(payer, provider.token()));
    assertThat(funds.locked()).isZero();
  }

  /** The receipt of {@code tx} is a successful claim of {@code amount} for {@code jobId}'s lock. */
  private static void assertClaimed(String tx, String jobId, BigInteger amount) throws Exception {
    assertThat(tx).as("a settlement transaction").startsWith("0x");
    Web3j web3j = Web3j.build(new HttpService(provider.rpc().toString()));
    try {
      Optional<TransactionReceipt> receipt =
          web3j.ethGetTransactionReceipt(tx).send().getTransactionReceipt();
      assertThat(receipt).isPresent();
      assertThat(receipt.get().isStatusOK()).isTrue();
      String claimed =
          org.web3j.crypto.Hash.sha3String(
              "Claimed(address,uint256,address,address,uint256,bytes)");
      String lockId =
          org.web3j.utils.Numeric.toHexStringWithPrefixZeroPadded(EscrowClient.lockIdOf(jobId), 64);
      assertThat(receipt.get().getLogs())
          .as("Claimed(%s) in %s", jobId, tx)
          .anySatisfy(
              log -> {
                assertThat(log.getAddress())
                    .isEqualToIgnoringCase(provider.escrowAddress().value());
                assertThat(log.getTopics().get(0)).isEqualToIgnoringCase(claimed);
                assertThat(log.getTopics().toString() + log.getData())
                    .containsIgnoringCase(lockId.substring(2));
                assertThat(log.getData())
                    .containsIgnoringCase(
                        org.web3j.utils.Numeric.toHexStringNoPrefixZeroPadded(amount, 64));
              });
    } finally {
      web3j.shutdown();
    }
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
