package io.c2d.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.AuditEntry;
import io.c2d.ComputeEngine;
import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.JobStateException;
import io.c2d.NotFoundException;
import io.c2d.PendingReview;
import io.c2d.ResultWithheldException;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.PhaseTimeouts;
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import io.c2d.model.ResultNotice;
import io.c2d.model.ResultPolicy;
import io.c2d.spi.filter.FilterOutcome;
import io.c2d.spi.filter.FilterResult;
import io.c2d.spi.filter.ResultDecision;
import io.c2d.spi.filter.ResultFilter;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The result filters and the publisher's review in a real engine over the in-memory backend:
 * release, withhold, redact and hold; fail closed when a filter throws or runs too long; verdicts
 * that survive a restart; the review's decisions, its time limit and its refusals.
 */
final class ResultFiltersEngineTest {
  private static final long CHAIN_ID = 8996;
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Map<String, byte[]> OUTPUTS =
      Map.of(
          "summary.csv", bytes("region,total\nnorth,12\n"),
          "copy.bin", bytes("the publisher's whole file"),
          "notes.txt", bytes("honest notes\n"));

  /** Withholds copy.bin, redacts summary.csv, releases the rest. */
  private static final ResultFilter JUDGE =
      subject -> {
        FilterOutcome.Builder outcome = FilterOutcome.builder().report("judged " + subject.jobId());
        for (FilterResult r : subject.results()) {
          if (r.name().equals("copy.bin")) {
            outcome.decide(r.result(), ResultDecision.withhold("copy of an input"));
          } else if (r.name().equals("summary.csv")) {
            outcome.decide(
                r.result(),
                ResultDecision.redact(
                    "1 row with a count below 5 suppressed",
                    () -> new ByteArrayInputStream(bytes("region,total\n"))));
          }
        }
        return outcome.build();
      };

  @TempDir Path state;
  private final TestRequests requests = TestRequests.create(CHAIN_ID, EthereumKey.CAROL.address());
  private InMemoryComputeBackend backend =
      InMemoryComputeBackend.create(environment(Duration.ofSeconds(5)));
  private ComputeEngine engine;
  private JobWaiter waiter;

  @AfterEach
  void close() {
    if (waiter != null) {
      waiter.close();
    }
    if (engine != null) {
      engine.close();
    }
  }

