package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.spi.agreement.AgreementQuery;
import io.c2d.spi.agreement.Verdict;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link AgreementVerifier} against Ocean's real Keeper contracts on anvil: every rule allows or
 * refuses for its own reason, and a chain that cannot answer gives unknown.
 */
final class AgreementVerifierTest {
  private static AnvilNode node;
  private static KeeperChain chain;

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

  @Test
  void allowsAPaidAndGrantedAgreementInTwoRoundTrips() throws Exception {
    KeeperChain.Agreement agreement = grantedAgreement();
    try (AgreementVerifier verifier = verifier(1)) {
      Verdict first = verdict(verifier, query(agreement));
      long afterFirst = verifier.roundTrips();
      Verdict second = verdict(verifier, query(agreement));

      assertThat(first.decision()).as("%s", first).isEqualTo(Verdict.Decision.ALLOW);
      assertThat(first.validUntil()).as("allowed once: nothing on chain bounds it").isEmpty();
      assertThat(second).isEqualTo(first);
      // the chain-id check rides in the first batch, so even the first verification is two
      assertThat(afterFirst).isEqualTo(2);
      assertThat(verifier.roundTrips() - afterFirst).isEqualTo(2);
    }
  }

  @Test
  void refusesAnAgreementThatDoesNotExist() throws Exception {
    Did did = chain.registerDid(KeeperChain.PROVIDER);
    AgreementQuery query =
        new AgreementQuery(
            EthAddress.of(KeeperChain.CONSUMER),
            did,
            "compute",
            "0x" + "5e".repeat(32),
            null,
            "local",
            true,
            false);
    try (AgreementVerifier verifier = verifier(1)) {
      Verdict verdict = verdict(verifier, query);

      assertRefused(verdict, "does not exist");
      assertThat(verifier.roundTrips()).as("no second batch for a missing agreement").isEqualTo(1);
    }
  }

  @Test
  void refusesARequestWithoutAgreementIdAfterOneCheapQuestion() throws Exception {
    Did did = chain.registerDid(KeeperChain.PROVIDER);
    AgreementQuery query =
        new AgreementQuery(
            EthAddress.of(KeeperChain.CONSUMER), did, "compute", null, null, "local", true, false);
    try (AgreementVerifier verifier = verifier(1)) {
      assertRefused(verdict(verifier, query), "names no Keeper service agreement");
      assertRefused(verdict(verifier, withAgreementId(query, "0x1234")), "0x and 64 hex digits");
      assertThat(verifier.roundTrips()).as("one eth_blockNumber each").isEqualTo(2);
    }
  }

  @Test
  void refusesWhenTheTrustedTemplateStoreHasNotApprovedTheTemplate() throws Exception {
    KeeperChain.Agreement agreement = grantedAgreement();
    String otherStore = chain.newTemplateStore();
    try (AgreementVerifier verifier =
        chain.verifier(chain.settings(KeeperChain.PROVIDER, 1), otherStore).build()) {
      assertRefused(verdict(verifier, query(agreement)), "which is unknown, not approved");
    }
  }

  @Test
  void refusesOnceTheTemplateIsRevokedAfterApproval() throws Exception {
    String template = chain.newComputeTemplate(chain.templateStore, true);
    Did did = chain.registerDid(KeeperChain.PROVIDER);
    KeeperChain.Agreement agreement = chain.createAgreement(template, did, KeeperChain.CONSUMER, 0);
    chain.lockReward(agreement);
    chain.fulfilCompute(agreement);
    try (AgreementVerifier verifier = verifier(1)) {
      assertThat(verdict(verifier, query(agreement)).isAllowed()).isTrue();

      chain.revokeTemplate(template);

      assertRefused(verdict(verifier, query(agreement)), "which is revoked, not approved");
    }
  }

  @Test
  void refusesAnAgreementOnAnotherAsset() throws Exception {
    KeeperChain.Agreement agreement = grantedAgreement();
    Did other = chain.registerDid(KeeperChain.PROVIDER);
    AgreementQuery query =
        new AgreementQuery(
            agreement.consumerAddress(),
            other,
            "compute",
            agreement.id(),
            null,
            "local",
            true,
            false);
    try (AgreementVerifier verifier = verifier(1)) {
      assertRefused(verdict(verifier, query), "is on asset " + agreement.did().value());
    }
  }

  @Test
  void refusesAnotherConsumer() throws Exception {
    KeeperChain.Agreement agreement = grantedAgreement();
    AgreementQuery query =
        new AgreementQuery(
            EthAddress.of(KeeperChain.STRANGER),
            agreement.did(),
            "compute",
            agreement.id(),
            null,
            "local",
            true,
            false);
    try (AgreementVerifier verifier = verifier(1)) {
      assertRefused(verdict(verifier, query), "to another consumer than " + KeeperChain.STRANGER);
    }
  }

