package io.c2d.backend.k8s;

import static io.c2d.testkit.ExfiltrationScenario.assertWithheld;
import static io.c2d.testkit.ExfiltrationScenario.result;
import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.filter.InputCopyGuard;
import io.c2d.filter.SmallCountGuard;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.filter.FilterOutcome;
import io.c2d.spi.filter.ResultDecision;
import io.c2d.spi.filter.ResultDecision.Action;
import io.c2d.spi.filter.ResultFilter;
import io.c2d.testkit.ExfiltrationScenario;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 on the real Kubernetes node: algorithms that try to take their input home run in real
 * pods (a whole-file copy, a gzipped, a base64 and a hex copy and a copy printed to the log in one
 * job; a copy split over three outputs in another), and the built-in filters then check the job's
 * real results, streamed back from the pod, as the engine's status 50 does: each copy is withheld
 * with its reason. The sample job's honest aggregate ({@code aggregate.sh}) is released unchanged
 * and a count per region with a region of 2 rows loses that row only. Everything made here carries
 * {@code app.kubernetes.io/managed-by=c2d} and is deleted ({@link RealClusterFixture}).
 */
@ExtendWith(RequiresKubeconfig.class)
final class KubernetesRealClusterExfiltrationTest {
  private static final EthAddress OWNER =
      EthAddress.of("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  private static final Did DATA = Did.of("did:op:" + "e5".repeat(32));
  private static final String IN = "/data/inputs/" + DATA.id() + "/0";
  private static final Duration WAIT = Duration.ofMinutes(4);
  private static final long MIB = 1L << 20;

  @RegisterExtension static final RealClusterFixture fixture = new RealClusterFixture();
  @TempDir static Path work;
  private static ExfiltrationScenario scenario;
  private static final InputCopyGuard COPY_GUARD = new InputCopyGuard(16 * MIB);

  private KubernetesComputeBackend lastBackend;

  @BeforeAll
  static void writeTheData() throws Exception {
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    scenario = ExfiltrationScenario.create(work);
  }

  @AfterAll
  static void closeTheGuard() {
    COPY_GUARD.close();
  }

  private BackendJobState run(String script) throws Exception {
    ComputeEnvironment environment =
        ComputeEnvironment.builder("real-exfiltration")
            .capacity(Resources.of(2, 512, 8192, 0))
            .maxPerJob(Resources.of(1, 256, 4096, 0))
            .defaultPerJob(Resources.of(0.5, 64, 256, 0))
            .maxConcurrentJobs(2)
            .maxOutputBytes(32 * MIB)
            .maxLogBytes(8 * MIB)
            .build();
    KubernetesComputeBackend backend =
        fixture.build(
            RealCluster.backend(environment, work.resolve("results"))
                .transferTimeout(Duration.ofMinutes(3)));
    String requestId = "real-exfiltration-" + UUID.randomUUID();
    JobId id = fixture.submitted(JobId.derive(OWNER, requestId));
    JobSpec spec =
        JobSpec.builder(id, OWNER)
            .requestId(requestId)
            .datasets(
                List.of(
                    DatasetInput.builder(DATA, "compute")
                        .addLocator(FileLocator.of(scenario.data().toUri()))
                        .ddoJson("{\"id\":\"" + DATA.value() + "\"}")
                        .build()))
            .algorithm(Algorithm.raw(RealCluster.container("sh $ALGO"), script).build())
            .environmentId("real-exfiltration")
            .resources(Resources.of(0.5, 64, 2048, 0))
            .maxDuration(Duration.ofMinutes(3))
            .build();
    BackendJobState end = RealClusterFixture.runToEnd(backend, spec, WAIT);
    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.COMPLETED);
    lastBackend = backend;
    return end;
  }

  private InputStream open(BackendJobState end, JobResult result) {
    try {
      return lastBackend
          .openResult(end.jobId(), result)
          .toCompletableFuture()
          .get(1, TimeUnit.MINUTES);
    } catch (Exception e) {
      throw new UncheckedIOException(new IOException("cannot read " + result.name(), e));
    }
  }

  /** What a filter decides over the job's real results, streamed back from the pod's results. */
  private FilterOutcome check(ResultFilter filter, BackendJobState end) throws IOException {
    return filter.check(scenario.subject(end, DATA, result -> open(end, result)));
  }

  @Test
  void copiesWholeEncodedAndLoggedAreWithheld() throws Exception {
    BackendJobState end =
        run(
            String.join(
                "\n",
                "cp " + IN + " $OUTPUTS/copy.csv",
                "gzip -c " + IN + " > $OUTPUTS/data.gz",
                "base64 " + IN + " > $OUTPUTS/data.b64",
                "xxd -p " + IN + " > $OUTPUTS/data.hex",
                "cat " + IN,
                "echo 'region,units' > $OUTPUTS/fine.csv",
                ""));

    FilterOutcome outcome = check(COPY_GUARD, end);

    assertWithheld(
        outcome, end, DATA, "copy.csv", "data.gz", "data.b64", "data.hex", "algorithm.log");
    assertThat(outcome.decision(result(end, "fine.csv")).action()).isEqualTo(Action.RELEASE);
  }

  @Test
  void aCopySplitOverThreeOutputsIsWithheldWhole() throws Exception {
    BackendJobState end =
        run(
            String.join(
                "\n",
                "head -c 400000 " + IN + " > $OUTPUTS/part-a",
                "tail -c +400001 " + IN + " | head -c 400000 > $OUTPUTS/part-b",
                "tail -c +800001 " + IN + " > $OUTPUTS/part-c",
                ""));

    FilterOutcome outcome = check(COPY_GUARD, end);

    assertWithheld(outcome, end, DATA, "part-a", "part-b", "part-c");
  }

  @Test
  void theSampleAggregateIsReleasedAndASmallGroupSuppressed() throws Exception {
    String aggregate =
        Files.readString(Path.of("../c2d-server/src/main/resources/io/c2d/server/aggregate.sh"));
    BackendJobState end =
        run(
            aggregate
                + "\necho 'region,count' > $OUTPUTS/groups.csv\n"
                + "awk -F, 'NR > 1 { n[$1]++ } END { for (r in n) print r \",\" n[r] }' "
                + IN
                + " | sort >> $OUTPUTS/groups.csv\n");

    FilterOutcome copies = check(COPY_GUARD, end);
    FilterOutcome counts = check(new SmallCountGuard(), end);

    for (JobResult r : end.results()) {
      assertThat(copies.decision(r).action()).as(r.name()).isEqualTo(Action.RELEASE);
    }
    assertThat(counts.decision(result(end, "summary.csv")).action()).isEqualTo(Action.RELEASE);
    ResultDecision groups = counts.decision(result(end, "groups.csv"));
    assertThat(groups.action()).isEqualTo(Action.REDACT);
    assertThat(groups.reason())
        .isEqualTo("small-count: 1 of 5 rows with a count below 5 suppressed");
    String table;
    try (InputStream in = open(end, result(end, "groups.csv"))) {
      table = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(table).contains("\nislands,2\n");
    try (InputStream in = groups.replacement().orElseThrow().open()) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo(table.replace("islands,2\n", ""));
    }
  }
}
