package io.c2d.testkit;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ComputeEngine;
import io.c2d.ResultWithheldException;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ContainerSpec;
import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.model.ResultNotice;
import io.c2d.model.ResultPolicy;
import io.c2d.model.Sha256;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.filter.ContentSource;
import io.c2d.spi.filter.FilterInput;
import io.c2d.spi.filter.FilterOutcome;
import io.c2d.spi.filter.FilterResult;
import io.c2d.spi.filter.FilterSubject;
import io.c2d.spi.filter.ResultDecision;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Issue 15's exfiltration scenario, shared by every backend's real-part tests: a sales table in the
 * sample job's columns that an algorithm tries to take home, the filter subject over a job's real
 * results, and the whole run through an engine whose publisher set the {@code input-copy} filter.
 *
 * <pre>{@code
 * ExfiltrationScenario scenario = ExfiltrationScenario.create(dir);   // filter level
 * FilterOutcome outcome = new InputCopyGuard(16 << 20).check(scenario.subject(end, did, open));
 * ExfiltrationScenario.assertWithheld(outcome, end, did, "copy.csv");
 *
 * try (ExfiltrationScenario run = ExfiltrationScenario.withEngine(dir, env -> backend(env))) {
 *   run.copiesAreWithheldAndAnHonestCountIsReleased(container, Duration.ofMinutes(3));
 * }
 * }</pre>
 *
 * <p>The table has {@value #ROWS} rows (about 1 MiB) of which two are in the rare region {@code
 * islands}; it is the same for the same seed on every machine. Not thread-safe: one test at a time.
 * Nothing is null. Failed expectations throw {@link AssertionError}; a table that cannot be written
 * throws {@link UncheckedIOException}.
 */
public final class ExfiltrationScenario implements AutoCloseable {
  /** Rows in the sales table: {@value}. */
  public static final int ROWS = 40_000;

  /** The start of the reason the {@code input-copy} filter gives for a copy: {@value}. */
  public static final String COPY_REASON = "input-copy: carries a copy of input";

  private static final long CHAIN_ID = 8996;
  private static final long MIB = 1L << 20;

  private final Path data;
  private final Sha256 dataSha;
  private final @Nullable ComputeEngine engine;
  private final @Nullable JobWaiter waiter;

  private ExfiltrationScenario(
      Path data, Sha256 dataSha, @Nullable ComputeEngine engine, @Nullable JobWaiter waiter) {
    this.data = data;
    this.dataSha = dataSha;
    this.engine = engine;
    this.waiter = waiter;
  }

  /** Writes the sales table as {@code dir/sales.csv}, for filter-level tests. */
  public static ExfiltrationScenario create(Path dir) {
    Path data = dir.resolve("sales.csv");
    return new ExfiltrationScenario(data, salesData(data, ROWS), null, null);
  }

  /**
   * Writes the sales table and starts an engine on the backend {@code backend} builds for the
   * environment it is given, with the publisher's {@code input-copy} filter, waiting until it is
   * ready; {@link #close()} closes it.
   */
  public static ExfiltrationScenario withEngine(
      Path dir, Function<ComputeEnvironment, ComputeBackend> backend) {
    requireNonNull(backend, "backend");
    Path data = dir.resolve("sales.csv");
    Sha256 sha = salesData(data, ROWS);
    ComputeEnvironment environment =
        ComputeEnvironment.builder(TestRequests.DEFAULT_ENVIRONMENT)
            .capacity(Resources.of(2, 2048, 4096, 0))
            .maxPerJob(Resources.of(1, 1024, 2048, 0))
            .maxOutputBytes(16 * MIB)
            .maxLogBytes(8 * MIB)
            .build();
    ComputeEngine engine =
        ComputeEngine.builder()
            .backend(backend.apply(environment))
            .verifier(FakeAgreementVerifier.allowAll())
            .authenticator(TestAuthenticator.create())
            .chainId(CHAIN_ID)
            .providerAddress(EthereumKey.CAROL.address())
            .resultPolicy(ResultPolicy.of(List.of(ResultPolicy.Filter.named("input-copy")), false))
            .build();
    JobWaiter waiter = JobWaiter.on(engine);
    try {
      engine.ready().toCompletableFuture().join();
    } catch (RuntimeException e) {
      waiter.close();
      engine.close();
      throw e;
    }
    return new ExfiltrationScenario(data, sha, engine, waiter);
  }