  @Test
  void filtersReleaseWithholdAndRedactPerResultAndTheConsumerLearnsWhy() throws Exception {
    start(b -> b.resultFilter("judge", JUDGE).resultPolicy(chain("judge", false)));
    JobId id = run(OUTPUTS);

    ComputeJob job = waiter.awaitTerminal(id, WAIT);
    assertThat(job.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(waiter.statusesOf(id)).contains(JobStatus.FILTERING_RESULTS);
    assertThat(job.detail())
        .hasValueSatisfying(d -> assertThat(d).contains("copy.bin withheld (copy of an input)"));
    assertThat(job.notices())
        .contains(
            new ResultNotice(
                "copy.bin", ResultKind.OUTPUT, ResultNotice.State.WITHHELD, "copy of an input"),
            new ResultNotice(
                "summary.csv",
                ResultKind.OUTPUT,
                ResultNotice.State.REDACTED,
                "1 row with a count below 5 suppressed"),
            new ResultNotice("notes.txt", ResultKind.OUTPUT, ResultNotice.State.RELEASED, ""));

    assertThatThrownBy(() -> engine.openResult(id, alice(), "copy.bin"))
        .isInstanceOf(ResultWithheldException.class)
        .hasMessageContaining("copy of an input")
        .satisfies(
            e ->
                assertThat(((ResultWithheldException) e).code())
                    .isEqualTo(ErrorCode.RESULT_WITHHELD));
    assertThat(read(id, "summary.csv")).isEqualTo("region,total\n");
    assertThat(read(id, "notes.txt")).isEqualTo("honest notes\n");
    assertThat(read(id, "publish.log"))
        .contains("copy.bin: withheld (copy of an input)")
        .contains("summary.csv: redacted (1 row with a count below 5 suppressed)")
        .doesNotContain("the publisher's whole file");
    JobResult summary = result(job, "summary.csv");
    assertThat(summary.size()).isEqualTo("region,total\n".length());
    assertThat(result(job, "copy.bin").size()).isZero();

    List<AuditEntry> audit = engine.review().auditRecord(id);
    AuditEntry released =
        audit.stream()
            .filter(e -> e.actor().equals("chain") && e.resultName().equals("summary.csv"))
            .findFirst()
            .orElseThrow();
    assertThat(released.state()).isEqualTo(ResultNotice.State.REDACTED);
    assertThat(released.sha256()).isEqualTo(sha256("region,total\n"));
    assertThat(released.assets()).containsExactly(TestRequests.did(1));
    assertThat(audit)
        .anySatisfy(
            e -> {
              assertThat(e.actor()).isEqualTo("filter:judge");
              assertThat(e.report()).startsWith("judged ");
            });
    assertThat(audit)
        .filteredOn(e -> e.actor().equals("chain") && e.resultName().equals("copy.bin"))
        .singleElement()
        .satisfies(e -> assertThat(e.sha256()).isEmpty());
  }

  @Test
  void aFilterThatThrowsWithholdsEverything() throws Exception {
    ResultFilter broken =
        subject -> {
          throw new IllegalStateException("bug in the filter");
        };
    start(b -> b.resultFilter("broken", broken).resultPolicy(chain("broken", false)));
    JobId id = run(OUTPUTS);

    ComputeJob job = waiter.awaitTerminal(id, WAIT);
    assertThat(job.notices())
        .isNotEmpty()
        .allSatisfy(
            n -> {
              assertThat(n.state()).isEqualTo(ResultNotice.State.WITHHELD);
              assertThat(n.reason()).isEqualTo("the result filter 'broken' failed");
            });
    assertThatThrownBy(() -> engine.openResult(id, alice(), "notes.txt"))
        .isInstanceOf(ResultWithheldException.class);
    assertThatThrownBy(() -> engine.openResult(id, alice(), "algorithm.log"))
        .isInstanceOf(ResultWithheldException.class);
    assertThat(read(id, "publish.log")).contains("notes.txt: withheld");
  }

  @Test
  void aFilterPastThePhaseLimitIsInterruptedAndWithholdsEverything() throws Exception {
    backend = InMemoryComputeBackend.create(environment(Duration.ofMillis(300)));
    CountDownLatch interrupted = new CountDownLatch(1);
    ResultFilter slow =
        subject -> {
          try {
            Thread.sleep(60_000);
          } catch (InterruptedException e) {
            interrupted.countDown();
          }
          return FilterOutcome.releaseAll("too late");
        };
    start(b -> b.resultFilter("slow", slow).resultPolicy(chain("slow", false)));
    long started = System.nanoTime();
    JobId id = run(OUTPUTS);

    ComputeJob job = waiter.awaitTerminal(id, WAIT);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(job.notices())
        .allSatisfy(n -> assertThat(n.reason()).contains("ran past the time limit of PT0.3S"));
    assertThatThrownBy(() -> engine.openResult(id, alice(), "notes.txt"))
        .isInstanceOf(ResultWithheldException.class);
  }

  @Test
  void logsOfAFailedJobAreFilteredToo() throws Exception {
    ResultFilter noLogs =
        subject -> {
          FilterOutcome.Builder outcome = FilterOutcome.builder();
          assertThat(subject.status()).isEqualTo(JobStatus.ALGORITHM_FAILED);
          for (FilterResult r : subject.results()) {
            if (r.kind() == ResultKind.ALGORITHM_LOG) {
              outcome.decide(
                  r.result(), ResultDecision.withhold("logs of this asset are withheld"));
            }
          }
          return outcome.build();
        };
    start(b -> b.resultFilter("no-logs", noLogs).resultPolicy(chain("no-logs", false)));
    JobId id = submit();
    backend.job(id).fail(JobStatus.ALGORITHM_FAILED, 3, "exit 3");

    ComputeJob job = waiter.awaitTerminal(id, WAIT);
    assertThat(job.status()).isEqualTo(JobStatus.ALGORITHM_FAILED);
    assertThat(job.exitCode()).hasValue(3);
    assertThatThrownBy(() -> engine.openResult(id, alice(), "algorithm.log"))
        .isInstanceOf(ResultWithheldException.class)
        .hasMessageContaining("logs of this asset are withheld");
    assertThat(read(id, "configuration.log")).isNotEmpty();
  }

  @Test
  void anAssetsDdoAddsItsChainAndAnUnknownFilterFailsClosed() throws Exception {
    start(b -> {});
    String ddo =
        TestRequests.ddo(
            1,
            "\"allowRawAlgorithm\": true, \"resultFilters\": {\"filters\": [{\"name\":"
                + " \"allow-list\", \"parameters\": {\"types\": \"csv,txt\"}}, {\"name\":"
                + " \"not-installed\"}]}");
    JobId id = run(OUTPUTS, ddo);

    ComputeJob job = waiter.awaitTerminal(id, WAIT);
    assertThat(job.notices())
        .filteredOn(n -> n.name().equals("copy.bin"))
        .singleElement()
        .satisfies(n -> assertThat(n.reason()).contains("output type 'bin' is not allowed"));
    assertThat(job.notices())
        .allSatisfy(
            n ->
                assertThat(n.reason())
                    .contains("the result filter 'not-installed' is not available"));
  }

  @Test
  void anUnknownFilterInThePublishersConfigurationFailsTheBuild() {
    assertThatThrownBy(
            () ->
                builder(InMemoryComputeBackend.create(environment(Duration.ofSeconds(1))))
                    .properties(Map.of("c2d.filters", "allow-list, nope"))
                    .build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("nope")
        .hasMessageContaining("allow-list");
  }

  @Test
  void theChainIsConfiguredByProperties() throws Exception {
    start(
        b ->
            b.properties(
                Map.of(
                    "c2d.filters", "allow-list",
                    "c2d.filter.allow-list.types", "csv")));
    JobId id = run(OUTPUTS);

    ComputeJob job = waiter.awaitTerminal(id, WAIT);
    assertThat(read(id, "summary.csv")).contains("north");
    assertThatThrownBy(() -> engine.openResult(id, alice(), "notes.txt"))
        .isInstanceOf(ResultWithheldException.class)
        .hasMessageContaining("output type 'txt' is not allowed");
    assertThat(job.status()).isEqualTo(JobStatus.COMPLETED);
  }

  @Test
  void reviewHoldsTheJobUntilThePublisherReleasesIt() throws Exception {
    start(b -> b.resultFilter("judge", JUDGE).resultPolicy(chain("judge", true)));
    JobId id = run(OUTPUTS);

    ComputeJob held = waiter.awaitStatus(id, JobStatus.AWAITING_RELEASE, WAIT);
    assertThat(held.status()).isEqualTo(JobStatus.AWAITING_RELEASE);
    assertThat(held.results()).isEmpty();
    assertThatThrownBy(() -> engine.openLiveLog(id, alice()))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("review");
    List<PendingReview> pending = engine.review().pending();
    assertThat(pending)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.jobId()).isEqualTo(id);
              assertThat(p.owner()).isEqualTo(alice());
              assertThat(p.reports())
                  .singleElement()
                  .satisfies(r -> assertThat(r.filter()).isEqualTo("judge"));
              assertThat(p.proposals())
                  .filteredOn(n -> n.name().equals("copy.bin"))
                  .singleElement()
                  .satisfies(n -> assertThat(n.state()).isEqualTo(ResultNotice.State.WITHHELD));
              assertThat(p.proposals())
                  .filteredOn(n -> n.name().equals("summary.csv"))
                  .singleElement()
                  .satisfies(n -> assertThat(n.reason()).startsWith("redaction proposed: "));
            });

