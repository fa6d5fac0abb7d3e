package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.testkit.LoopbackFileServer;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data's way in and out of a real pod (issue 14): inputs streamed in and results streamed out
 * through {@code pods/exec} with no Secret or ConfigMap, an input on a real PersistentVolumeClaim
 * (a hostPath PersistentVolume on the node, made and removed here) mounted read-only, a claim that
 * does not exist, a path in a claim that does not, outputs cut at the cap while they stream, a
 * provider restart while the pod waits for its inputs, and a large input in and out with the heap
 * watched. Everything made here carries {@code app.kubernetes.io/managed-by=c2d} and is deleted.
 */
@ExtendWith(RequiresKubeconfig.class)
final class KubernetesRealClusterDataTest {
  private static final EthAddress OWNER =
      EthAddress.of("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  private static final Did DATA = Did.of("did:op:" + "de".repeat(32));
  private static final Duration WAIT = Duration.ofMinutes(4);
  private static final long MIB = 1L << 20;

  private static KubernetesClient client;

  @TempDir Path work;
  private final List<KubernetesComputeBackend> backends = new ArrayList<>();
  private final List<JobId> submitted = new ArrayList<>();
  private final List<HasMetadata> made = new ArrayList<>();

  @BeforeAll
  static void connect() {
    client = RealCluster.client();
  }

  @AfterAll
  static void disconnect() {
    if (client != null) {
      client.close();
    }
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
    for (HasMetadata object : made) {
      client.resource(object).delete();
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void aClaimInputIsMountedReadOnlyNotCopied() throws Exception {
    Path volume = hostDirectory("claim");
    Files.createDirectories(volume.resolve("set"));
    Files.writeString(volume.resolve("set/records.csv"), "a,b\n1,2\n");
    String claim = claim(volume);
    KubernetesComputeBackend backend = backend(environment(64 * 1024));
    String dir = "/data/inputs/" + DATA.id();
    JobSpec spec =
        specOf(
            List.of(
                FileLocator.of(localFile("local input")),
                FileLocator.pvc(claim, "set/records.csv")),
            "cat "
                + dir
                + "/1 > $OUTPUTS/from-claim.csv; cat "
                + dir
                + "/0 > $OUTPUTS/from-file.txt;"
                + " if (echo x >> "
                + dir
                + "/1) 2>/dev/null; then echo writable; else echo read-only; fi"
                + " > $OUTPUTS/mode.txt",
            Duration.ofMinutes(3));

    BackendJobState end = runToEnd(backend, spec);

    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(backend, spec.jobId(), end, "from-claim.csv")).isEqualTo("a,b\n1,2\n");
    assertThat(read(backend, spec.jobId(), end, "from-file.txt")).isEqualTo("local input");
    assertThat(read(backend, spec.jobId(), end, "mode.txt")).isEqualTo("read-only\n");
    assertThat(Files.readString(volume.resolve("set/records.csv"))).isEqualTo("a,b\n1,2\n");
    assertThat(readLog(backend, spec.jobId(), end, "configuration.log"))
        .contains("file 1 is mounted, not staged");
    assertNoSecretOrConfigMap(spec.jobId());
  }

  @Test
  void aClaimThatDoesNotExistIsDataProvisioningFailedBeforeAnyPod() throws Exception {
    KubernetesComputeBackend backend = backend(environment(64 * 1024));
    JobSpec spec =
        specOf(
            List.of(FileLocator.pvc("c2d-no-such-claim-" + shortId(), "x.csv")),
            "true",
            Duration.ofMinutes(2));

    BackendJobState end = runToEnd(backend, spec);

    assertThat(end.status()).isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
    assertThat(end.detail()).contains("does not exist");
    assertThat(labelled(spec.jobId()))
        .extracting(HasMetadata::getKind)
        .containsExactly("NetworkPolicy");
  }

  @Test
  void aPathThatIsNotInTheClaimIsDataProvisioningFailedNotAHang() throws Exception {
    Path volume = hostDirectory("claim-empty");
    String claim = claim(volume);
    KubernetesComputeBackend backend = backend(environment(64 * 1024));
    JobSpec spec =
        specOf(
            List.of(FileLocator.pvc(claim, "missing/records.csv")),
            "echo ran > $OUTPUTS/ran.txt",
            Duration.ofMinutes(2));

    long started = System.nanoTime();
    BackendJobState end = runToEnd(backend, spec);

    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
    assertThat(end.detail()).contains("missing/records.csv").contains("cannot be read");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMinutes(1));
    assertThat(end.results()).extracting(JobResult::name).doesNotContain("ran.txt");
    try (var files = Files.list(volume)) {
      assertThat(files.toList()).as("the claim is left as it was").isEmpty();
    }
  }

  @Test
  void aUrlInputIsFetchedByTheProviderAndStreamedIn() throws Exception {
    try (LoopbackFileServer server = LoopbackFileServer.start()) {
      server
          .serve("/records.csv", LoopbackFileServer.Body.of("x,y\n3,4\n"))
          .failFirst(1, 503)
          .requireHeader("Authorization", "Bearer k8s");
      KubernetesComputeBackend backend = backend(environment(64 * 1024));
      JobSpec spec =
          specOf(
              List.of(
                  FileLocator.urlBuilder(server.uri("/records.csv"))
                      .header("Authorization", "Bearer k8s")
                      .build()),
              "cat /data/inputs/" + DATA.id() + "/0 > $OUTPUTS/fetched.csv",
              Duration.ofMinutes(2));

      BackendJobState end = runToEnd(backend, spec);

      assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.COMPLETED);
      assertThat(read(backend, spec.jobId(), end, "fetched.csv")).isEqualTo("x,y\n3,4\n");
      assertThat(readLog(backend, spec.jobId(), end, "configuration.log"))
          .contains("fetched dataset")
          .doesNotContain("Bearer k8s");
      assertThat(work.resolve("results").resolve(spec.jobId().value()).resolve("fetched"))
          .as("the fetched copy is gone once it is in the pod")
          .doesNotExist();
      assertNoSecretOrConfigMap(spec.jobId());
    }
  }

