package io.c2d.testkit.conformance;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;

import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.TestRequests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * What one conformance test works with, shared by the kit (which sets it up and tears it down) and
 * the promise group running the test: the backends created for it, its work directory, the jobs it
 * submitted, and the ways to drive them (submit, wait, read results, restart, an engine over the
 * backend). The adapter's hooks are read from the {@link ComputeBackendConformanceKit} on use.
 *
 * <p>Confined to the JUnit thread running the test, except {@link #submit} (and the few reads it
 * makes), which a test may call from other threads: the current backend is volatile and the
 * submitted ids a concurrent set. Failures are {@link AssertionError}s.
 */
final class ConformanceFixture {
  /** The consumer of every job the kit submits. */
  static final EthereumKey OWNER = EthereumKey.ALICE;

  private final ComputeBackendConformanceKit kit;
  private @Nullable Path kitDir;
  private volatile @Nullable ComputeBackend backend;
  private final List<ComputeBackend> backends = new ArrayList<>();
  private final Set<JobId> submittedIds = ConcurrentHashMap.newKeySet();

  ConformanceFixture(ComputeBackendConformanceKit kit) {
    this.kit = kit;
  }

  // ---------------------------------------------------------------------------------------------
  // Set-up

  void createTheBackend() throws Exception {
    kitDir = Files.createTempDirectory("c2d-conformance-");
    Files.createDirectories(inputs());
    backend = track(kit.createBackend(workDir()));
  }

  void deleteJobsAndCloseBackends() throws Exception {
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
      JobDirectoryStore.deleteTree(kitDir);
    }
  }

  private ComputeBackend track(ComputeBackend created) {
    backends.add(created);
    return created;
  }

  /** The backend under test: the one created for the test, or the second after a restart. */
  ComputeBackend backend() {
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
  // The adapter's hooks

  ComputeEnvironment environment() {
    return kit.environment();
  }

  ContainerSpec algorithmImage() {
    return kit.algorithmImage();
  }

  Duration timeout() {
    return kit.timeout();
  }

  // ---------------------------------------------------------------------------------------------
  // Driving jobs

  KitJob submit(
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

  /**
   * Submits {@code algorithm} as {@link #submit} does, with {@code entrypoint} (which may use
   * {@code $ALGO}) instead of the kit's image's.
   */
  KitJob submitWithEntrypoint(String algorithm, String entrypoint) {
    ContainerSpec image = algorithmImage();
    ContainerSpec container =
        new ContainerSpec(image.image(), image.tag(), image.digest(), entrypoint);
    Algorithm code =
        Algorithm.raw(container, TestAlgorithms.source(algorithm))
            .customData("{\"conformance\":true}")
            .build();
    return submit(algorithm, code, spec -> {}, null);
  }

  Optional<String> algorithmWorkingDirectory() {
    return kit.algorithmWorkingDirectory();
  }

  KitJob submitPublished(String algorithm) throws IOException {
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

  private KitJob submit(
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
            .createdAt(kit.clock().instant());
    customize.accept(builder);
    JobSpec spec = builder.build();
    Recorder recorder = new Recorder(id);
    if (onFirst != null) {
      recorder.onFirst(onFirst);
    }
    ComputeBackend target = backend();
    submittedIds.add(id);
    join(target.submit(spec, recorder));
    kit.play(target, spec, algorithm);
    return new KitJob(spec, recorder, secret, timeout());
  }

  /** Writes the input files of one request and returns its two datasets. */
  List<DatasetInput> datasets(String requestId, String secret) throws IOException {
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

  /**
   * Closes the backend, creates a second instance with {@link
   * ComputeBackendConformanceKit#recreateBackend}, which becomes {@link #backend()}, and recovers
   * its jobs: a running and a finished one submitted to the first.
   */
  Restarted restart() throws Exception {
    KitJob running = submit(TestAlgorithms.SLEEP_FOREVER, spec -> {}, Map.of(), null);
    KitJob finished = submit(TestAlgorithms.ECHO_INPUTS, spec -> {}, Map.of(), null);
    BackendJobState finishedEnd = finished.awaitTerminal();
    running.recorder.awaitStatus(JobStatus.RUNNING_ALGORITHM, timeout());
    Map<String, byte[]> before = new LinkedHashMap<>();
    for (JobResult result : finishedEnd.results()) {
      before.put(result.kind() + "/" + result.name(), read(finished.id(), result));
    }

    ComputeBackend first = backend();
    first.close();
    ComputeBackend second = track(kit.recreateBackend(first, workDir()));
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

  Set<JobId> recoveredIds(ComputeBackend target) {
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

  /** An engine over the backend under test; the kit deletes the jobs it starts. */
  KitEngine engine() {
    RecordingBackend recording =
        new RecordingBackend(
            backend(),
            (target, spec) -> {
              submittedIds.add(spec.jobId());
              kit.play(target, spec, TestAlgorithms.identify(spec.algorithm()).orElse(""));
            });
    return new KitEngine(recording, this);
  }

  // ---------------------------------------------------------------------------------------------
  // Reading results and waiting

  static JobResult only(BackendJobState end, ResultKind kind) {
    List<JobResult> found = end.results().stream().filter(result -> result.kind() == kind).toList();
    assertThat(found).as("%s results of %s", kind, end).hasSize(1);
    return found.get(0);
  }

  Map<String, byte[]> readAll(JobId id, BackendJobState end, ResultKind kind) {
    Map<String, byte[]> bytes = new TreeMap<>();
    for (JobResult result : end.results()) {
      if (result.kind() == kind) {
        bytes.put(result.name(), read(id, result));
      }
    }
    return bytes;
  }

  byte[] read(JobId id, JobResult result) {
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

  <T> T join(CompletionStage<T> stage) {
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
}
