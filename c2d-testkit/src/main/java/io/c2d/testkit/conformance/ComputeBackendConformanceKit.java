package io.c2d.testkit.conformance;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;
import static io.c2d.testkit.assertj.C2dAssertions.failureOf;

import io.c2d.C2dException;
import io.c2d.ComputeEngine;
import io.c2d.ErrorCode;
import io.c2d.NotFoundException;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.JobWaiter;
import io.c2d.testkit.TestAuthenticator;
import io.c2d.testkit.TestRequests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The compatibility kit of {@link ComputeBackend}: an abstract JUnit 5 class whose {@link Nested}
 * groups check, one named test per promise, that a backend keeps what the engine relies on. A
 * backend module extends it once and supplies the backend:
 *
 * <pre>{@code
 * final class MyBackendConformanceTest extends ComputeBackendConformanceKit {
 *   protected ComputeBackend createBackend(Path workDir) {
 *     return MyBackend.builder().stateDir(workDir).environment(environment()).build();
 *   }
 *   protected ComputeEnvironment environment() {
 *     return ComputeEnvironment.builder("conformance").maxOutputBytes(64 << 10).build();
 *   }
 * }
 * }</pre>
 *
 * <p><b>How jobs run.</b> The kit submits {@link JobSpec}s straight to the backend and listens to
 * its reports, running the shell scripts of {@link TestAlgorithms} as raw algorithms (entrypoint
 * {@value TestAlgorithms#ENTRYPOINT}, image {@link #algorithmImage()}); datasets are {@code file:}
 * URIs of files it writes in a temporary directory. The promises about admission and capacity go
 * through a real {@link ComputeEngine} over the backend. A backend that runs no algorithm (a fake)
 * moves its jobs in {@link #play}.
 *
 * <p><b>Not applicable.</b> A promise a backend cannot keep by design (the embedded backend is no
 * sandbox; a fake runs no algorithm) is declared in {@link #notApplicable()} with the reason; its
 * tests are then reported as skipped with a reason starting with {@code "not applicable:"}, never
 * as passed.
 *
 * <p>Each test gets a fresh backend over a fresh work directory; jobs the kit submitted are deleted
 * and the backend closed after it. An instance is confined to the JUnit thread that runs it; the
 * backend may call the kit's listeners from any thread. Failures are {@link AssertionError}s saying
 * what was expected and what the backend did.
 */
@ExtendWith(NotApplicableCondition.class)
public abstract class ComputeBackendConformanceKit {
  private static final EthereumKey OWNER = EthereumKey.ALICE;
  private static final long CHAIN_ID = 8996;
  private static final int MAX_CONCURRENT_CHECKED = 16;
  private static final long MAX_CAP_CHECKED = 8L << 20;

  /** The promises the kit checks; {@link #notApplicable()} names those a backend cannot keep. */
  public enum Promise {
    /** Statuses only move forward, one terminal status, each change reported once. */
    LIFECYCLE("statuses move forward to exactly one end, each reported once"),
    /** Results are exactly the files the algorithm wrote to {@code /data/outputs}. */
    RESULTS("results are exactly what the algorithm wrote"),
    /** The algorithm log holds the algorithm's stdout and stderr. */
    ALGORITHM_LOG("the algorithm log holds stdout and stderr"),
    /** Inputs and DDOs are staged where the sandbox contract says. */
    SANDBOX_LAYOUT("inputs and DDOs are where the contract says"),
    /** {@code DIDS}, {@code TRANSFORMATION_DID} and the path variables are set. */
    ENVIRONMENT_VARIABLES("the contract's environment variables are set"),
    /** A non-zero exit ends as {@code ALGORITHM_FAILED} with the exit code. */
    EXIT_CODE("a non-zero exit ends as ALGORITHM_FAILED with its code"),
    /** Running past the maximum duration ends as {@code TIMED_OUT}. */
    TIMEOUT("past the maximum duration a job ends as TIMED_OUT"),
    /** Stop works while staging, while running and after the end. */
    STOP("stop works at every stage"),
    /** Delete removes the job's work and results and frees its capacity. */
    DELETE("delete removes the job and frees its capacity"),
    /** Outputs and logs over the caps are cut and the job says so. */
    CAPS("outputs and logs over their caps are cut and the job says so"),
    /** A symbolic link out of the result area is never followed. */
    RESULT_AREA("nothing outside the result area is ever served"),
    /** A second instance finds, tracks and serves every job, and starts none twice. */
    RESTART("a restarted backend finds every job and starts none twice"),
    /** Concurrent submissions up to the environment's limit all run and finish. */
    CONCURRENCY("jobs up to the environment's limit run at once"),
    /** Environments report what they enforce; the engine refuses a job asking for more. */
    ENVIRONMENTS("environments report what they enforce"),
    /** The algorithm cannot write its inputs and does not run as root. */
    SANDBOX("the algorithm is sandboxed: read-only inputs, not root");

    private final String description;

    Promise(String description) {
      this.description = description;
    }

    /** The promise in words. */
    public String description() {
      return description;
    }
  }

  private @Nullable Path kitDir;
  private volatile @Nullable ComputeBackend backend;
  private final List<ComputeBackend> backends = new ArrayList<>();
  private final Set<JobId> submittedIds = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** For subclasses. */
  protected ComputeBackendConformanceKit() {}

  // ---------------------------------------------------------------------------------------------
  // What the adapter supplies

  /**
   * Creates the backend under test, keeping whatever it persists below {@code workDir} (an empty
   * directory of its own for each test), offering {@link #environment()}.
   */
  protected abstract ComputeBackend createBackend(Path workDir) throws Exception;

  /**
   * Creates a second instance over the same infrastructure as {@code first} (which the kit has
   * closed), as a restarted provider application would. Default: {@link #createBackend} over the
   * same {@code workDir}.
   */
  protected ComputeBackend recreateBackend(ComputeBackend first, Path workDir) throws Exception {
    return createBackend(workDir);
  }

  /**
   * The environment the kit's jobs run in, exactly as the backend reports it. Give it small caps
   * (at most 8 MiB of outputs and of logs; 64 KiB is plenty) and at least two concurrent jobs.
   */
  protected abstract ComputeEnvironment environment();

  /**
   * The promises this backend cannot keep, each with the reason; their tests are reported as
   * skipped, "not applicable". Default: none.
   */
  protected Map<Promise, String> notApplicable() {
    return Map.of();
  }

  /**
   * Moves a job the backend accepted, for a backend that runs no algorithm itself (a fake): called
   * after every submission the kit (or the kit's engine) makes, with the {@link TestAlgorithms}
   * name the job runs, or {@code ""} if it runs none of them. Default: nothing, the backend runs
   * the job.
   */
  protected void play(ComputeBackend backend, JobSpec spec, String algorithm) {}

  /** The container image the test algorithms run in; default {@code busybox:stable}. */
  protected ContainerSpec algorithmImage() {
    return ContainerSpec.of("busybox", "stable", TestAlgorithms.ENTRYPOINT);
  }

  /** The clock of the kit's job specs ({@link JobSpec#createdAt()}); default the system clock. */
  protected Clock clock() {
    return Clock.systemUTC();
  }

  /** How long the kit waits for any one thing; default 30 seconds. */
  protected Duration timeout() {
    return Duration.ofSeconds(30);
  }

  // ---------------------------------------------------------------------------------------------
  // Set-up

  @BeforeEach
  final void createTheBackend() throws Exception {
    kitDir = Files.createTempDirectory("c2d-conformance-");
    Files.createDirectories(inputs());
    backend = track(createBackend(workDir()));
  }

  @AfterEach
  final void deleteJobsAndCloseBackends() throws Exception {
    ComputeBackend last = backend;
    if (last != null) {
      for (JobId id : submittedIds) {
        try {
          last.delete(id).toCompletableFuture().get(timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
          // the test's own assertion says what went wrong; cleaning up is best effort
        }
      }
    }
    for (ComputeBackend each : backends) {
      each.close();
    }
    if (kitDir != null) {
      deleteTree(kitDir);
    }
  }

  private ComputeBackend track(ComputeBackend created) {
    backends.add(created);
    return created;
  }

  private ComputeBackend backend() {
    ComputeBackend current = backend;
    if (current == null) {
      throw new IllegalStateException("no backend: createTheBackend did not run");
    }
    return current;
  }

  private Path kitDir() {
    Path dir = kitDir;
    if (dir == null) {
      throw new IllegalStateException("no directory: createTheBackend did not run");
    }
    return dir;
  }

  private Path workDir() {
    return kitDir().resolve("backend");
  }

  private Path inputs() {
    return kitDir().resolve("inputs");
  }

  // ---------------------------------------------------------------------------------------------
  // The promises

  /** Statuses only move forward, in the documented order; exactly one terminal status. */
  @Nested
  @DisplayName("Lifecycle")
  @Keeps(Promise.LIFECYCLE)
  class Lifecycle {
    @Test
    @DisplayName("statuses only move forward, in the documented order")
    void statusesOnlyMoveForward() {
      Job job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
      job.awaitTerminal();

      List<JobStatus> statuses = job.recorder.statuses();
      for (int i = 1; i < statuses.size(); i++) {
        assertThat(statuses.get(i).rank())
            .as("status %s after %s in %s", statuses.get(i), statuses.get(i - 1), statuses)
            .isGreaterThan(statuses.get(i - 1).rank());
      }
    }

    @Test
    @DisplayName("every job ends in exactly one terminal status, reported last")
    void exactlyOneTerminalStatus() {
      Job job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
      job.awaitTerminal();
      join(backend().stop(job.id()));

      List<JobStatus> statuses = job.recorder.statuses();
      assertThat(statuses.stream().filter(JobStatus::isTerminal).toList())
          .as("terminal statuses of %s", statuses)
          .hasSize(1);
      assertThat(statuses.get(statuses.size() - 1).isTerminal())
          .as("last of %s", statuses)
          .isTrue();
    }

    @Test
    @DisplayName("the listener sees each change once, and only its own job's")
    void eachChangeOnce() {
      Job job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
      job.awaitTerminal();

      List<JobStatus> statuses = job.recorder.statuses();
      assertThat(statuses).as("statuses reported").doesNotHaveDuplicates();
      assertThat(job.recorder.foreign()).as("reports of other jobs").isEmpty();
    }
  }

  /** Results and logs are exactly what the algorithm wrote. */
  @Nested
  @DisplayName("Results")
  class Results {
    @Test
    @DisplayName(
        "results are exactly what the algorithm wrote to /data/outputs: names, sizes, bytes")
    @Keeps(Promise.RESULTS)
    void resultsAreExactlyTheOutputs() {
      Job job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
      BackendJobState end = job.awaitTerminal();
      assertThat(end.status())
          .as("end of %s", job.recorder.statuses())
          .isEqualTo(JobStatus.COMPLETED);

      Map<String, byte[]> expected = new TreeMap<>(job.inputCopies());
      expected.put("hello.txt", utf8("hello from the conformance kit\n"));
      expected.put("nested/deeper/deep.txt", utf8("deep"));
      expected.put("bytes.bin", new byte[] {0, 1, 2, (byte) 0xff});
      expected.put("empty.txt", new byte[0]);

      Map<String, byte[]> outputs = readAll(job.id(), end, ResultKind.OUTPUT);
      assertThat(outputs.keySet())
          .as("output names")
          .containsExactlyInAnyOrderElementsOf(expected.keySet());
      expected.forEach(
          (name, bytes) ->
              assertThat(outputs.get(name)).as("bytes of output %s", name).isEqualTo(bytes));
      for (JobResult result : end.results()) {
        if (result.kind() == ResultKind.OUTPUT) {
          assertThat(result.size())
              .as("listed size of %s", result.name())
              .isEqualTo(expected.getOrDefault(result.name(), new byte[0]).length);
        }
      }
    }

    @Test
    @DisplayName("every listed result can be opened and has its listed size")
    @Keeps(Promise.RESULTS)
    void listedSizesAreTrue() {
      Job job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
      BackendJobState end = job.awaitTerminal();

      assertThat(end.results()).as("results").isNotEmpty();
      for (JobResult result : end.results()) {
        assertThat((long) read(job.id(), result).length)
            .as("bytes of %s %s", result.kind(), result.name())
            .isEqualTo(result.size());
      }
    }

    @Test
    @DisplayName("the algorithm log holds the algorithm's standard output and standard error")
    @Keeps(Promise.ALGORITHM_LOG)
    void algorithmLogHoldsStdoutAndStderr() {
      Job job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
      BackendJobState end = job.awaitTerminal();

      String log =
          new String(read(job.id(), only(end, ResultKind.ALGORITHM_LOG)), StandardCharsets.UTF_8);
      assertThat(log)
          .contains("c2d-conformance: this line went to stdout")
          .contains("c2d-conformance: this line went to stderr");
    }
  }

  /** The algorithm sees the layout and variables of the sandbox contract. */
  @Nested
  @DisplayName("Sandbox contract")
  class SandboxContract {
    @Test
    @DisplayName("each input file is at /data/inputs/<did>/<n>")
    @Keeps(Promise.SANDBOX_LAYOUT)
    void inputsAreWhereTheContractSays() {
      Job job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
      BackendJobState end = job.awaitTerminal();

      Map<String, byte[]> outputs = readAll(job.id(), end, ResultKind.OUTPUT);
      job.inputCopies()
          .forEach(
              (name, bytes) ->
                  assertThat(outputs.get(name))
                      .as("the algorithm's copy %s", name)
                      .isEqualTo(bytes));
    }

    @Test
    @DisplayName("each input's DDO is at /data/ddos/<did>")
    @Keeps(Promise.SANDBOX_LAYOUT)
    void ddosAreWhereTheContractSays() {
      Job job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
      BackendJobState end = job.awaitTerminal();

      Map<String, byte[]> outputs = readAll(job.id(), end, ResultKind.OUTPUT);
      for (DatasetInput dataset : job.spec.datasets()) {
        assertThat(
                new String(
                    outputs.getOrDefault("ddo-" + dataset.did().id(), new byte[0]),
                    StandardCharsets.UTF_8))
            .as("the DDO of %s as the algorithm read it", dataset.did())
            .isEqualTo(dataset.ddoJson().orElseThrow());
      }
    }

    @Test
    @DisplayName("DIDS and TRANSFORMATION_DID name the inputs and the algorithm, without did:op:")
    @Keeps(Promise.ENVIRONMENT_VARIABLES)
    void didsAndTransformationDidAreSet() throws IOException {
      Job job = submitPublished(TestAlgorithms.PRINT_ENV);
      BackendJobState end = job.awaitTerminal();
      Map<String, String> env = environmentOf(job, end);

      List<String> ids = job.spec.inputDids().stream().map(Did::id).toList();
      assertThat(env.getOrDefault("DIDS", "").replaceAll("\\s", ""))
          .as("DIDS")
          .isEqualTo("[\"" + String.join("\",\"", ids) + "\"]");
      assertThat(env.get("TRANSFORMATION_DID"))
          .as("TRANSFORMATION_DID")
          .isEqualTo(job.spec.algorithm().did().orElseThrow().id());
    }

    @Test
    @DisplayName("VOLUME, INPUTS, OUTPUTS, LOGS and ALGO point into the job's volume")
    @Keeps(Promise.ENVIRONMENT_VARIABLES)
    void pathVariablesAreSet() throws IOException {
      Job job = submitPublished(TestAlgorithms.PRINT_ENV);
      BackendJobState end = job.awaitTerminal();
      Map<String, String> env = environmentOf(job, end);
      Map<String, byte[]> outputs = readAll(job.id(), end, ResultKind.OUTPUT);

      String volume = env.getOrDefault("VOLUME", "");
      assertThat(volume).as("VOLUME").isNotEmpty();
      assertThat(env.get("INPUTS")).as("INPUTS").isEqualTo(volume + "/inputs");
      assertThat(env.get("OUTPUTS")).as("OUTPUTS").isEqualTo(volume + "/outputs");
      assertThat(env.get("LOGS")).as("LOGS").isEqualTo(volume + "/logs");
      assertThat(outputs)
          .as("outputs (algo-readable.txt: $ALGO is a file)")
          .containsKey("algo-readable.txt");
      assertThat(
              new String(
                  outputs.getOrDefault("custom-data.json", new byte[0]), StandardCharsets.UTF_8))
          .as("/data/inputs/algoCustomData.json")
          .isEqualTo(job.spec.algorithm().customData());
    }

    @Test
    @DisplayName("the algorithm cannot write to its inputs and does not run as root")
    @Keeps(Promise.SANDBOX)
    void algorithmIsSandboxed() {
      Job job = submit(TestAlgorithms.SANDBOX_PROBE, spec -> {});
      BackendJobState end = job.awaitTerminal();

      String probe =
          new String(
              readAll(job.id(), end, ResultKind.OUTPUT).getOrDefault("probe.txt", new byte[0]),
              StandardCharsets.UTF_8);
      assertThat(probe).as("probe.txt").contains("inputs-writable=no").doesNotContain("uid=0\n");
    }
  }

  /** How a job that does not complete ends. */
  @Nested
  @DisplayName("Failures")
  class Failures {
    @Test
    @DisplayName("a non-zero exit ends as ALGORITHM_FAILED with the exit code kept")
    @Keeps(Promise.EXIT_CODE)
    void nonZeroExitIsAlgorithmFailed() {
      Job job = submit(TestAlgorithms.FAIL_WITH_CODE, spec -> {}, Map.of("EXIT_CODE", "42"));
      BackendJobState end = job.awaitTerminal();

      assertThat(end.status())
          .as("end of %s", job.recorder.statuses())
          .isEqualTo(JobStatus.ALGORITHM_FAILED);
      assertThat(end.exitCode()).as("exit code").isEqualTo(42);
    }

    @Test
    @DisplayName("a job running past its maximum duration ends as TIMED_OUT")
    @Keeps(Promise.TIMEOUT)
    void overMaximumDurationIsTimedOut() {
      Job job =
          submit(TestAlgorithms.SLEEP_FOREVER, spec -> spec.maxDuration(Duration.ofSeconds(1)));
      BackendJobState end = job.awaitTerminal();

      assertThat(end.status())
          .as("end of %s", job.recorder.statuses())
          .isEqualTo(JobStatus.TIMED_OUT);
      assertThat(end.detail()).as("detail").isNotBlank();
    }
  }

  /** Stop ends a job at any stage, and is harmless once it has ended. */
  @Nested
  @DisplayName("Stop")
  @Keeps(Promise.STOP)
  class Stop {
    @Test
    @DisplayName("stop while the job is staging ends it as STOPPED")
    void stopWhileStaging() {
      CompletableFuture<BackendJobState> stoppedAt = new CompletableFuture<>();
      CompletableFuture<CompletionStage<Void>> stopStage = new CompletableFuture<>();
      Job job =
          submit(
              TestAlgorithms.SLEEP_FOREVER,
              spec -> {},
              Map.of(),
              first -> {
                stoppedAt.complete(first);
                stopStage.complete(backend().stop(first.jobId()));
              });
      BackendJobState end = job.awaitTerminal();

      assertThat(stoppedAt.getNow(end).status().rank())
          .as(
              "stop was asked at the first report, %s, before RUNNING_ALGORITHM",
              stoppedAt.getNow(end).status())
          .isLessThan(JobStatus.RUNNING_ALGORITHM.rank());
      assertThat(end.status())
          .as("end of %s", job.recorder.statuses())
          .isEqualTo(JobStatus.STOPPED);
      join(stopStage.getNow(CompletableFuture.completedFuture(null)));
    }

    @Test
    @DisplayName("stop while the algorithm runs ends the job as STOPPED")
    void stopWhileRunning() {
      Job job = submit(TestAlgorithms.SLEEP_FOREVER, spec -> {});
      job.recorder.awaitStatus(JobStatus.RUNNING_ALGORITHM, timeout());

      join(backend().stop(job.id()));
      BackendJobState end = job.awaitTerminal();

      assertThat(end.status())
          .as("end of %s", job.recorder.statuses())
          .isEqualTo(JobStatus.STOPPED);
    }

    @Test
    @DisplayName("stop after the end changes nothing: same status, same results")
    void stopAfterTheEnd() {
      Job job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
      BackendJobState end = job.awaitTerminal();
      List<JobStatus> before = job.recorder.statuses();

      join(backend().stop(job.id()));

      assertThat(job.recorder.statuses()).as("statuses after a late stop").isEqualTo(before);
      assertThat(read(job.id(), only(end, ResultKind.ALGORITHM_LOG)))
          .as("the algorithm log")
          .isNotNull();
    }

    @Test
    @DisplayName("stopping a job the backend does not know does nothing")
    void stopUnknownJob() {
      join(backend().stop(JobId.derive(OWNER.address(), "never-submitted")));
    }
  }

  /** Delete removes everything and frees capacity. */
  @Nested
  @DisplayName("Delete")
  @Keeps(Promise.DELETE)
  class Delete {
    @Test
    @DisplayName(
        "delete removes a finished job: its results cannot be opened, recover no longer lists it")
    void deleteFinishedJob() {
      Job job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
      BackendJobState end = job.awaitTerminal();
      JobResult log = only(end, ResultKind.ALGORITHM_LOG);

      join(backend().delete(job.id()));

      assertThat(failureOf(backend().openResult(job.id(), log), timeout()))
          .as("opening a deleted job's result")
          .isInstanceOf(NotFoundException.class);
      assertThat(recoveredIds(backend()))
          .as("jobs recovered after delete")
          .doesNotContain(job.id());
    }

    @Test
    @DisplayName("delete of a running job stops it and removes it")
    void deleteRunningJob() {
      Job job = submit(TestAlgorithms.SLEEP_FOREVER, spec -> {});
      job.recorder.awaitStatus(JobStatus.RUNNING_ALGORITHM, timeout());

      join(backend().delete(job.id()));

      assertThat(recoveredIds(backend()))
          .as("jobs recovered after delete")
          .doesNotContain(job.id());
      List<JobStatus> statuses = job.recorder.statuses();
      assertThat(statuses.stream().map(JobStatus::outcome).toList())
          .as("a deleted running job never completes: %s", statuses)
          .doesNotContain(JobStatus.Outcome.SUCCEEDED);
    }

    @Test
    @DisplayName("deleting a job the backend does not know does nothing")
    void deleteUnknownJob() {
      join(backend().delete(JobId.derive(OWNER.address(), "never-submitted")));
    }

    @Test
    @DisplayName(
        "deleting a running job reports its end, so a job waiting in the engine's queue runs")
    void deleteFreesCapacity() {
      try (Engine engine = engine()) {
        ComputeEnvironment environment = environment();
        int slots = slotsFor(environment);
        List<ComputeJob> running = new ArrayList<>();
        for (int i = 0; i < slots; i++) {
          ComputeJob started = engine.start(TestAlgorithms.SLEEP_FOREVER);
          engine.waiter.awaitStatus(started.id(), JobStatus.RUNNING_ALGORITHM, timeout());
          running.add(started);
        }
        ComputeJob waiting = engine.start(TestAlgorithms.SLEEP_FOREVER);
        assertThat(waiting.status()).as("a job over the limit waits").isEqualTo(JobStatus.QUEUED);

        // straight to the backend: the engine learns of the end only from the backend's report
        join(backend().delete(running.get(0).id()));

        ComputeJob runs =
            engine.waiter.awaitStatus(waiting.id(), JobStatus.RUNNING_ALGORITHM, timeout());
        assertThat(runs.status())
            .as("the waiting job after the delete")
            .isEqualTo(JobStatus.RUNNING_ALGORITHM);
      }
    }
  }

  /** Outputs and logs over the caps are cut, and nothing outside the result area is served. */
  @Nested
  @DisplayName("Result caps and the result area")
  class Caps {
    @Test
    @DisplayName("outputs over the environment's cap are cut and the job ends COMPLETED_TRUNCATED")
    @Keeps(Promise.CAPS)
    void outputsOverTheCapAreCut() {
      long cap = checkedCap(environment().maxOutputBytes(), "maxOutputBytes");
      Job job =
          submit(
              TestAlgorithms.WRITE_BIG_OUTPUT,
              spec -> {},
              Map.of("OUTPUT_BYTES", Long.toString(cap + 4096), "LOG_BYTES", "0"));
      BackendJobState end = job.awaitTerminal();

      assertThat(end.status())
          .as("end of %s", job.recorder.statuses())
          .isEqualTo(JobStatus.COMPLETED_TRUNCATED);
      assertThat(end.detail()).as("the job says what was cut").isNotBlank();
      long total = 0;
      for (byte[] bytes : readAll(job.id(), end, ResultKind.OUTPUT).values()) {
        total += bytes.length;
      }
      assertThat(total).as("bytes of outputs served").isLessThanOrEqualTo(cap);
    }

    @Test
    @DisplayName("a log over the environment's cap is cut and the job ends COMPLETED_TRUNCATED")
    @Keeps(Promise.CAPS)
    void logOverTheCapIsCut() {
      long cap = checkedCap(environment().maxLogBytes(), "maxLogBytes");
      Job job =
          submit(
              TestAlgorithms.WRITE_BIG_OUTPUT,
              spec -> {},
              Map.of("OUTPUT_BYTES", "10", "LOG_BYTES", Long.toString(cap + 4096)));
      BackendJobState end = job.awaitTerminal();

      assertThat(end.status())
          .as("end of %s", job.recorder.statuses())
          .isEqualTo(JobStatus.COMPLETED_TRUNCATED);
      JobResult log = only(end, ResultKind.ALGORITHM_LOG);
      assertThat((long) read(job.id(), log).length)
          .as("bytes of algorithm.log")
          .isLessThanOrEqualTo(cap);
    }

    @Test
    @DisplayName("a symbolic link in /data/outputs that points outside it is never followed")
    @Keeps(Promise.RESULT_AREA)
    void symlinksOutOfTheResultAreaAreNotFollowed() {
      Job job = submit(TestAlgorithms.SYMLINK_ESCAPE, spec -> {});
      BackendJobState end = job.awaitTerminal();

      Map<String, byte[]> outputs = readAll(job.id(), end, ResultKind.OUTPUT);
      assertThat(outputs.keySet()).as("outputs served").containsExactly("ok.txt");
      assertThat(outputs.get("ok.txt")).isEqualTo(utf8("ok"));
      String secret = job.secret;
      for (JobResult result : end.results()) {
        assertThat(new String(read(job.id(), result), StandardCharsets.UTF_8))
            .as("%s %s", result.kind(), result.name())
            .doesNotContain(secret)
            .doesNotContain("root:x:0:0");
      }
    }
  }

  /** A second backend instance over the same infrastructure. */
  @Nested
  @DisplayName("Restart")
  @Keeps(Promise.RESTART)
  class Restart {
    @Test
    @DisplayName("a second instance finds the running and the finished jobs")
    void findsRunningAndFinishedJobs() throws Exception {
      Restarted restarted = restart();

      Map<JobId, RecoveredJob> found = restarted.recovered;
      assertThat(found)
          .as("jobs recovered")
          .containsKeys(restarted.running.id(), restarted.finished.id());
      RecoveredJob running = Objects.requireNonNull(found.get(restarted.running.id()));
      RecoveredJob finished = Objects.requireNonNull(found.get(restarted.finished.id()));
      assertThat(running.state().status().isTerminal())
          .as("the running job is still running: %s", running.state())
          .isFalse();
      assertThat(finished.state().status())
          .as("the finished job")
          .isEqualTo(restarted.finishedEnd.status());
      assertThat(finished.spec()).as("the finished job's spec").isEqualTo(restarted.finished.spec);
    }

    @Test
    @DisplayName(
        "the second instance keeps tracking a running job: its end reaches the new listener")
    void keepsTrackingRunningJobs() throws Exception {
      Restarted restarted = restart();

      join(backend().stop(restarted.running.id()));
      BackendJobState end =
          restarted.listener.await(
              state -> state.jobId().equals(restarted.running.id()) && state.status().isTerminal(),
              "to end",
              timeout());

      assertThat(end.status())
          .as("the recovered running job after a stop")
          .isEqualTo(JobStatus.STOPPED);
    }

    @Test
    @DisplayName("the second instance serves the finished job's results, byte for byte")
    void servesFinishedResults() throws Exception {
      Restarted restarted = restart();

      for (JobResult result : restarted.finishedEnd.results()) {
        assertThat(read(restarted.finished.id(), result))
            .as("%s %s after the restart", result.kind(), result.name())
            .isEqualTo(restarted.bytesBefore.get(result.kind() + "/" + result.name()));
      }
    }

    @Test
    @DisplayName("submitting a known job again to the second instance never starts it twice")
    void neverStartsAJobTwice() throws Exception {
      Restarted restarted = restart();

      Recorder again = new Recorder(restarted.finished.id());
      join(backend().submit(restarted.finished.spec, again));
      Recorder runningAgain = new Recorder(restarted.running.id());
      join(backend().submit(restarted.running.spec, runningAgain));
      BackendJobState finishedNow = again.await(state -> true, "to be reported", timeout());
      BackendJobState runningNow = runningAgain.await(state -> true, "to be reported", timeout());

      assertThat(finishedNow.status())
          .as("the finished job, submitted again")
          .isEqualTo(restarted.finishedEnd.status());
      assertThat(again.statuses())
          .as("reports of the finished job, submitted again")
          .containsOnly(restarted.finishedEnd.status());
      assertThat(runningNow.status().rank())
          .as("the running job, submitted again, is not started again: %s", runningAgain.statuses())
          .isGreaterThanOrEqualTo(JobStatus.RUNNING_ALGORITHM.rank());
      for (JobResult result : restarted.finishedEnd.results()) {
        assertThat(read(restarted.finished.id(), result))
            .as("%s %s after submitting again", result.kind(), result.name())
            .isEqualTo(restarted.bytesBefore.get(result.kind() + "/" + result.name()));
      }
    }
  }

  /** Jobs up to the environment's limit run at once. */
  @Nested
  @DisplayName("Concurrency")
  @Keeps(Promise.CONCURRENCY)
  class Concurrency {
    @Test
    @DisplayName("concurrent submissions up to the environment's limit all run and finish")
    void concurrentSubmissionsAllFinish() throws Exception {
      int n = Math.min(environment().maxConcurrentJobs(), MAX_CONCURRENT_CHECKED);
      ExecutorService submitters = Executors.newFixedThreadPool(n);
      try {
        List<CompletableFuture<Job>> submissions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          submissions.add(
              CompletableFuture.supplyAsync(
                  () -> submit(TestAlgorithms.ECHO_INPUTS, spec -> {}), submitters));
        }
        for (CompletableFuture<Job> submission : submissions) {
          Job job = submission.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
          BackendJobState end = job.awaitTerminal();
          assertThat(end.status())
              .as("end of job %s: %s", job.id(), job.recorder.statuses())
              .isEqualTo(JobStatus.COMPLETED);
          assertThat(job.recorder.foreign()).as("reports of other jobs").isEmpty();
        }
      } finally {
        submitters.shutdownNow();
      }
    }
  }

  /** What environments say they enforce is enforced. */
  @Nested
  @DisplayName("Environments")
  @Keeps(Promise.ENVIRONMENTS)
  class Environments {
    @Test
    @DisplayName("the backend reports the environment it enforces, exactly as configured")
    void reportsItsEnvironment() {
      assertThat(backend().environments()).as("environments").isNotEmpty().contains(environment());
    }

    @Test
    @DisplayName(
        "a job asking for more resources than the environment gives is refused before it starts")
    void tooManyResourcesAreRefused() {
      try (Engine engine = engine()) {
        Resources max = environment().maxPerJob();
        Resources more =
            new Resources(max.milliCpus() + 1000, max.memoryBytes(), max.diskBytes(), max.gpus());

        C2dException refused =
            failureOf(
                engine.engine.start(
                    engine.request(TestAlgorithms.ECHO_INPUTS, r -> r.resources(more))),
                timeout());

        assertThat(refused).hasCode(ErrorCode.RESOURCES_EXCEEDED);
        assertThat(engine.backend.submitted()).as("jobs the backend was asked to start").isEmpty();
      }
    }

    @Test
    @DisplayName(
        "a job asking to run longer than the environment allows is refused before it starts")
    void tooLongIsRefused() {
      try (Engine engine = engine()) {
        Duration longer = environment().maxDuration().plusMinutes(1);

        C2dException refused =
            failureOf(
                engine.engine.start(
                    engine.request(TestAlgorithms.ECHO_INPUTS, r -> r.maxDuration(longer))),
                timeout());

        assertThat(refused).hasCode(ErrorCode.RESOURCES_EXCEEDED);
        assertThat(engine.backend.submitted()).as("jobs the backend was asked to start").isEmpty();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Driving jobs

  private Job submit(String algorithm, Consumer<JobSpec.Builder> customize) {
    return submit(algorithm, customize, Map.of());
  }

  private Job submit(
      String algorithm, Consumer<JobSpec.Builder> customize, Map<String, String> env) {
    return submit(algorithm, customize, env, null);
  }

  private Job submit(
      String algorithm,
      Consumer<JobSpec.Builder> customize,
      Map<String, String> env,
      @Nullable Consumer<BackendJobState> onFirst) {
    ContainerSpec image = algorithmImage();
    Algorithm.Builder code =
        Algorithm.raw(image, TestAlgorithms.source(algorithm)).customData("{\"conformance\":true}");
    env.forEach(code::putEnvironment);
    return submit(algorithm, code.build(), customize, onFirst);
  }

  private Job submitPublished(String algorithm) throws IOException {
    String name = UUID.randomUUID().toString();
    Path script =
        Files.writeString(
            inputs().resolve(name + "-" + algorithm), TestAlgorithms.source(algorithm));
    Did did = TestRequests.did(0xa190);
    Algorithm published =
        Algorithm.published(did, "compute", algorithmImage())
            .addFile(script.toUri())
            .ddoJson(TestRequests.ddo(0xa190, "\"allowRawAlgorithm\": false"))
            .customData("{\"conformance\":\"published\"}")
            .build();
    return submit(algorithm, published, spec -> {}, null);
  }

  private Job submit(
      String algorithm,
      Algorithm code,
      Consumer<JobSpec.Builder> customize,
      @Nullable Consumer<BackendJobState> onFirst) {
    String requestId = "conformance-" + UUID.randomUUID();
    JobId id = JobId.derive(OWNER.address(), requestId);
    String secret = "c2d-secret-" + UUID.randomUUID();
    List<DatasetInput> datasets;
    try {
      datasets = datasets(requestId, secret);
    } catch (IOException e) {
      throw new AssertionError("could not write the kit's input files in " + inputs(), e);
    }
    ComputeEnvironment environment = environment();
    JobSpec.Builder builder =
        JobSpec.builder(id, OWNER.address())
            .requestId(requestId)
            .datasets(datasets)
            .algorithm(code)
            .environmentId(environment.id())
            .resources(environment.defaultPerJob())
            .maxDuration(
                environment.maxDuration().compareTo(timeout()) < 0
                    ? environment.maxDuration()
                    : timeout())
            .createdAt(clock().instant());
    customize.accept(builder);
    JobSpec spec = builder.build();
    Recorder recorder = new Recorder(id);
    if (onFirst != null) {
      recorder.onFirst(onFirst);
    }
    ComputeBackend target = backend();
    submittedIds.add(id);
    join(target.submit(spec, recorder));
    play(target, spec, algorithm);
    return new Job(spec, recorder, secret);
  }

  private List<DatasetInput> datasets(String requestId, String secret) throws IOException {
    Path dir = Files.createDirectories(inputs().resolve(requestId));
    Path first = Files.writeString(dir.resolve("a.csv"), "name,value\n" + secret + ",1\n");
    Path second = Files.write(dir.resolve("b.bin"), new byte[] {(byte) 0xca, (byte) 0xfe, 0, 10});
    Path third = Files.writeString(dir.resolve("c.txt"), "third input, second dataset\n");
    return List.of(
        TestRequests.dataset(1)
            .addFile(first.toUri())
            .addFile(second.toUri())
            .ddoJson(TestRequests.openDdo(1))
            .build(),
        TestRequests.dataset(2).addFile(third.toUri()).ddoJson(TestRequests.openDdo(2)).build());
  }

  private Map<String, String> environmentOf(Job job, BackendJobState end) {
    assertThat(end.status())
        .as("end of %s", job.recorder.statuses())
        .isEqualTo(JobStatus.COMPLETED);
    byte[] envFile = readAll(job.id(), end, ResultKind.OUTPUT).get("env.txt");
    assertThat(envFile).as("env.txt in the outputs").isNotNull();
    Map<String, String> env = new LinkedHashMap<>();
    for (String line :
        new String(envFile == null ? new byte[0] : envFile, StandardCharsets.UTF_8)
            .lines()
            .toList()) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        env.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return env;
  }

  /** How many of one consumer's jobs of the default size can run at once in {@code environment}. */
  private static int slotsFor(ComputeEnvironment environment) {
    long slots = Math.min(environment.maxConcurrentJobs(), environment.maxJobsPerConsumer());
    Resources each = environment.defaultPerJob();
    Resources all = environment.capacity();
    slots = Math.min(slots, fits(all.milliCpus(), each.milliCpus()));
    slots = Math.min(slots, fits(all.memoryBytes(), each.memoryBytes()));
    slots = Math.min(slots, fits(all.diskBytes(), each.diskBytes()));
    slots = Math.min(slots, fits(all.gpus(), each.gpus()));
    if (slots < 1) {
      throw new AssertionError(
          "environment() cannot run even one job of its default size: " + environment);
    }
    return (int) slots;
  }

  private static long fits(long capacity, long each) {
    return each == 0 ? Long.MAX_VALUE : capacity / each;
  }

  private static long checkedCap(long cap, String what) {
    if (cap > MAX_CAP_CHECKED) {
      throw new AssertionError(
          "environment() has "
              + what
              + " = "
              + cap
              + " bytes; give the conformance environment a cap of at most "
              + MAX_CAP_CHECKED
              + " bytes (64 KiB is plenty) so the kit can go over it quickly");
    }
    return cap;
  }

  private Restarted restart() throws Exception {
    Job running = submit(TestAlgorithms.SLEEP_FOREVER, spec -> {});
    Job finished = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
    BackendJobState finishedEnd = finished.awaitTerminal();
    running.recorder.awaitStatus(JobStatus.RUNNING_ALGORITHM, timeout());
    Map<String, byte[]> before = new LinkedHashMap<>();
    for (JobResult result : finishedEnd.results()) {
      before.put(result.kind() + "/" + result.name(), read(finished.id(), result));
    }

    ComputeBackend first = backend();
    first.close();
    ComputeBackend second = track(recreateBackend(first, workDir()));
    backend = second;
    Recorder listener = Recorder.anyJob();
    List<RecoveredJob> recovered =
        second
            .recover(listener)
            .toCompletableFuture()
            .get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    Map<JobId, RecoveredJob> byId = new LinkedHashMap<>();
    recovered.forEach(job -> byId.put(job.spec().jobId(), job));
    return new Restarted(running, finished, finishedEnd, before, byId, listener);
  }

  private Set<JobId> recoveredIds(ComputeBackend target) {
    Set<JobId> ids = new TreeSet<>((a, b) -> a.value().compareTo(b.value()));
    try {
      for (RecoveredJob job :
          target
              .recover(state -> {})
              .toCompletableFuture()
              .get(timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        ids.add(job.spec().jobId());
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("recover failed or did not finish within " + timeout(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    return ids;
  }

  private static JobResult only(BackendJobState end, ResultKind kind) {
    List<JobResult> found = end.results().stream().filter(result -> result.kind() == kind).toList();
    assertThat(found).as("%s results of %s", kind, end).hasSize(1);
    return found.get(0);
  }

  private Map<String, byte[]> readAll(JobId id, BackendJobState end, ResultKind kind) {
    Map<String, byte[]> bytes = new TreeMap<>();
    for (JobResult result : end.results()) {
      if (result.kind() == kind) {
        bytes.put(result.name(), read(id, result));
      }
    }
    return bytes;
  }

  private byte[] read(JobId id, JobResult result) {
    try (InputStream in =
        backend()
            .openResult(id, result)
            .toCompletableFuture()
            .get(timeout().toMillis(), TimeUnit.MILLISECONDS)) {
      return in.readAllBytes();
    } catch (ExecutionException e) {
      throw new AssertionError(
          "could not open " + result + " of job " + id + ": " + e.getCause(), e);
    } catch (TimeoutException e) {
      throw new AssertionError(
          "opening " + result + " of job " + id + " took over " + timeout(), e);
    } catch (IOException e) {
      throw new AssertionError("could not read " + result + " of job " + id, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private <T> T join(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("the backend's stage failed: " + e.getCause(), e);
    } catch (TimeoutException e) {
      throw new AssertionError("the backend's stage did not complete within " + timeout(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private Engine engine() {
    RecordingBackend recording =
        new RecordingBackend(
            backend(),
            (target, spec) -> {
              submittedIds.add(spec.jobId());
              play(target, spec, TestAlgorithms.identify(spec.algorithm()).orElse(""));
            });
    return new Engine(recording);
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, @Nullable IOException e)
              throws IOException {
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** A job the kit submitted, with what it expects of it. */
  private final class Job {
    final JobSpec spec;
    final Recorder recorder;
    final String secret;

    Job(JobSpec spec, Recorder recorder, String secret) {
      this.spec = spec;
      this.recorder = recorder;
      this.secret = secret;
    }

    JobId id() {
      return spec.jobId();
    }

    BackendJobState awaitTerminal() {
      return recorder.awaitTerminal(timeout());
    }

    /** The outputs echo-inputs writes for the inputs: {@code input-<did>-<n>} to bytes. */
    Map<String, byte[]> inputCopies() {
      Map<String, byte[]> copies = new TreeMap<>();
      for (DatasetInput dataset : spec.datasets()) {
        for (int n = 0; n < dataset.files().size(); n++) {
          try {
            copies.put(
                String.format(Locale.ROOT, "input-%s-%d", dataset.did().id(), n),
                Files.readAllBytes(Path.of(dataset.files().get(n))));
          } catch (IOException e) {
            throw new AssertionError(
                "could not read the kit's own input " + dataset.files().get(n), e);
          }
        }
        copies.put("ddo-" + dataset.did().id(), utf8(dataset.ddoJson().orElseThrow()));
      }
      return copies;
    }
  }

  /** Two jobs seen by a first instance, and what a second instance recovered. */
  private static final class Restarted {
    final Job running;
    final Job finished;
    final BackendJobState finishedEnd;
    final Map<String, byte[]> bytesBefore;
    final Map<JobId, RecoveredJob> recovered;
    final Recorder listener;

    Restarted(
        Job running,
        Job finished,
        BackendJobState finishedEnd,
        Map<String, byte[]> bytesBefore,
        Map<JobId, RecoveredJob> recovered,
        Recorder listener) {
      this.running = running;
      this.finished = finished;
      this.finishedEnd = finishedEnd;
      this.bytesBefore = bytesBefore;
      this.recovered = recovered;
      this.listener = listener;
    }
  }

  /** An engine over the backend under test, with a fake verifier and a waiter. */
  private final class Engine implements AutoCloseable {
    final RecordingBackend backend;
    final ComputeEngine engine;
    final JobWaiter waiter;
    final TestRequests requests = TestRequests.create(CHAIN_ID, EthereumKey.CAROL.address());

    Engine(RecordingBackend backend) {
      this.backend = backend;
      this.engine =
          ComputeEngine.builder()
              .backend(backend)
              .verifier(FakeAgreementVerifier.allowAll())
              .authenticator(TestAuthenticator.create())
              .chainId(CHAIN_ID)
              .providerAddress(EthereumKey.CAROL.address())
              .build();
      this.waiter = JobWaiter.on(engine);
      join(engine.ready());
    }

    ComputeRequest request(String algorithm, Consumer<ComputeRequest.Builder> customize) {
      String requestId = "conformance-" + UUID.randomUUID();
      List<DatasetInput> datasets;
      try {
        datasets = datasets(requestId, "engine");
      } catch (IOException e) {
        throw new AssertionError("could not write the kit's input files", e);
      }
      TestRequests.Builder request =
          requests
              .by(OWNER)
              .environment(environment().id())
              .algorithm(TestAlgorithms.raw(algorithm, algorithmImage(), Map.of()))
              .configure(builder -> builder.requestId(requestId))
              .configure(customize);
      datasets.forEach(request::dataset);
      return request.sign();
    }

    ComputeJob start(String algorithm) {
      return join(engine.start(request(algorithm, r -> {})));
    }

    @Override
    public void close() {
      waiter.close();
      engine.close();
    }
  }
}