  @Test
  void outputsOverTheCapAreCutWhileTheyStream() throws Exception {
    KubernetesComputeBackend backend = backend(environment(MIB));
    JobSpec spec =
        spec(
            List.of(localFile("x")),
            "for f in a b c d; do head -c 1048576 /dev/zero > $OUTPUTS/$f.bin; done",
            Duration.ofMinutes(2));

    BackendJobState end = runToEnd(backend, spec);

    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.COMPLETED_TRUNCATED);
    long kept =
        end.results().stream()
            .filter(r -> r.kind() == ResultKind.OUTPUT)
            .mapToLong(JobResult::size)
            .sum();
    assertThat(kept).isEqualTo(MIB);
    assertThat(readLog(backend, spec.jobId(), end, "publish.log"))
        .contains("stopped reading the outputs at the cap of " + MIB + " bytes");
  }

  @Test
  void aProviderRestartedWhileThePodWaitsForItsInputsStreamsThemIn() throws Exception {
    ComputeEnvironment environment = environment(64 * 1024);
    KubernetesComputeBackend first = backend(environment);
    JobSpec spec =
        spec(
            List.of(localFile("after the restart")),
            "cat /data/inputs/" + DATA.id() + "/0 > $OUTPUTS/copy.txt",
            Duration.ofMinutes(3));
    first.submit(spec, new Recorder()).toCompletableFuture().get(1, TimeUnit.MINUTES);
    first.close(); // before its pod has started: nobody streams the inputs in yet

    KubernetesComputeBackend second = backend(environment);
    Recorder after = new Recorder();
    second.recover(after).toCompletableFuture().get(1, TimeUnit.MINUTES);

    BackendJobState end =
        await(after, s -> s.jobId().equals(spec.jobId()) && s.status().isTerminal());
    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(second, spec.jobId(), end, "copy.txt")).isEqualTo("after the restart");
  }

  /**
   * A large input in and the same size out on the real node, with the provider's heap sampled after
   * a full collection every half second: what stays live must not grow with the data. The size is
   * {@code c2d.k8s.large-transfer-bytes}, 256 MiB by default; a gigabyte ({@code
   * -Dc2d.k8s.large-transfer-bytes=1073741824}) is issue 14's target, and its results stream
   * through exec still breaks now and then on this node (RESULTS_FETCH_FAILED, "exec ... failed"),
   * which is open work, not a settled promise.
   */
  @Test
  void aLargeInputGoesInAndComesOutWithFlatHeap() throws Exception {
    long size = Long.getLong("c2d.k8s.large-transfer-bytes", 256L << 20);
    Path input = work.resolve("large.bin");
    try (RandomAccessFile file = new RandomAccessFile(input.toFile(), "rw")) {
      file.setLength(size); // sparse: made at once, read as zeros
    }
    KubernetesComputeBackend backend = backend(environment(2 * size));
    JobSpec spec =
        spec(
            List.of(input.toUri()),
            "cp /data/inputs/" + DATA.id() + "/0 $OUTPUTS/copy.bin",
            Duration.ofMinutes(10));
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long baseline = memory.getHeapMemoryUsage().getUsed();
    AtomicLong peak = new AtomicLong(baseline);
    AtomicBoolean sampling = new AtomicBoolean(true);
    Thread sampler =
        new Thread(
            () -> {
              while (sampling.get()) {
                System.gc();
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                  Thread.sleep(500);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    sampler.setDaemon(true);
    sampler.start();
    BackendJobState end;
    long started = System.nanoTime();
    try {
      end = runToEnd(backend, spec, Duration.ofMinutes(10));
    } finally {
      sampling.set(false);
      sampler.join();
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.COMPLETED);
    JobResult copy =
        end.results().stream().filter(r -> r.name().equals("copy.bin")).findFirst().orElseThrow();
    assertThat(copy.size()).isEqualTo(size);
    try (InputStream in =
        backend.openResult(spec.jobId(), copy).toCompletableFuture().get(1, TimeUnit.MINUTES)) {
      byte[] buffer = new byte[1 << 16];
      long total = 0;
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        for (int i = 0; i < n; i++) {
          assertThat(buffer[i]).isZero();
        }
        total += n;
      }
      assertThat(total).isEqualTo(size);
    }
    long growth = peak.get() - baseline;
    System.out.printf(
        "%d MiB in and out on the real node: %d s; live heap growth at most %d KiB%n",
        size >> 20, took.toSeconds(), growth >> 10);
    assertThat(growth)
        .as("live heap growth while moving %d MiB", 2 * (size >> 20))
        .isLessThan(64 * MIB);
  }

  // ---------------------------------------------------------------------------------------------

  private static ComputeEnvironment environment(long maxOutputBytes) {
    return ComputeEnvironment.builder("real-data")
        .capacity(Resources.of(2, 512, 8192, 0))
        .maxPerJob(Resources.of(1, 256, 4096, 0))
        .defaultPerJob(Resources.of(0.5, 64, 256, 0))
        .maxConcurrentJobs(2)
        .maxOutputBytes(maxOutputBytes)
        .maxLogBytes(64 << 10)
        .build();
  }

  private KubernetesComputeBackend backend(ComputeEnvironment environment) {
    KubernetesComputeBackend backend =
        RealCluster.backend(environment, work.resolve("results"))
            .transferTimeout(Duration.ofMinutes(5))
            .build();
    backends.add(backend);
    return backend;
  }

  private JobSpec spec(List<URI> files, String script, Duration maxDuration) {
    return specOf(files.stream().map(FileLocator::of).toList(), script, maxDuration);
  }

  private JobSpec specOf(List<FileLocator> files, String script, Duration maxDuration) {
    String requestId = "real-data-" + UUID.randomUUID();
    JobId id = JobId.derive(OWNER, requestId);
    submitted.add(id);
    DatasetInput.Builder dataset = DatasetInput.builder(DATA, "compute");
    files.forEach(dataset::addLocator);
    return JobSpec.builder(id, OWNER)
        .requestId(requestId)
        .datasets(List.of(dataset.ddoJson("{\"id\":\"" + DATA.value() + "\"}").build()))
        .algorithm(Algorithm.raw(RealCluster.container("sh $ALGO"), script).build())
        .environmentId("real-data")
        .resources(Resources.of(0.5, 64, 2048, 0))
        .maxDuration(maxDuration)
        .build();
  }

  private URI localFile(String content) throws IOException {
    Path file = Files.createTempFile(work, "input", ".txt");
    Files.writeString(file, content);
    return file.toUri();
  }

  /** A directory on this machine, which is the node: readable by the pods' non-root user. */
  private Path hostDirectory(String name) throws IOException {
    Path dir = Files.createDirectories(work.resolve(name));
    for (Path p = dir; p != null && p.startsWith(work); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return dir;
  }

  /** A hostPath PersistentVolume on {@code dir} and a claim bound to it; returns the claim. */
  private String claim(Path dir) throws InterruptedException {
    String name = "c2d-test-" + shortId();
    Map<String, String> labels = Map.of(ObjectNames.MANAGED_BY, ObjectNames.MANAGER);
    PersistentVolume volume =
        new PersistentVolumeBuilder()
            .withNewMetadata()
            .withName(name)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withCapacity(Map.of("storage", new Quantity("1Gi")))
            .withAccessModes("ReadOnlyMany")
            .withStorageClassName(name)
            .withPersistentVolumeReclaimPolicy("Retain")
            .withNewHostPath()
            .withPath(dir.toString())
            .withType("Directory")
            .endHostPath()
            .withNewClaimRef()
            .withNamespace(RealCluster.namespace())
            .withName(name)
            .endClaimRef()
            .endSpec()
            .build();
    PersistentVolumeClaim claim =
        new PersistentVolumeClaimBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(RealCluster.namespace())
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withAccessModes("ReadOnlyMany")
            .withStorageClassName(name)
            .withVolumeName(name)
            .withNewResources()
            .withRequests(Map.of("storage", new Quantity("1Gi")))
            .endResources()
            .endSpec()
            .build();
    made.add(client.persistentVolumes().resource(volume).create());
    // the claim first in the list: deleted before its volume
    made.add(0, client.persistentVolumeClaims().resource(claim).create());
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (System.nanoTime() < deadline) {
      PersistentVolumeClaim now =
          client.persistentVolumeClaims().inNamespace(RealCluster.namespace()).withName(name).get();
      if (now.getStatus() != null && "Bound".equals(now.getStatus().getPhase())) {
        return name;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("claim " + name + " was not bound within a minute");
  }

  private static String shortId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  private void assertNoSecretOrConfigMap(JobId id) {
    assertThat(labelled(id)).extracting(HasMetadata::getKind).doesNotContain("Secret", "ConfigMap");
  }

  private static List<HasMetadata> labelled(JobId id) {
    String selector = ObjectNames.of(id).selector();
    String ns = RealCluster.namespace();
    List<HasMetadata> found = new ArrayList<>();
    found.addAll(client.secrets().inNamespace(ns).withLabelSelector(selector).list().getItems());
    found.addAll(client.configMaps().inNamespace(ns).withLabelSelector(selector).list().getItems());
    found.addAll(
        client.batch().v1().jobs().inNamespace(ns).withLabelSelector(selector).list().getItems());
    found.addAll(client.pods().inNamespace(ns).withLabelSelector(selector).list().getItems());
    found.addAll(
        client
            .network()
            .v1()
            .networkPolicies()
            .inNamespace(ns)
            .withLabelSelector(selector)
            .list()
            .getItems());
    return found;
  }

  private static String read(
      KubernetesComputeBackend backend, JobId id, BackendJobState end, String name)
      throws Exception {
    JobResult result =
        end.results().stream()
            .filter(r -> r.name().equals(name) && r.kind() == ResultKind.OUTPUT)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no output " + name + " in " + end));
    try (InputStream in =
        backend.openResult(id, result).toCompletableFuture().get(1, TimeUnit.MINUTES)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String readLog(
      KubernetesComputeBackend backend, JobId id, BackendJobState end, String name)
      throws Exception {
    JobResult result =
        end.results().stream()
            .filter(r -> r.name().equals(name) && r.kind() != ResultKind.OUTPUT)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no log " + name + " in " + end));
    try (InputStream in =
        backend.openResult(id, result).toCompletableFuture().get(1, TimeUnit.MINUTES)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static BackendJobState runToEnd(KubernetesComputeBackend backend, JobSpec spec)
      throws Exception {
    return runToEnd(backend, spec, WAIT);
  }

  private static BackendJobState runToEnd(
      KubernetesComputeBackend backend, JobSpec spec, Duration wait) throws Exception {
    Recorder recorder = new Recorder();
    backend.submit(spec, recorder).toCompletableFuture().get(1, TimeUnit.MINUTES);
    return await(recorder, s -> s.status().isTerminal(), wait);
  }

  private static BackendJobState await(Recorder recorder, Predicate<BackendJobState> wanted)
      throws InterruptedException {
    return await(recorder, wanted, WAIT);
  }

  private static BackendJobState await(
      Recorder recorder, Predicate<BackendJobState> wanted, Duration wait)
      throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      for (BackendJobState state : recorder.states()) {
        if (wanted.test(state)) {
          return state;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no such report within " + wait + "; got " + recorder.states());
  }
}
