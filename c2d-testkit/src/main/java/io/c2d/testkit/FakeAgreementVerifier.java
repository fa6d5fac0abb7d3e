package io.c2d.testkit;

import static java.util.Objects.requireNonNull;

import io.c2d.model.Did;
import io.c2d.spi.agreement.AgreementQuery;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.Verdict;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A scripted {@link ServiceAgreementVerifier}: answers from rules a test sets, and records every
 * query it is asked.
 *
 * <pre>{@code
 * FakeAgreementVerifier verifier =
 *     FakeAgreementVerifier.allowAll()
 *         .refuse(unpaidDataset, "no order")
 *         .unknown(algorithmDid, "chain unreachable");
 * }</pre>
 *
 * <p><b>Rules.</b> The asset rules ({@link #allow}, {@link #refuse}, {@link #unknown}, {@link
 * #when}) are evaluated in the order they were added, and the first that matches the query decides;
 * when none matches, the answer the verifier was created with ({@link #allowAll}, {@link
 * #refuseAll}, {@link #unknownAll}) decides. Allowing answers are {@link Verdict#allowOnce()}, so
 * an engine never caches them and asks again each time.
 *
 * <p><b>Timing.</b> By default the stage is complete when {@link #verify} returns. {@link #delay}
 * completes it later on a timer thread (the caller is never blocked); {@link #hang} makes every
 * stage from then on never complete, as a verifier whose chain never answers.
 *
 * <p>Thread-safe: rules may be added while queries are answered; each query sees the rules as they
 * were when it arrived. Arguments are non-null.
 */
public final class FakeAgreementVerifier implements ServiceAgreementVerifier {
  private final Verdict otherwise;
  private final CopyOnWriteArrayList<Rule> rules = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<AgreementQuery> queries = new ConcurrentLinkedQueue<>();
  private volatile Duration delay = Duration.ZERO;
  private volatile boolean hang;

  private FakeAgreementVerifier(Verdict otherwise) {
    this.otherwise = otherwise;
  }

  /** A verifier that allows whatever no rule refuses. */
  public static FakeAgreementVerifier allowAll() {
    return new FakeAgreementVerifier(Verdict.allowOnce());
  }

  /** A verifier that refuses, for {@code reason}, whatever no rule allows. */
  public static FakeAgreementVerifier refuseAll(String reason) {
    return new FakeAgreementVerifier(Verdict.refuse(requireNonNull(reason, "reason")));
  }

  /** A verifier that cannot decide, for {@code reason}, whatever no rule decides. */
  public static FakeAgreementVerifier unknownAll(String reason) {
    return new FakeAgreementVerifier(Verdict.unknown(requireNonNull(reason, "reason")));
  }

  /** Allows every query about the asset {@code did}. */
  public FakeAgreementVerifier allow(Did did) {
    return when(asset(did), Verdict.allowOnce());
  }

  /** Refuses every query about the asset {@code did}, for {@code reason}. */
  public FakeAgreementVerifier refuse(Did did, String reason) {
    return when(asset(did), Verdict.refuse(requireNonNull(reason, "reason")));
  }

  /** Answers unknown to every query about the asset {@code did}, for {@code reason}. */
  public FakeAgreementVerifier unknown(Did did, String reason) {
    return when(asset(did), Verdict.unknown(requireNonNull(reason, "reason")));
  }

  /** Answers {@code verdict} to every query {@code condition} accepts (a rule like the others). */
  public FakeAgreementVerifier when(Predicate<AgreementQuery> condition, Verdict verdict) {
    rules.add(new Rule(requireNonNull(condition, "condition"), requireNonNull(verdict, "verdict")));
    return this;
  }

  /**
   * Completes each answer {@code delay} after the query arrives, on a timer thread; zero (the
   * default) answers at once.
   *
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  public FakeAgreementVerifier delay(Duration delay) {
    requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative but was " + delay);
    }
    this.delay = delay;
    return this;
  }

  /** Never completes the answer to any query from now on (queries are still recorded). */
  public FakeAgreementVerifier hang() {
    this.hang = true;
    return this;
  }

  /** Every query asked so far, in the order they arrived. */
  public List<AgreementQuery> queries() {
    return List.copyOf(queries);
  }

  @Override
  public CompletionStage<Verdict> verify(AgreementQuery query) {
    requireNonNull(query, "query");
    queries.add(query);
    if (hang) {
      return new CompletableFuture<>();
    }
    Verdict verdict = answer(query);
    Duration wait = delay;
    if (wait.isZero()) {
      return CompletableFuture.completedFuture(verdict);
    }
    return CompletableFuture.supplyAsync(
        () -> verdict,
        CompletableFuture.delayedExecutor(wait.toNanos(), TimeUnit.NANOSECONDS, Runnable::run));
  }

  private Verdict answer(AgreementQuery query) {
    for (Rule rule : rules) {
      if (rule.condition.test(query)) {
        return rule.verdict;
      }
    }
    return otherwise;
  }

  private static Predicate<AgreementQuery> asset(Did did) {
    requireNonNull(did, "did");
    return query -> query.did().equals(did);
  }

  @Override
  public String toString() {
    return "FakeAgreementVerifier{otherwise="
        + otherwise
        + ", rules="
        + rules.size()
        + ", queries="
        + queries.size()
        + (hang ? ", hanging" : "")
        + '}';
  }

  private static final class Rule {
    final Predicate<AgreementQuery> condition;
    final Verdict verdict;

    Rule(Predicate<AgreementQuery> condition, Verdict verdict) {
      this.condition = condition;
      this.verdict = verdict;
    }
  }
}