  /**
   * Writes {@code rows} sales rows (region, product, units, unit price) with a header to {@code
   * file}, readable by a sandbox's non-root user, and returns their SHA-256. Rows 777 and 31337 are
   * in the region {@code islands}.
   */
  public static Sha256 salesData(Path file, int rows) {
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
    try {
      Files.write(file, bytes);
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
      }
      return Sha256.ofDigest(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The sales table's file. */
  public Path data() {
    return data;
  }

  /** The sales table's SHA-256. */
  public Sha256 dataSha() {
    return dataSha;
  }

  /**
   * What a filter checks after job {@code end}: the table as input 0 of {@code asset}, and every
   * result of the job, each opened by {@code open} (called once per read).
   */
  public FilterSubject subject(
      BackendJobState end, Did asset, Function<JobResult, InputStream> open) {
    requireNonNull(open, "open");
    long size;
    try {
      size = Files.size(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    FilterSubject.Builder subject =
        FilterSubject.builder(end.jobId())
            .addAsset(asset)
            .addInput(FilterInput.of(asset, 0, dataSha, size, () -> Files.newInputStream(data)));
    for (JobResult result : end.results()) {
      ContentSource content = () -> open.apply(result);
      subject.addResult(FilterResult.of(result, content));
    }
    return subject.build();
  }

  /** Asserts that each result {@code names} of {@code end} is withheld as a copy of the table. */
  public static void assertWithheld(
      FilterOutcome outcome, BackendJobState end, Did asset, String... names) {
    for (String name : names) {
      ResultDecision decision = outcome.decision(result(end, name));
      assertThat(decision.action())
          .as("%s: %s", name, outcome.report())
          .isEqualTo(ResultDecision.Action.WITHHOLD);
      assertThat(decision.reason()).startsWith(COPY_REASON + " " + asset.value() + "/0");
    }
  }

  /** The result {@code name} of {@code end}; an {@link AssertionError} if there is none. */
  public static JobResult result(BackendJobState end, String name) {
    return end.results().stream()
        .filter(r -> r.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no result " + name + " in " + end.results()));
  }

  /**
   * Runs, through the engine of {@link #withEngine}, a job that copies the table whole, gzipped,
   * base64-encoded and into its log next to an honest line count in {@code container} (which runs
   * {@code sh $ALGO}), and asserts: the job completes through status 50; each copy and the log is
   * withheld with its reason, in the notices and on download; the count is served unchanged; {@code
   * publish.log} names the reason and carries no row of the table. Deletes the job.
   *
   * @throws IllegalStateException if this scenario has no engine
   */
  public void copiesAreWithheldAndAnHonestCountIsReleased(ContainerSpec container, Duration wait)
      throws IOException {
    ComputeEngine engine = this.engine;
    JobWaiter waiter = this.waiter;
    if (engine == null || waiter == null) {
      throw new IllegalStateException("start the scenario withEngine(...)");
    }
    String in = "\"$(ls -d /data/inputs/*/)0\"";
    String script =
        String.join(
            "\n",
            "cat " + in + " > /data/outputs/copy.csv",
            "gzip -c " + in + " > /data/outputs/copy.csv.gz",
            "base64 " + in + " > /data/outputs/copy.b64",
            "cat " + in,
            "wc -l < " + in + " > /data/outputs/count.txt",
            "");
    ComputeJob started =
        engine
            .start(
                TestRequests.create(CHAIN_ID, EthereumKey.CAROL.address())
                    .by(EthereumKey.ALICE)
                    .dataset(
                        TestRequests.dataset(1)
                            .addFile(data.toUri())
                            .ddoJson(TestRequests.openDdo(1))
                            .build())
                    .algorithm(Algorithm.raw(container, script).build())
                    .sign())
            .toCompletableFuture()
            .join();
    JobId id = started.id();

    ComputeJob job = waiter.awaitTerminal(id, wait);
    assertThat(job.status()).as(job.detail().orElse("")).isEqualTo(JobStatus.COMPLETED);
    assertThat(waiter.statusesOf(id)).contains(JobStatus.FILTERING_RESULTS);
    for (String copy : List.of("copy.csv", "copy.csv.gz", "copy.b64", "algorithm.log")) {
      assertThat(job.notices())
          .as(copy)
          .anySatisfy(
              n -> {
                assertThat(n.name()).isEqualTo(copy);
                assertThat(n.state()).isEqualTo(ResultNotice.State.WITHHELD);
                assertThat(n.reason()).startsWith(COPY_REASON);
              });
      assertThatThrownBy(
              () -> engine.openResult(id, EthereumKey.ALICE.address(), copy).toCompletableFuture())
          .as(copy)
          .isInstanceOf(ResultWithheldException.class);
    }
    assertThat(read(engine, id, "count.txt").trim())
        .isEqualTo(String.valueOf(Files.readAllLines(data).size()));
    String log = read(engine, id, "publish.log");
    assertThat(log).contains("copy.csv: withheld (" + COPY_REASON);
    assertThat(log).doesNotContain("region,product,units");
    engine.delete(id, EthereumKey.ALICE.address()).toCompletableFuture().join();
  }

  private static String read(ComputeEngine engine, JobId id, String name) throws IOException {
    try (InputStream in =
        engine.openResult(id, EthereumKey.ALICE.address(), name).toCompletableFuture().join()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Closes the engine of {@link #withEngine}, if any. */
  @Override
  public void close() {
    if (waiter != null) {
      waiter.close();
    }
    if (engine != null) {
      engine.close();
    }
  }
}
