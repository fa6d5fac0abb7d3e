package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ErrorCode;
import io.c2d.PaymentException;
import io.c2d.model.ComputePricing;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.spi.agreement.AgreementQuery;
import io.c2d.spi.agreement.Verdict;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * Paid compute on a real chain: anvil with Ocean's v4 contracts and the Escrow contract of {@code
 * @oceanprotocol/contracts} 2.6.0. Provider fees signed by {@link ProviderFeeSigner} pass the
 * datatoken's {@code startOrder} (and tampered ones do not); {@link EscrowPayments} locks, claims
 * and releases the consumer's escrow deposit as ocean.js's {@code EscrowContract} leaves it.
 */
final class PaidComputeOnAnvilTest {
  private static final BigInteger TOKEN = OceanV4Chain.ONE_TOKEN;
  private static final EthAddress COLLECTOR =
      EthAddress.of("0x00000000000000000000000000000000000c011e");
  private static final String PROVIDER_FEE_EVENT = OrderVerifier.PROVIDER_FEE;

  private static AnvilNode node;
  private static OceanV4Chain chain;
  private static EthAddress token;
  private static EthAddress escrowAddress;
  private static EscrowClient escrow;
  private static EscrowPayments payments;
  private static ComputePricing pricing;

  @BeforeAll
  static void deploy() throws Exception {
    node = AnvilNode.start();
    chain = OceanV4Chain.deploy(node);
    token = chain.deployPaymentToken();
    escrowAddress = chain.deployEscrow(COLLECTOR);
    ChainSettings settings =
        ChainSettings.builder()
            .rpcUrl(node.rpc())
            .chainId(AnvilNode.CHAIN_ID)
            .providerAddress(EthAddress.of(OceanV4Chain.PROVIDER.getAddress()))
            .build();
    escrow =
        EscrowClient.builder(settings, escrowAddress)
            .providerKey(keyOf(OceanV4Chain.PROVIDER))
            .build();
    payments = EscrowPayments.builder(escrow).claimTime(Duration.ofMinutes(10)).build();
    // one token per cpu-minute, a tenth of a token per GB of memory and minute
    pricing =
        ComputePricing.builder(token)
            .price("cpu", TOKEN)
            .price("ram", TOKEN.divide(BigInteger.TEN))
            .build();
    // the consumer funds the escrow as ocean.js's EscrowContract.verifyFundsForEscrowPayment does:
    // approve, deposit, authorize the provider as payee
    depositAndAuthorize(OceanV4Chain.CONSUMER, 100, 60, Duration.ofHours(2), 10);
  }

  @AfterAll
  static void stop() {
    if (escrow != null) {
      escrow.close();
    }
    if (chain != null) {
      chain.close();
    }
    if (node != null) {
      node.close();
    }
  }

  // ---- provider fees ----

  @Test
  void aFreeProviderFeeSignedByTheProviderPassesStartOrder() throws Exception {
    OceanV4Chain.Asset asset = chain.publish();
    ProviderFeeSigner signer = ProviderFeeSigner.create(keyOf(OceanV4Chain.PROVIDER));
    String data =
        ProviderFeeSigner.computeProviderData(
            "paid-env", asset.datatoken(), "compute", Instant.now().plusSeconds(3600));
    ProviderFee fee = signer.signFree(data, Instant.now().plusSeconds(3600));

    TransactionReceipt receipt = chain.orderWithFee(asset, 0, fee);

    assertThat(receipt.isStatusOK()).as("startOrder with the signed fee succeeded").isTrue();
    assertThat(providerFeeLogs(receipt, asset)).hasSize(1);
    assertThat(fee.feeAddress().value()).isEqualTo(OceanV4Chain.PROVIDER.getAddress());
    assertThat(fee.v()).isIn(27, 28);
  }

