package io.c2d.backend.docker;

import static io.c2d.backend.docker.TestJobs.dataset;
import static io.c2d.backend.docker.TestJobs.did;
import static io.c2d.backend.docker.TestJobs.raw;
import static io.c2d.backend.docker.TestJobs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.filter.InputCopyGuard;
import io.c2d.filter.SmallCountGuard;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.filter.FilterOutcome;
import io.c2d.spi.filter.ResultDecision;
import io.c2d.spi.filter.ResultDecision.Action;
import io.c2d.spi.filter.ResultFilter;
import io.c2d.testkit.ExfiltrationScenario;
import io.c2d.testkit.junit.Requires;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 on the real engine: algorithms that try to take their input home (a whole-file copy, a
 * copy split over three outputs, a gzipped, a base64, a hex copy, a copy printed to the log) run in
 * real containers, and the built-in filters then check the job's real results as the engine's
 * status 50 does: each copy is withheld with its reason. The sample job's honest aggregate (units
 * and revenue per region, c2d-server's {@code aggregate.sh}) over the same data is released
 * unchanged, and a count per region with a region of 2 rows loses that row only.
 */
@Requires(DockerEngine.class)
final class DockerExfiltrationTest {
  private static final long MIB = 1L << 20;

  @TempDir static Path dir;
  private static DockerComputeBackend backend;
  private static ExfiltrationScenario scenario;
  private static final InputCopyGuard COPY_GUARD = new InputCopyGuard(16 * MIB);
  private final TestJobs.Recorder recorder = new TestJobs.Recorder();

  @BeforeAll
  static void start() throws Exception {
    backend =
        DockerComputeBackend.builder()
            .resultRoot(dir.resolve("results"))
            .environment(TestJobs.environment(16 * MIB, 8 * MIB))
            .instance("exfiltration-test")
            .pullMissingImages(false)
            .build();
    scenario = ExfiltrationScenario.create(dir);
  }

  @AfterAll
  static void stop() {
    if (backend != null) {
      backend.close();
    }
    COPY_GUARD.close();
  }

  private static final String IN = "/data/inputs/" + did(1).id() + "/0";

  private BackendJobState run(String name, String script) {
    JobSpec spec =
        spec(name + "-" + System.nanoTime(), raw(script), dataset(1, scenario.data().toUri()))
            .build();
    TestJobs.join(backend.submit(spec, recorder));
    BackendJobState end = recorder.awaitEnd(spec.jobId());
    assertThat(end.status()).as(end.detail()).isEqualTo(JobStatus.COMPLETED);
    return end;
  }

  /** What a filter decides over the job's real results, read back from the backend. */
  private static FilterOutcome check(ResultFilter filter, BackendJobState end) throws IOException {
    return filter.check(
        scenario.subject(
            end, did(1), result -> TestJobs.join(backend.openResult(end.jobId(), result))));
  }

  private static void assertWithheld(FilterOutcome outcome, BackendJobState end, String... names) {
    ExfiltrationScenario.assertWithheld(outcome, end, did(1), names);
  }

  @Test
  void everyKindOfCopyIsWithheldWithItsReason() throws Exception {
    BackendJobState end =
        run(
            "copies",
            String.join(
                "\n",
                "cp " + IN + " $OUTPUTS/copy.csv",
                "gzip -c " + IN + " > $OUTPUTS/data.gz",
                "base64 " + IN + " > $OUTPUTS/data.b64",
                "xxd -p " + IN + " > $OUTPUTS/data.hex",
                "hexdump -C " + IN + " > $OUTPUTS/data.dump",
                "od -An -v -tx1 " + IN + " > $OUTPUTS/data.od",
                "echo 'region,units' > $OUTPUTS/fine.csv",
                ""));

    FilterOutcome outcome = check(COPY_GUARD, end);

    assertWithheld(
        outcome, end, "copy.csv", "data.gz", "data.b64", "data.hex", "data.dump", "data.od");
    assertThat(outcome.decision(TestJobs.result(end, "fine.csv")).action())
        .isEqualTo(Action.RELEASE);
    assertThat(outcome.decision(TestJobs.result(end, "algorithm.log")).action())
        .isEqualTo(Action.RELEASE);
  }

  @Test
  void aCopySplitOverThreeOutputsIsWithheldWhole() throws Exception {
    BackendJobState end =
        run(
            "split",
            String.join(
                "\n",
                "head -c 400000 " + IN + " > $OUTPUTS/part-a",
                "tail -c +400001 " + IN + " | head -c 400000 > $OUTPUTS/part-b",
                "tail -c +800001 " + IN + " > $OUTPUTS/part-c",
                ""));

    FilterOutcome outcome = check(COPY_GUARD, end);

    assertWithheld(outcome, end, "part-a", "part-b", "part-c");
    assertThat(outcome.decision(TestJobs.result(end, "part-a")).reason())
        .as("counted across the outputs")
        .containsPattern("\\((9\\d|100)% of its content");
  }

  @Test
  void aCopyPrintedToTheLogIsWithheld() throws Exception {
    BackendJobState end = run("log", "echo 'reading the input'\ncat " + IN + "\necho done\n");

    FilterOutcome outcome = check(COPY_GUARD, end);

    assertWithheld(outcome, end, "algorithm.log");
  }

  @Test
  void theSampleAggregateIsReleasedUnchanged() throws Exception {
    String script =
        Files.readString(Path.of("../c2d-server/src/main/resources/io/c2d/server/aggregate.sh"));
    BackendJobState end = run("aggregate", script);

    FilterOutcome copies = check(COPY_GUARD, end);
    FilterOutcome counts = check(new SmallCountGuard(), end);

    for (JobResult result : end.results()) {
      assertThat(copies.decision(result).action()).as(result.name()).isEqualTo(Action.RELEASE);
      assertThat(counts.decision(result).action()).as(result.name()).isEqualTo(Action.RELEASE);
    }
    assertThat(TestJobs.read(backend, end, "summary.csv"))
        .startsWith("region,units,revenue\neast,")
        .contains("\nislands,");
  }

  @Test
  void aGroupOfTwoIsSuppressedAndTheRestReleased() throws Exception {
    BackendJobState end =
        run(
            "groups",
            "echo 'region,count' > $OUTPUTS/groups.csv\n"
                + "awk -F, 'NR > 1 { n[$1]++ } END { for (r in n) print r \",\" n[r] }' "
                + IN
                + " | sort >> $OUTPUTS/groups.csv\n");
    String table = TestJobs.read(backend, end, "groups.csv");
    assertThat(table).contains("\nislands,2\n");

    FilterOutcome outcome = check(new SmallCountGuard(), end);

    ResultDecision decision = outcome.decision(TestJobs.result(end, "groups.csv"));
    assertThat(decision.action()).isEqualTo(Action.REDACT);
    assertThat(decision.reason())
        .isEqualTo("small-count: 1 of 5 rows with a count below 5 suppressed");
    try (InputStream in = decision.replacement().orElseThrow().open()) {
      String released = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(released).isEqualTo(table.replace("islands,2\n", ""));
      assertThat(released.lines()).hasSize(5);
    }
    assertThat(check(COPY_GUARD, end).decision(TestJobs.result(end, "groups.csv")).action())
        .isEqualTo(Action.RELEASE);
  }
}