  @Test
  void refusesWhileTheRewardIsNotLocked() throws Exception {
    Did did = chain.registerDid(KeeperChain.PROVIDER);
    KeeperChain.Agreement agreement = chain.createAgreement(did, KeeperChain.CONSUMER, 0);
    try (AgreementVerifier verifier = verifier(1)) {
      assertRefused(verdict(verifier, query(agreement)), "is not locked");
    }
  }

  @Test
  void refusesWhileTheProviderHasNotGrantedTheCompute() throws Exception {
    Did did = chain.registerDid(KeeperChain.PROVIDER);
    KeeperChain.Agreement agreement = chain.createAgreement(did, KeeperChain.CONSUMER, 0);
    chain.lockReward(agreement);
    try (AgreementVerifier verifier = verifier(1)) {
      assertRefused(verdict(verifier, query(agreement)), "has not been granted");
    }
  }

  @Test
  void refusesAConditionTimedOutAndThenAborted() throws Exception {
    Did did = chain.registerDid(KeeperChain.PROVIDER);
    KeeperChain.Agreement agreement = chain.createAgreement(did, KeeperChain.CONSUMER, 2);
    chain.lockReward(agreement);
    node.mine(3);
    try (AgreementVerifier verifier = verifier(1)) {
      assertRefused(
          verdict(verifier, query(agreement)),
          "the compute-execution condition of agreement " + agreement.id() + " timed out");

      chain.abortCompute(agreement);

      assertThat(chain.conditionState(agreement.computeCondition())).isEqualTo(3);
      assertRefused(
          verdict(verifier, query(agreement)),
          "the compute-execution condition of agreement " + agreement.id() + " was aborted");
    }
  }

  @Test
  void refusesWhenThisProviderDoesNotServeTheAsset() throws Exception {
    Did did = chain.registerDid(KeeperChain.STRANGER);
    KeeperChain.Agreement agreement = chain.createAgreement(did, KeeperChain.CONSUMER, 0);
    chain.lockReward(agreement);
    try (AgreementVerifier verifier = verifier(1)) {
      assertRefused(
          verdict(verifier, query(agreement)),
          "this provider (" + KeeperChain.PROVIDER + ") is not a provider of");
    }
  }

  @Test
  void refusesOnceTheProviderIsRemovedFromTheAsset() throws Exception {
    KeeperChain.Agreement agreement = grantedAgreement();
    try (AgreementVerifier verifier = verifier(1)) {
      assertThat(verdict(verifier, query(agreement)).isAllowed()).isTrue();

      chain.removeProvider(agreement.did(), KeeperChain.PROVIDER);

      assertRefused(verdict(verifier, query(agreement)), "is not a provider of");
    }
  }

  @Test
  void fulfilsTheComputeExecutionItselfAndThenAllows() throws Exception {
    Did did = chain.registerDid(KeeperChain.PROVIDER);
    KeeperChain.Agreement agreement = chain.createAgreement(did, KeeperChain.CONSUMER, 0);
    chain.lockReward(agreement);
    try (AgreementVerifier verifier =
        chain
            .verifier(chain.settings(KeeperChain.PROVIDER, 1), chain.templateStore)
            .fulfilComputeExecution(KeeperChain.PROVIDER_KEY)
            .build()) {
      Verdict verdict = verdict(verifier, query(agreement));

      assertThat(verdict.decision()).as("%s", verdict).isEqualTo(Verdict.Decision.ALLOW);
      assertThat(chain.conditionState(agreement.computeCondition())).as("granted").isEqualTo(2);
      // read, prepare, send, await the receipt, read again
      assertThat(verifier.roundTrips()).isBetween(6L, 10L);
    }
  }

  @Test
  void doesNotFulfilForAnUnpaidAgreement() throws Exception {
    Did did = chain.registerDid(KeeperChain.PROVIDER);
    KeeperChain.Agreement agreement = chain.createAgreement(did, KeeperChain.CONSUMER, 0);
    try (AgreementVerifier verifier =
        chain
            .verifier(chain.settings(KeeperChain.PROVIDER, 1), chain.templateStore)
            .fulfilComputeExecution(KeeperChain.PROVIDER_KEY)
            .build()) {
      assertRefused(verdict(verifier, query(agreement)), "is not locked");
      assertThat(chain.conditionState(agreement.computeCondition())).isEqualTo(1);
    }
  }