  @Test
  void theOrderVerifierAllowsAnOrderPaidWithTheSignersFee() throws Exception {
    OceanV4Chain.Asset asset = chain.publish();
    ProviderFeeSigner signer = ProviderFeeSigner.create(keyOf(OceanV4Chain.PROVIDER));
    Instant validUntil = Instant.now().plusSeconds(3600);
    ProviderFee fee =
        signer.signFree(
            ProviderFeeSigner.computeProviderData(
                "paid-env", asset.datatoken(), "compute", validUntil),
            validUntil);
    String tx = chain.orderWithFee(asset, 1, fee).getTransactionHash();
    ServiceDirectory services =
        ServiceDirectory.builder()
            .service(
                asset.did(),
                "compute",
                new OrderedService(asset.datatoken(), 1, Duration.ofDays(1)))
            .build();

    try (OrderVerifier verifier =
        OrderVerifier.create(
            ChainSettings.builder()
                .rpcUrl(node.rpc())
                .chainId(AnvilNode.CHAIN_ID)
                .providerAddress(signer.address())
                .build(),
            services)) {
      Verdict verdict =
          verifier
              .verify(
                  new AgreementQuery(
                      EthAddress.of(OceanV4Chain.CONSUMER.getAddress()),
                      asset.did(),
                      "compute",
                      null,
                      tx,
                      "paid-env",
                      false,
                      false))
              .toCompletableFuture()
              .get(20, TimeUnit.SECONDS);

      assertThat(verdict.isAllowed()).as("%s", verdict).isTrue();
    }
  }

  @Test
  void aPaidProviderFeeIsPaidToTheProviderByStartOrder() throws Exception {
    OceanV4Chain.Asset asset = chain.publish();
    BigInteger amount = TOKEN.multiply(BigInteger.valueOf(3));
    // the datatoken pulls the fee from the consumer: approve it first
    chain.send(
        OceanV4Chain.CONSUMER,
        token.value(),
        new Function(
            "approve",
            List.of(new Address(asset.datatoken().value()), new Uint256(amount)),
            List.of()),
        true);
    BigInteger before = chain.balanceOf(token, OceanV4Chain.PROVIDER.getAddress());
    ProviderFee fee =
        ProviderFeeSigner.create(keyOf(OceanV4Chain.PROVIDER))
            .sign(token, amount, "{\"dt\":\"x\",\"id\":\"compute\"}", Instant.EPOCH);

    TransactionReceipt receipt = chain.orderWithFee(asset, 0, fee);

    assertThat(receipt.isStatusOK()).isTrue();
    assertThat(chain.balanceOf(token, OceanV4Chain.PROVIDER.getAddress()).subtract(before))
        .as("the provider's cut (the router's OPC provider fee is 0)")
        .isEqualTo(amount);
    assertThat(fee.toOceanJson())
        .containsEntry("providerFeeAmount", amount.toString())
        .containsEntry("validUntil", 0L)
        .containsKeys("providerFeeAddress", "providerFeeToken", "providerData", "v", "r", "s");
  }

  @Test
  void aFeeWithATamperedAmountIsRefusedByTheDatatoken() throws Exception {
    OceanV4Chain.Asset asset = chain.publish();
    ProviderFee signed =
        ProviderFeeSigner.create(keyOf(OceanV4Chain.PROVIDER))
            .signFree("{\"dt\":\"x\",\"id\":\"compute\"}", Instant.now().plusSeconds(600));
    ProviderFee tampered =
        new ProviderFee(
            signed.feeAddress(),
            signed.feeToken(),
            BigInteger.ONE,
            signed.providerData(),
            signed.v(),
            signed.r(),
            signed.s(),
            signed.validUntil());

    assertThat(chain.orderWithFee(asset, 0, tampered).isStatusOK()).isFalse();
    assertThat(chain.orderWithFee(asset, 0, signed).isStatusOK()).isTrue();
  }

  @Test
  void aFeeSignedByAnotherKeyIsRefusedByTheDatatoken() throws Exception {
    OceanV4Chain.Asset asset = chain.publish();
    ProviderFee other =
        ProviderFeeSigner.create(keyOf(OceanV4Chain.OTHER_PROVIDER))
            .signFree("{\"dt\":\"x\",\"id\":\"compute\"}", Instant.now().plusSeconds(600));
    // claims to come from the provider, signed by someone else
    ProviderFee forged =
        new ProviderFee(
            EthAddress.of(OceanV4Chain.PROVIDER.getAddress()),
            other.feeToken(),
            other.amount(),
            other.providerData(),
            other.v(),
            other.r(),
            other.s(),
            other.validUntil());

    assertThat(chain.orderWithFee(asset, 0, forged).isStatusOK()).isFalse();
  }

  // ---- escrow ----