    ComputeJob released = engine.review().release(id, "dora").toCompletableFuture().join();

    assertThat(released.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(engine.review().pending()).isEmpty();
    assertThat(read(id, "notes.txt")).isEqualTo("honest notes\n");
    assertThat(read(id, "summary.csv")).isEqualTo("region,total\n");
    assertThatThrownBy(() -> engine.openResult(id, alice(), "copy.bin"))
        .isInstanceOf(ResultWithheldException.class);
    assertThat(engine.review().auditRecord(id))
        .filteredOn(e -> e.actor().equals("reviewer:dora") && e.resultName().equals("notes.txt"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.state()).isEqualTo(ResultNotice.State.RELEASED);
              assertThat(e.sha256()).isEqualTo(sha256("honest notes\n"));
            });
  }

  @Test
  void theReviewerMayRedactOneResultThenRelease() throws Exception {
    start(b -> b.resultPolicy(ResultPolicy.of(List.of(), true)));
    JobId id = run(OUTPUTS);
    waiter.awaitStatus(id, JobStatus.AWAITING_RELEASE, WAIT);

    ComputeJob stillHeld =
        engine
            .review()
            .redact(id, "dora", "notes.txt", bytes("[redacted]\n"), "names removed")
            .toCompletableFuture()
            .join();
    assertThat(stillHeld.status()).isEqualTo(JobStatus.AWAITING_RELEASE);
    engine.review().release(id, "dora").toCompletableFuture().join();

    assertThat(read(id, "notes.txt")).isEqualTo("[redacted]\n");
    assertThat(read(id, "copy.bin")).isEqualTo("the publisher's whole file");
  }

  @Test
  void aRejectedJobKeepsItsReasonAndItsResultsAreDeleted() throws Exception {
    start(b -> b.resultPolicy(ResultPolicy.of(List.of(), true)));
    JobId id = run(OUTPUTS);
    waiter.awaitStatus(id, JobStatus.AWAITING_RELEASE, WAIT);

    ComputeJob rejected =
        engine.review().reject(id, "dora", "the output names people").toCompletableFuture().join();

    assertThat(rejected.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(rejected.notices())
        .allSatisfy(
            n ->
                assertThat(n.reason())
                    .isEqualTo("rejected by the publisher's review: the output names people"));
    assertThatThrownBy(() -> engine.openResult(id, alice(), "notes.txt"))
        .isInstanceOf(ResultWithheldException.class);
    assertThatThrownBy(() -> backend.job(id)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anUndecidedReviewIsRejectedAtItsLimit() throws Exception {
    start(
        b ->
            b.resultPolicy(ResultPolicy.of(List.of(), true)).reviewTimeout(Duration.ofMillis(300)));
    JobId id = run(OUTPUTS);

    ComputeJob job = waiter.awaitTerminal(id, WAIT);

    assertThat(job.notices())
        .allSatisfy(
            n -> assertThat(n.reason()).contains("did not review the results within PT0.3S"));
    assertThat(engine.review().auditRecord(id))
        .anySatisfy(e -> assertThat(e.actor()).isEqualTo("review-timeout"));
  }

  @Test
  void everyBadReviewCallGetsATypedError() throws Exception {
    start(b -> b.resultPolicy(ResultPolicy.of(List.of(), true)));
    JobId unknown = JobId.of("ffffffffffffffffffffffffffffffff");
    assertThatThrownBy(() -> engine.review().release(unknown, "dora"))
        .isInstanceOf(NotFoundException.class)
        .satisfies(
            e -> assertThat(((NotFoundException) e).code()).isEqualTo(ErrorCode.JOB_NOT_FOUND));
    JobId id = submit();
    assertThatThrownBy(() -> engine.review().release(id, "dora"))
        .isInstanceOf(JobStateException.class)
        .satisfies(
            e ->
                assertThat(((JobStateException) e).code())
                    .isEqualTo(ErrorCode.JOB_NOT_AWAITING_RELEASE));
    backend.job(id).complete(OUTPUTS);
    waiter.awaitStatus(id, JobStatus.AWAITING_RELEASE, WAIT);
    assertThatThrownBy(() -> engine.review().release(id, "bad reviewer!"))
        .isInstanceOf(InvalidRequestException.class)
        .satisfies(e -> assertThat(((InvalidRequestException) e).field()).isEqualTo("reviewer"));
    assertThatThrownBy(() -> engine.review().reject(id, "dora", " "))
        .isInstanceOf(InvalidRequestException.class)
        .satisfies(e -> assertThat(((InvalidRequestException) e).field()).isEqualTo("reason"));
    assertThatThrownBy(() -> engine.review().reject(id, "dora", "x".repeat(501)))
        .isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> engine.review().redact(id, "dora", "nope.txt", bytes("x"), "why"))
        .isInstanceOf(NotFoundException.class)
        .satisfies(
            e -> assertThat(((NotFoundException) e).code()).isEqualTo(ErrorCode.RESULT_NOT_FOUND));
    assertThatThrownBy(() -> engine.review().redact(id, "dora", "../etc/passwd", bytes("x"), "why"))
        .isInstanceOf(InvalidRequestException.class);
    assertThat(engine.review().pending()).hasSize(1);
  }

  @Test
  void verdictsAndPendingReviewsSurviveARestart() throws Exception {
    start(
        b ->
            b.stateDirectory(state)
                .resultFilter("judge", JUDGE)
                .resultPolicy(chain("judge", false)));
    JobId filtered = run(OUTPUTS);
    waiter.awaitTerminal(filtered, WAIT);
    int entries = engine.review().auditRecord().size();
    restart(
        b ->
            b.stateDirectory(state)
                .resultFilter("judge", JUDGE)
                .resultPolicy(chain("judge", false)));

    ComputeJob again = engine.status(filtered, alice());
    assertThat(again.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(again.notices())
        .contains(
            new ResultNotice(
                "copy.bin", ResultKind.OUTPUT, ResultNotice.State.WITHHELD, "copy of an input"));
    assertThatThrownBy(() -> engine.openResult(filtered, alice(), "copy.bin"))
        .isInstanceOf(ResultWithheldException.class);
    assertThat(read(filtered, "summary.csv")).isEqualTo("region,total\n");
    assertThat(engine.review().auditRecord()).hasSize(entries);

    // a job held for review stays held, and can be released after the restart
    restart(b -> b.stateDirectory(state).resultPolicy(ResultPolicy.of(List.of(), true)));
    JobId held = run(OUTPUTS);
    waiter.awaitStatus(held, JobStatus.AWAITING_RELEASE, WAIT);
    restart(b -> b.stateDirectory(state).resultPolicy(ResultPolicy.of(List.of(), true)));
    assertThat(engine.status(held, alice()).status()).isEqualTo(JobStatus.AWAITING_RELEASE);
    assertThat(engine.review().pending()).extracting(PendingReview::jobId).containsExactly(held);
    engine.review().release(held, "dora").toCompletableFuture().join();
    assertThat(read(held, "notes.txt")).isEqualTo("honest notes\n");
  }

  // ---------------------------------------------------------------------------------------------

  private void start(Consumer<ComputeEngine.Builder> configure) {
    ComputeEngine.Builder builder = builder(backend);
    configure.accept(builder);
    engine = builder.build();
    waiter = JobWaiter.on(engine);
    engine.ready().toCompletableFuture().join();
  }

  private void restart(Consumer<ComputeEngine.Builder> configure) {
    close();
    backend = InMemoryComputeBackend.sharing(backend);
    start(configure);
  }

  private static ComputeEngine.Builder builder(InMemoryComputeBackend backend) {
    return ComputeEngine.builder()
        .backend(backend)
        .verifier(FakeAgreementVerifier.allowAll())
        .authenticator(TestAuthenticator.create())
        .chainId(CHAIN_ID)
        .providerAddress(EthereumKey.CAROL.address());
  }

  private static ComputeEnvironment environment(Duration filtering) {
    return ComputeEnvironment.builder(TestRequests.DEFAULT_ENVIRONMENT)
        .capacity(Resources.of(4, 4096, 8192, 0))
        .maxPerJob(Resources.of(1, 1024, 2048, 0))
        .maxConcurrentJobs(4)
        .phaseTimeouts(
            new PhaseTimeouts(
                Duration.ofHours(1), Duration.ofMinutes(15), Duration.ofMinutes(10), filtering))
        .build();
  }

  private static ResultPolicy chain(String name, boolean review) {
    return ResultPolicy.of(List.of(ResultPolicy.Filter.named(name)), review);
  }

  private JobId submit() {
    return submit(TestRequests.openDdo(1));
  }

  private JobId submit(String ddo) {
    ComputeJob job =
        engine
            .start(
                requests
                    .by(EthereumKey.ALICE)
                    .dataset(
                        TestRequests.dataset(1)
                            .addFile(java.net.URI.create("data:,a,b%0A1,2"))
                            .ddoJson(ddo)
                            .build())
                    .sign())
            .toCompletableFuture()
            .join();
    backend.awaitSubmitted(1, WAIT);
    backend.clearSubmitted();
    return job.id();
  }

  private JobId run(Map<String, byte[]> outputs) {
    return run(outputs, TestRequests.openDdo(1));
  }

  private JobId run(Map<String, byte[]> outputs, String ddo) {
    JobId id = submit(ddo);
    backend.job(id).complete(outputs);
    return id;
  }

  private String read(JobId id, String name) throws Exception {
    try (InputStream in = engine.openResult(id, alice(), name).toCompletableFuture().join()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (CompletionException e) {
      throw new AssertionError(e.getCause());
    }
  }

  private static JobResult result(ComputeJob job, String name) {
    return job.results().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
  }

  private static io.c2d.model.EthAddress alice() {
    return EthereumKey.ALICE.address();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes(text)));
  }
}
