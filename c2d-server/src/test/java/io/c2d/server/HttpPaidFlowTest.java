package io.c2d.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.keeper.EscrowClient;
import io.c2d.keeper.OceanV4Chain;
import io.c2d.keeper.ProviderFee;
import io.c2d.model.EthAddress;
import io.c2d.model.JobStatus;
import io.c2d.server.http.PaidChainProvider;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The paid flow through the Java client of the endpoints ({@link HttpConsumer}), so that a failure
 * names the endpoint: environments with fees, initializeCompute's signed providerFee and escrow
 * terms, the order and the escrow funding on anvil, a paid start, its status to the end and its
 * lock claimed on chain; a refused start's lock released; an unfunded start 402.
 */
class HttpPaidFlowTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BigInteger TOKEN = PaidChainProvider.TOKEN;

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
  void aPaidJobIsLockedClaimedAndARefusedOneReleased() throws Exception {
    HttpConsumer consumer =
        new HttpConsumer(provider.url(), ConsumerKey.of(PaidChainProvider.consumerKey()));
    consumer.root();
    EthAddress payer = EthAddress.of(OceanV4Chain.CONSUMER.getAddress());
    JsonNode environment = null;
    for (JsonNode e : consumer.environments()) {
      if (e.path("id").asText().equals(PaidChainProvider.ENVIRONMENT)) {
        environment = e;
      }
    }
    assertThat(environment).as("the paid environment is listed").isNotNull();
    JsonNode fee0 = environment.path("fees").path("8996").path(0);
    assertThat(fee0.path("feeToken").asText()).isEqualToIgnoringCase(provider.token().value());
    assertThat(fee0.path("prices").toString()).contains("\"cpu\"").contains("\"price\":1");

    ObjectNode body = body(2);
    JsonNode initialized = consumer.initialize(body);
    JsonNode payment = initialized.path("payment");
    // 2 cpus × 5 min × 1 token + 1 GiB × 5 min × 0.1 token
    BigInteger price = TOKEN.multiply(BigInteger.valueOf(105)).divide(BigInteger.TEN);
    assertThat(payment.path("amount").asText()).isEqualTo(price.toString());
    assertThat(payment.path("minLockSeconds").asLong()).isEqualTo(300 + 600);
    ProviderFee fee = feeOf(initialized.path("datasets").path(0).path("providerFee"));
    String order =
        provider
            .chain()
            .orderFor(provider.asset(), 0, fee, PaidChainProvider.providerAddress())
            .getTransactionHash();
    provider
        .chain()
        .fundEscrow(
            provider.escrowAddress(),
            provider.token(),
            TOKEN.multiply(BigInteger.valueOf(15)),
            PaidChainProvider.providerAddress(),
            Duration.ofHours(1),
            10);

    ObjectNode paid = body(2);
    ((ObjectNode) paid.path("datasets").path(0)).put("transferTxId", order);
    JsonNode started = consumer.start(paid, false);
    String jobId = started.path(0).path("jobId").asText();
    assertThat(started.path(0).path("payment").path("state").asText()).isEqualTo("locked");
    assertThat(await(provider.escrow().funds(payer, provider.token())).locked()).isEqualTo(price);

    JsonNode job = consumer.status(jobId).path(0);
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!job.path("payment").path("state").asText().matches("claimed|released|settlement-failed")
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
      job = consumer.status(jobId).path(0);
    }
    assertThat(job.path("c2dStatus").asInt()).as("%s", job).isEqualTo(JobStatus.COMPLETED.code());
    assertThat(job.path("payment").path("state").asText()).as("%s", job).isEqualTo("claimed");
    BigInteger cost = new BigInteger(job.path("payment").path("cost").asText());
    // one started minute of 2 cpus and 1 GiB
    assertThat(cost).isEqualTo(TOKEN.multiply(BigInteger.valueOf(21)).divide(BigInteger.TEN));
    EscrowClient.Funds funds = await(provider.escrow().funds(payer, provider.token()));
    assertThat(funds.locked()).isZero();
    assertThat(funds.available()).isEqualTo(TOKEN.multiply(BigInteger.valueOf(15)).subtract(cost));
    assertThat(await(provider.escrow().lockOf(jobId, payer, provider.token()))).isEmpty();

    // refused: the transferTxId is a transaction that is no order
    ObjectNode notAnOrder = body(1);
    ((ObjectNode) notAnOrder.path("datasets").path(0))
        .put("transferTxId", job.path("payment").path("claimTx").asText());
    HttpConsumer.CallFailed refused =
        catchThrowableOfType(
            HttpConsumer.CallFailed.class, () -> consumer.start(notAnOrder, false));
    assertThat(refused).as("the start with no order is refused").isNotNull();
    assertThat(refused.endpoint()).isEqualTo("computeStart");
    assertThat(refused.status()).isEqualTo(403);
    JsonNode released =
        provider.paymentRecords().values().stream()
            .filter(r -> !r.path("jobId").asText().equals(jobId))
            .filter(r -> r.path("lockTx").isTextual())
            .findFirst()
            .orElseThrow(() -> new AssertionError("the refused job was never locked"));
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!released.path("state").asText().equals("released") && System.nanoTime() < until) {
      Thread.sleep(100);
      released = provider.paymentRecords().get(released.path("jobId").asText());
    }
    assertThat(released.path("state").asText()).isEqualTo("released");
    assertThat(await(provider.escrow().funds(payer, provider.token()))).isEqualTo(funds);

    // forged: a start naming the funded payer, signed by nobody, is refused before any lock
    int records = provider.paymentRecords().size();
    ObjectNode forged = body(1);
    ((ObjectNode) forged.path("datasets").path(0)).put("transferTxId", order);
    forged.put("consumerAddress", payer.value());
    forged.put("nonce", String.valueOf(consumer.nonce() + 1));
    forged.put("signature", "0x" + "ab".repeat(65));
    HttpResponse<String> refusedForged =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(provider.url().resolve("/api/services/compute"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(forged.toString()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(refusedForged.statusCode()).as(refusedForged.body()).isEqualTo(401);
    assertThat(provider.paymentRecords()).as("no lock for a forged start").hasSize(records);
    assertThat(await(provider.escrow().funds(payer, provider.token()))).isEqualTo(funds);

    // unfunded: what is left of the deposit covers less than 2 cpus for 10 minutes
    ObjectNode greedy = body(2);
    greedy.put("maxJobDuration", 600);
    ((ObjectNode) greedy.path("datasets").path(0)).put("transferTxId", order);
    HttpConsumer.CallFailed unfunded =
        catchThrowableOfType(HttpConsumer.CallFailed.class, () -> consumer.start(greedy, false));
    assertThat(unfunded).as("the start beyond the deposit is refused").isNotNull();
    assertThat(unfunded.status()).isEqualTo(402);
    assertThat(unfunded.body()).contains("payment_insufficient_funds");
    assertThat(await(provider.escrow().funds(payer, provider.token()))).isEqualTo(funds);
  }

  private static ObjectNode body(int cpus) {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode datasets = body.putArray("datasets");
    datasets
        .addObject()
        .put("documentId", provider.asset().did().value())
        .put("serviceId", PaidChainProvider.SERVICE);
    ObjectNode meta = body.putObject("algorithm").putObject("meta");
    meta.put("rawcode", "cat \"$INPUTS\"/*/0 > \"$OUTPUTS/copy.csv\"\n");
    meta.putObject("container")
        .put("entrypoint", "sh $ALGO")
        .put("image", "busybox")
        .put("tag", "stable")
        .put("checksum", "");
    body.put("environment", PaidChainProvider.ENVIRONMENT);
    body.put("maxJobDuration", 300);
    ArrayNode resources = body.putArray("resources");
    resources.addObject().put("id", "cpu").put("amount", cpus);
    resources.addObject().put("id", "ram").put("amount", 1);
    resources.addObject().put("id", "disk").put("amount", 1);
    ObjectNode payment = body.putObject("payment");
    payment.put("chainId", 8996).put("token", provider.token().value());
    payment.set("resources", resources.deepCopy());
    body.put("chainId", 8996);
    return body;
  }

  private static ProviderFee feeOf(JsonNode json) {
    return new ProviderFee(
        EthAddress.of(json.path("providerFeeAddress").asText()),
        EthAddress.of(json.path("providerFeeToken").asText()),
        new BigInteger(json.path("providerFeeAmount").asText()),
        json.path("providerData").asText(),
        json.path("v").asInt(),
        json.path("r").asText(),
        json.path("s").asText(),
        Instant.ofEpochSecond(json.path("validUntil").asLong()));
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
