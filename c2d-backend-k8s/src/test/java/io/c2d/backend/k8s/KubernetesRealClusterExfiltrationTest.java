package io.c2d.backend.k8s;

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
import io.c2d.model.Sha256;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.filter.FilterInput;
import io.c2d.spi.filter.FilterOutcome;
import io.c2d.spi.filter.FilterResult;
import io.c2d.spi.filter.FilterSubject;
import io.c2d.spi.filter.ResultDecision;
import io.c2d.spi.filter.ResultDecision.Action;
import io.c2d.spi.filter.ResultFilter;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 on the real Kubernetes node: algorithms that try to take their input home run in real
 * pods (a whole-file copy, a gzipped, a base64 and a hex copy and a copy printed to the log in one
 * job; a copy split over three outputs in another), and the built-in filters then check the job's
 * real results, streamed back from the pod, as the engine's status 50 does: each copy is withheld
 * with its reason. The sample job's honest aggregate ({@code aggregate.sh}) is released unchanged
 * and a count per region with a region of 2 rows loses that row only. Everything made here carries
 * {@code app.kubernetes.io/managed-by=c2d} and is deleted.
 */
@ExtendWith(RequiresKubeconfig.class)
final class KubernetesRealClusterExfiltrationTest {
  private static final EthAddress OWNER =
      EthAddress.of("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  private static final Did DATA = Did.of("did:op:" + "e5".repeat(32));
  private static final String IN = "/data/inputs/" + DATA.id() + "/0";
  private static final Duration WAIT = Duration.ofMinutes(4);
  private static final long MIB = 1L << 20;

  @TempDir static Path work;
  private static KubernetesClient client;
  private static Path data;
  private static Sha256 dataSha;
  private static final InputCopyGuard COPY_GUARD = new InputCopyGuard(16 * MIB);

  private final List<KubernetesComputeBackend> backends = new ArrayList<>();
  private final List<JobId> submitted = new ArrayList<>();

  @BeforeAll
  static void connect() throws Exception {
    client = RealCluster.client();
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    data = work.resolve("sales.csv");
    dataSha = salesData(data, 40_000);
  }

  @AfterAll
  static void disconnect() {
    if (client != null) {
      client.close();
    }
    COPY_GUARD.close();
  }

  @AfterEach
  void removeWhatTheTestsMade() {
    backends.forEach(KubernetesComputeBackend::close);
    String ns = RealCluster.namespace();
    for (JobId id : submitted) {
      String selector = ObjectNames.of(id).selector();
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(ns)
          .withLabelSelector(selector)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND)
          .delete();
      client.pods().inNamespace(ns).withLabelSelector(selector).delete();
      client.network().v1().networkPolicies().inNamespace(ns).withLabelSelector(selector).delete();
    }
  }

  /** Sales rows in the sample's columns, about 1 MiB, two of them in the rare region islands. */
  static Sha256 salesData(Path file, int rows) throws Exception {
    String[] regions = {"north", "south", "east", "west"};
    String[] products = {"apples", "pears", "plums", "cherries", "quinces"};
    Random random = new Random(15);
    StringBuilder all = new StringBuilder("region,product,units,unit_price\n");
    for (int i = 0; i < rows; i++) {
      String region = i == 777 || i == 31_337 ? "islands" : regions[random.nextInt(4)];
      all.append(region)
          .append(',')
          .append(products[random.nextInt(products.length)])
          .append(',')
          .append(1 + random.nextInt(400))
          .append(',')
          .append(String.format(Locale.ROOT, "%.2f", 0.2 + random.nextInt(200) / 100.0))
          .append('\n');
    }
    byte[] bytes = all.toString().getBytes(StandardCharsets.US_ASCII);
    Files.write(file, bytes);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    return Sha256.ofDigest(MessageDigest.getInstance("SHA-256").digest(bytes));
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
        RealCluster.backend(environment, work.resolve("results"))
            .transferTimeout(Duration.ofMinutes(3))
            .build();
    backends.add(backend);
    String requestId = "real-exfiltration-" + UUID.randomUUID();
    JobId id = JobId.derive(OWNER, requestId);
    submitted.add(id);
    JobSpec spec =
        JobSpec.builder(id, OWNER)
            .requestId(requestId)
            .datasets(
                List.of(
                    DatasetInput.builder(DATA, "compute")
                        .addLocator(FileLocator.of(data.toUri()))
                        .ddoJson("{\"id\":\"" + DATA.value() + "\"}")
                        .build()))
            .algorithm(Algorithm.raw(RealCluster.container("sh $ALGO"), script).build())
            .environmentId("real-exfiltration")
            .resources(Resources.of(0.5, 64, 2048, 0))
            .maxDuration(Duration.ofMinutes(3))
            .build();
    Recorder recorder = new Recorder();
    backend.submit(spec, recorder).toCompletableFuture().get(1, TimeUnit.MINUTES);
    BackendJobState end = awaitEnd(recorder);
    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.COMPLETED);
    lastBackend = backend;
    return end;
  }

  private KubernetesComputeBackend lastBackend;

  private static BackendJobState awaitEnd(Recorder recorder) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (BackendJobState state : recorder.states()) {
        if (state.status().isTerminal()) {
          return state;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no end within " + WAIT + "; got " + recorder.states());
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
    FilterSubject.Builder subject =
        FilterSubject.builder(end.jobId())
            .addAsset(DATA)
            .addInput(
                FilterInput.of(
                    DATA, 0, dataSha, Files.size(data), () -> Files.newInputStream(data)));
    for (JobResult result : end.results()) {
      subject.addResult(FilterResult.of(result, () -> open(end, result)));
    }
    return filter.check(subject.build());
  }

  private static JobResult result(BackendJobState end, String name) {
    return end.results().stream()
        .filter(r -> r.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no result " + name + " in " + end.results()));
  }

  private static void assertWithheld(FilterOutcome outcome, BackendJobState end, String... names) {
    for (String name : names) {
      ResultDecision decision = outcome.decision(result(end, name));
      assertThat(decision.action()).as("%s: %s", name, outcome.report()).isEqualTo(Action.WITHHOLD);
      assertThat(decision.reason())
          .startsWith("input-copy: carries a copy of input " + DATA.value() + "/0");
    }
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

    assertWithheld(outcome, end, "copy.csv", "data.gz", "data.b64", "data.hex", "algorithm.log");
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

    assertWithheld(outcome, end, "part-a", "part-b", "part-c");
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