  @Test
  void aLockedJobIsClaimedForWhatRanAndTheRestReturnsToThePayer() throws Exception {
    EthAddress payer = EthAddress.of(OceanV4Chain.CONSUMER.getAddress());
    PaymentTerms terms = new PaymentTerms(payer, token, Map.of("cpu", 2L), Duration.ofMinutes(10));
    JobId job = nextJob();
    EscrowClient.Funds before = await(escrow.funds(payer, token));
    BigInteger providerBefore = chain.balanceOf(token, OceanV4Chain.PROVIDER.getAddress());
    BigInteger collectorBefore = chain.balanceOf(token, COLLECTOR.value());

    EscrowQuote quote = payments.quote(pricing, terms);
    EscrowLock lock = await(payments.lock(job, pricing, terms));

    assertThat(quote.amount()).isEqualTo(TOKEN.multiply(BigInteger.valueOf(20)));
    assertThat(quote.minLock()).isEqualTo(Duration.ofMinutes(20));
    assertThat(quote.toOceanJson())
        .containsEntry("amount", quote.amount().toString())
        .containsEntry("minLockSeconds", 1200L)
        .containsEntry("chainId", AnvilNode.CHAIN_ID);
    assertThat(lock.amount()).isEqualTo(quote.amount());
    assertThat(lock.transaction()).isPresent();
    assertThat(lock.lockId())
        .isEqualTo(
            Numeric.toBigInt(
                Hash.sha256(job.value().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    EscrowClient.Funds locked = await(escrow.funds(payer, token));
    assertThat(locked.available()).isEqualTo(before.available().subtract(quote.amount()));
    assertThat(locked.locked()).isEqualTo(before.locked().add(quote.amount()));

    // ran 3 min 10 s: four started minutes of 2 cpus = 8 tokens
    EscrowSettlement settlement =
        await(payments.settle(job, pricing, terms, Duration.ofSeconds(190)));

    BigInteger cost = TOKEN.multiply(BigInteger.valueOf(8));
    assertThat(settlement.claimed()).isEqualTo(cost);
    assertThat(settlement.refunded()).isEqualTo(quote.amount().subtract(cost));
    EscrowClient.Funds after = await(escrow.funds(payer, token));
    assertThat(after.available()).isEqualTo(before.available().subtract(cost));
    assertThat(after.locked()).isEqualTo(before.locked());
    BigInteger opcFee =
        cost.multiply(
                chain.readUint(
                    chain.router(),
                    new Function("getOPCFee", List.of(new Address(token.value())), List.of())))
            .divide(TOKEN);
    assertThat(chain.balanceOf(token, COLLECTOR.value()).subtract(collectorBefore))
        .isEqualTo(opcFee);
    assertThat(chain.balanceOf(token, OceanV4Chain.PROVIDER.getAddress()).subtract(providerBefore))
        .as("withdrawn to the provider: the cost less Ocean's community fee")
        .isEqualTo(cost.subtract(opcFee));
    assertThat(await(escrow.lockOf(job.value(), payer, token))).isEmpty();
  }

  @Test
  void aClaimNeverTakesMoreThanTheLock() throws Exception {
    EthAddress payer = EthAddress.of(OceanV4Chain.CONSUMER.getAddress());
    PaymentTerms terms = new PaymentTerms(payer, token, Map.of("cpu", 1L), Duration.ofMinutes(2));
    JobId job = nextJob();
    EscrowClient.Funds before = await(escrow.funds(payer, token));
    await(payments.lock(job, pricing, terms));

    EscrowSettlement settlement =
        await(escrow.claim(job.value(), token, payer, TOKEN.multiply(BigInteger.TEN), "{}"));

    assertThat(settlement.claimed()).isEqualTo(TOKEN.multiply(BigInteger.TWO));
    assertThat(settlement.refunded()).isZero();
    assertThat(await(escrow.funds(payer, token)).available())
        .isEqualTo(before.available().subtract(TOKEN.multiply(BigInteger.TWO)));
  }

  @Test
  void lockingAJobTwiceLocksOnce() throws Exception {
    EthAddress payer = EthAddress.of(OceanV4Chain.CONSUMER.getAddress());
    PaymentTerms terms = new PaymentTerms(payer, token, Map.of("cpu", 1L), Duration.ofMinutes(1));
    JobId job = nextJob();
    EscrowClient.Funds before = await(escrow.funds(payer, token));

    EscrowLock first = await(payments.lock(job, pricing, terms));
    EscrowLock second = await(payments.lock(job, pricing, terms));

    assertThat(second.lockId()).isEqualTo(first.lockId());
    assertThat(second.transaction()).isEmpty();
    assertThat(await(escrow.funds(payer, token)).locked()).isEqualTo(before.locked().add(TOKEN));
    await(payments.release(job, terms));
  }

  @Test
  void aReleaseReturnsTheWholeLockAtOnceAndTwiceIsHarmless() throws Exception {
    EthAddress payer = EthAddress.of(OceanV4Chain.CONSUMER.getAddress());
    PaymentTerms terms =
        new PaymentTerms(payer, token, Map.of("cpu", 1L, "ram", 4L), Duration.ofMinutes(5));
    JobId job = nextJob();
    EscrowClient.Funds before = await(escrow.funds(payer, token));
    EscrowLock lock = await(payments.lock(job, pricing, terms));
    assertThat(lock.amount()).isEqualTo(TOKEN.multiply(BigInteger.valueOf(7))); // (1 + 0.4) × 5

    EscrowSettlement released = await(payments.release(job, terms));
    EscrowSettlement again = await(payments.release(job, terms));

    assertThat(released.claimed()).isZero();
    assertThat(released.refunded()).isEqualTo(lock.amount());
    assertThat(released.transaction()).isPresent();
    assertThat(again.transaction()).isEmpty();
    assertThat(await(escrow.funds(payer, token))).isEqualTo(before);
  }

  @Test
  void aLockBeyondThePayersFundsIsRefusedBeforeAnythingIsSent() throws Exception {
    EthAddress payer = EthAddress.of(OceanV4Chain.CONSUMER.getAddress());
    // 2 cpus for 10 hours: 1200 tokens, more than the 100 deposited
    PaymentTerms terms = new PaymentTerms(payer, token, Map.of("cpu", 2L), Duration.ofHours(10));
    EscrowClient.Funds before = await(escrow.funds(payer, token));

    assertThat(failure(payments.lock(nextJob(), pricing, terms)))
        .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYMENT_INSUFFICIENT_FUNDS))
        .hasMessageContaining("deposit");
    assertThat(await(escrow.funds(payer, token))).isEqualTo(before);
  }

  @Test
  void aLockWithoutAnAuthorisationIsRefused() throws Exception {
    // the stranger deposits but never authorises the provider
    Credentials stranger = OceanV4Chain.STRANGER;
    chain.send(
        stranger,
        token.value(),
        new Function(
            "approve",
            List.of(
                new Address(escrowAddress.value()), new Uint256(TOKEN.multiply(BigInteger.TEN))),
            List.of()),
        true);
    chain.send(
        stranger,
        escrowAddress.value(),
        new Function(
            "deposit",
            List.of(new Address(token.value()), new Uint256(TOKEN.multiply(BigInteger.TEN))),
            List.of()),
        true);
    PaymentTerms terms =
        new PaymentTerms(
            EthAddress.of(stranger.getAddress()), token, Map.of("cpu", 1L), Duration.ofMinutes(1));

    assertThat(await(escrow.authorization(terms.payer(), token))).isEmpty();
    assertThat(failure(payments.lock(nextJob(), pricing, terms)))
        .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYMENT_NOT_AUTHORIZED))
        .hasMessageContaining("authorize");
  }

  @Test
  void aLockBeyondTheAuthorisationsLimitsIsRefused() throws Exception {
    EthAddress payer = EthAddress.of(OceanV4Chain.CONSUMER.getAddress());
    EscrowClient.Authorization auth = await(escrow.authorization(payer, token)).orElseThrow();
    assertThat(auth.maxLockedAmount()).isEqualTo(TOKEN.multiply(BigInteger.valueOf(60)));
    assertThat(auth.maxLockSeconds()).isEqualTo(BigInteger.valueOf(7200));

    // 70 tokens: the funds cover it, the authorisation (60) does not
    PaymentTerms tooMuch =
        new PaymentTerms(payer, token, Map.of("cpu", 7L), Duration.ofMinutes(10));
    // 3 hours plus the claim time: longer than the 2 hours authorised
    PaymentTerms tooLong = new PaymentTerms(payer, token, Map.of("ram", 1L), Duration.ofHours(3));

    assertThat(failure(payments.lock(nextJob(), pricing, tooMuch)))
        .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYMENT_NOT_AUTHORIZED))
        .hasMessageContaining("maxLockedAmount");
    assertThat(failure(payments.lock(nextJob(), pricing, tooLong)))
        .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYMENT_NOT_AUTHORIZED))
        .hasMessageContaining("maxLockSeconds");
  }

  @Test
  void paymentInAnotherTokenIsRefused() throws Exception {
    PaymentTerms terms =
        new PaymentTerms(
            EthAddress.of(OceanV4Chain.CONSUMER.getAddress()),
            EthAddress.of("0x00000000000000000000000000000000000000aa"),
            Map.of("cpu", 1L),
            Duration.ofMinutes(1));

    assertThatThrownBy(() -> payments.quote(pricing, terms))
        .isInstanceOfSatisfying(
            PaymentException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYMENT_TOKEN_UNSUPPORTED));
    assertThat(failure(payments.lock(nextJob(), pricing, terms)).code())
        .isEqualTo(ErrorCode.PAYMENT_TOKEN_UNSUPPORTED);
  }

  @Test
  void aLockThatExpiredCannotBeClaimedAndReturnsToThePayer() throws Exception {
    EthAddress payer = EthAddress.of(OceanV4Chain.CONSUMER.getAddress());
    EscrowPayments quick = EscrowPayments.builder(escrow).claimTime(Duration.ZERO).build();
    PaymentTerms terms = new PaymentTerms(payer, token, Map.of("cpu", 1L), Duration.ofMinutes(1));
    JobId job = nextJob();
    EscrowClient.Funds before = await(escrow.funds(payer, token));
    await(quick.lock(job, pricing, terms));

    node.increaseTime(Duration.ofMinutes(2));

    assertThat(failure(quick.settle(job, pricing, terms, Duration.ofSeconds(30))))
        .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYMENT_EXPIRED))
        .hasMessageContaining("expired");
    assertThat(await(escrow.funds(payer, token))).isEqualTo(before);
    assertThat(failure(quick.settle(job, pricing, terms, Duration.ofSeconds(30))).code())
        .isEqualTo(ErrorCode.PAYMENT_EXPIRED);
  }

  @Test
  void anUnreachableChainIsARetryableFailure() throws Exception {
    ChainSettings settings =
        ChainSettings.builder()
            .rpcUrl(LoopbackEndpoints.closed())
            .chainId(AnvilNode.CHAIN_ID)
            .rpcTimeout(Duration.ofSeconds(2))
            .build();
    try (EscrowClient unreachable =
        EscrowClient.builder(settings, escrowAddress)
            .providerKey(keyOf(OceanV4Chain.PROVIDER))
            .build()) {
      PaymentException e =
          failure(
              EscrowPayments.builder(unreachable)
                  .build()
                  .lock(
                      nextJob(),
                      pricing,
                      new PaymentTerms(
                          EthAddress.of(OceanV4Chain.CONSUMER.getAddress()),
                          token,
                          Map.of("cpu", 1L),
                          Duration.ofMinutes(1))));

      assertThat(e.code()).isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);
      assertThat(e.retryable()).isTrue();
    }
  }

  // ---- helpers ----

  private static void depositAndAuthorize(
      Credentials payer, long tokens, long maxLocked, Duration maxLock, long maxLocks)
      throws Exception {
    BigInteger amount = TOKEN.multiply(BigInteger.valueOf(tokens));
    chain.send(
        payer,
        token.value(),
        new Function(
            "approve", List.of(new Address(escrowAddress.value()), new Uint256(amount)), List.of()),
        true);
    chain.send(
        payer,
        escrowAddress.value(),
        new Function(
            "deposit", List.of(new Address(token.value()), new Uint256(amount)), List.of()),
        true);
    chain.send(
        payer,
        escrowAddress.value(),
        new Function(
            "authorize",
            List.of(
                new Address(token.value()),
                new Address(OceanV4Chain.PROVIDER.getAddress()),
                new Uint256(TOKEN.multiply(BigInteger.valueOf(maxLocked))),
                new Uint256(maxLock.toSeconds()),
                new Uint256(maxLocks)),
            List.of()),
        true);
  }

  private static List<Log> providerFeeLogs(TransactionReceipt receipt, OceanV4Chain.Asset asset) {
    return receipt.getLogs().stream()
        .filter(log -> log.getAddress().equalsIgnoreCase(asset.datatoken().value()))
        .filter(log -> log.getTopics().get(0).equalsIgnoreCase(PROVIDER_FEE_EVENT))
        .toList();
  }

  private static String keyOf(Credentials credentials) {
    return Numeric.toHexStringWithPrefixZeroPadded(credentials.getEcKeyPair().getPrivateKey(), 64);
  }

  private static JobId nextJob() {
    return JobId.of(UUID.randomUUID().toString().replace("-", ""));
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static PaymentException failure(CompletionStage<?> stage) throws Exception {
    try {
      stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(PaymentException.class);
      return (PaymentException) e.getCause();
    }
    throw new AssertionError("expected the stage to fail with a PaymentException");
  }
}