  @Test
  void answersUnknownUntilTheAgreementHasItsConfirmations() throws Exception {
    KeeperChain.Agreement agreement = grantedAgreement();
    try (AgreementVerifier verifier = verifier(4)) {
      Verdict early = verdict(verifier, query(agreement));
      assertThat(early.decision()).as("%s", early).isEqualTo(Verdict.Decision.UNKNOWN);
      assertThat(early.reason()).contains("of the 4 confirmations required");

      node.mine(4);

      assertThat(verdict(verifier, query(agreement)).isAllowed()).isTrue();
    }
  }

  @Test
  void answersUnknownWhenTheChainIsUnreachable() throws Exception {
    KeeperChain.Agreement agreement = grantedAgreement();
    ChainSettings closed =
        ChainSettings.builder()
            .rpcUrl(LoopbackEndpoints.closed())
            .chainId(AnvilNode.CHAIN_ID)
            .providerAddress(EthAddress.of(KeeperChain.PROVIDER))
            .build();
    try (AgreementVerifier verifier = chain.verifier(closed, chain.templateStore).build()) {
      Verdict verdict = verdict(verifier, query(agreement));

      assertThat(verdict.decision()).as("%s", verdict).isEqualTo(Verdict.Decision.UNKNOWN);
      assertThat(verdict.reason()).contains("unreachable");
    }
  }

  @Test
  void answersUnknownWithinTheTimeoutWhenTheRpcHangs() throws Exception {
    KeeperChain.Agreement agreement = grantedAgreement();
    try (ServerSocket silent = LoopbackEndpoints.silent()) {
      ChainSettings hanging =
          ChainSettings.builder()
              .rpcUrl(LoopbackEndpoints.uri(silent))
              .chainId(AnvilNode.CHAIN_ID)
              .rpcTimeout(Duration.ofMillis(300))
              .providerAddress(EthAddress.of(KeeperChain.PROVIDER))
              .build();
      try (AgreementVerifier verifier = chain.verifier(hanging, chain.templateStore).build()) {
        long start = System.nanoTime();
        CompletableFuture<Verdict> stage = verifier.verify(query(agreement)).toCompletableFuture();
        long returnedAfter = System.nanoTime() - start;
        Verdict verdict = stage.get(5, TimeUnit.SECONDS);
        long answeredAfter = System.nanoTime() - start;

        assertThat(Duration.ofNanos(returnedAfter))
            .as("verify returns at once")
            .isLessThan(Duration.ofMillis(250));
        assertThat(verdict.decision()).as("%s", verdict).isEqualTo(Verdict.Decision.UNKNOWN);
        assertThat(verdict.reason()).contains("did not answer within the RPC timeout");
        assertThat(Duration.ofNanos(answeredAfter)).isLessThan(Duration.ofMillis(2_300));
      }
    }
  }

  @Test
  void answersUnknownOnAnotherChain() throws Exception {
    KeeperChain.Agreement agreement = grantedAgreement();
    ChainSettings mainnet =
        ChainSettings.builder()
            .rpcUrl(node.rpc())
            .chainId(1)
            .providerAddress(EthAddress.of(KeeperChain.PROVIDER))
            .build();
    try (AgreementVerifier verifier = chain.verifier(mainnet, chain.templateStore).build()) {
      Verdict verdict = verdict(verifier, query(agreement));

      assertThat(verdict.decision()).as("%s", verdict).isEqualTo(Verdict.Decision.UNKNOWN);
      assertThat(verdict.reason()).contains("chain id 8996");
    }
  }

  private static KeeperChain.Agreement grantedAgreement() throws IOException, InterruptedException {
    Did did = chain.registerDid(KeeperChain.PROVIDER);
    KeeperChain.Agreement agreement = chain.createAgreement(did, KeeperChain.CONSUMER, 0);
    chain.lockReward(agreement);
    chain.fulfilCompute(agreement);
    return agreement;
  }

  private static AgreementVerifier verifier(int confirmations) {
    return chain
        .verifier(chain.settings(KeeperChain.PROVIDER, confirmations), chain.templateStore)
        .build();
  }

  static AgreementQuery query(KeeperChain.Agreement agreement) {
    return new AgreementQuery(
        agreement.consumerAddress(),
        agreement.did(),
        "compute",
        agreement.id(),
        null,
        "local",
        true,
        false);
  }

  private static AgreementQuery withAgreementId(AgreementQuery query, String agreementId) {
    return new AgreementQuery(
        query.consumer(),
        query.did(),
        query.serviceId(),
        agreementId,
        query.orderTx(),
        query.environmentId(),
        query.freeEnvironment(),
        query.algorithm());
  }

  private static Verdict verdict(AgreementVerifier verifier, AgreementQuery query)
      throws Exception {
    return verifier.verify(query).toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static void assertRefused(Verdict verdict, String reason) {
    assertThat(verdict.decision()).as("%s", verdict).isEqualTo(Verdict.Decision.REFUSE);
    assertThat(verdict.reason()).contains(reason);
  }
}
