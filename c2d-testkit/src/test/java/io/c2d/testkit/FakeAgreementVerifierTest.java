package io.c2d.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.spi.agreement.AgreementQuery;
import io.c2d.spi.agreement.Verdict;
import io.c2d.spi.agreement.Verdict.Decision;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The fake verifier answers from its rules, in order, and remembers what it was asked. */
final class FakeAgreementVerifierTest {
  private static final EthAddress CONSUMER = EthAddress.of("0x" + "ef".repeat(20));
  private static final Did ONE = Did.of("1".repeat(64));
  private static final Did TWO = Did.of("2".repeat(64));
  private static final Did ALGO = Did.of("a".repeat(64));

  private static AgreementQuery query(Did did, boolean algorithm) {
    return new AgreementQuery(CONSUMER, did, "compute", null, null, "local", true, algorithm);
  }

  private static Verdict answer(FakeAgreementVerifier verifier, Did did) {
    return verifier.verify(query(did, false)).toCompletableFuture().join();
  }

  @Test
  void allowAllAllowsWhatNoRuleRefuses() {
    FakeAgreementVerifier verifier = FakeAgreementVerifier.allowAll().refuse(TWO, "no order");

    assertThat(answer(verifier, ONE)).isEqualTo(Verdict.allowOnce());
    assertThat(answer(verifier, TWO)).isEqualTo(Verdict.refuse("no order"));
    assertThat(verifier.queries()).extracting(AgreementQuery::did).containsExactly(ONE, TWO);
  }

  @Test
  void theFirstMatchingRuleDecides() {
    FakeAgreementVerifier verifier =
        FakeAgreementVerifier.refuseAll("nothing bought")
            .allow(ONE)
            .refuse(ONE, "never reached")
            .unknown(TWO, "chain unreachable")
            .when(AgreementQuery::algorithm, Verdict.allowOnce());

    assertThat(answer(verifier, ONE).decision()).isEqualTo(Decision.ALLOW);
    assertThat(answer(verifier, TWO)).isEqualTo(Verdict.unknown("chain unreachable"));
    assertThat(answer(verifier, ALGO)).isEqualTo(Verdict.refuse("nothing bought"));
    assertThat(verifier.verify(query(ALGO, true)).toCompletableFuture().join().isAllowed())
        .isTrue();
  }

  @Test
  void unknownAllCannotDecide() {
    assertThat(answer(FakeAgreementVerifier.unknownAll("offline"), ONE))
        .isEqualTo(Verdict.unknown("offline"));
  }

  @Test
  void aDelayedAnswerArrivesLaterWithoutBlockingTheCaller() {
    FakeAgreementVerifier verifier = FakeAgreementVerifier.allowAll().delay(Duration.ofMillis(300));

    CompletableFuture<Verdict> answer = verifier.verify(query(ONE, false)).toCompletableFuture();

    assertThat(answer).isNotDone();
    assertThat(answer).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(Verdict.allowOnce());
  }

  @Test
  void aHangingVerifierNeverAnswersButRecordsTheQuery() {
    FakeAgreementVerifier verifier = FakeAgreementVerifier.allowAll().hang();

    CompletableFuture<Verdict> answer = verifier.verify(query(ONE, false)).toCompletableFuture();

    assertThat(answer.orTimeout(100, java.util.concurrent.TimeUnit.MILLISECONDS))
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(TimeoutException.class);
    assertThat(verifier.queries()).hasSize(1);
  }
}
