package io.c2d.backend.k8s;

import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
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
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real-cluster tests' shared setup, registered as a static {@code @RegisterExtension} field:
 * one client per test class; after each test, the backends it built closed and every object of the
 * jobs it submitted (Jobs, pods, NetworkPolicies, Secrets) and of what it made (claims, volumes)
 * removed; hostPath PersistentVolumes and claims on this machine (the node); running a job to its
 * end and reading its results.
 *
 * <p>Not thread-safe: one test at a time.
 */
final class RealClusterFixture implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {
  private @Nullable KubernetesClient client;
  private final List<KubernetesComputeBackend> backends = new ArrayList<>();
  private final List<JobId> submitted = new ArrayList<>();
  private final List<HasMetadata> made = new ArrayList<>();

  @Override
  public void beforeAll(ExtensionContext context) {
    client = RealCluster.client();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (client != null) {
      client.close();
      client = null;
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    backends.forEach(KubernetesComputeBackend::close);
    backends.clear();
    KubernetesClient c = client();
    String ns = RealCluster.namespace();
    for (JobId id : submitted) {
      String selector = ObjectNames.of(id).selector();
      c.batch()
          .v1()
          .jobs()
          .inNamespace(ns)
          .withLabelSelector(selector)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND)
          .delete();
      c.pods().inNamespace(ns).withLabelSelector(selector).delete();
      c.secrets().inNamespace(ns).withLabelSelector(selector).delete();
      c.network().v1().networkPolicies().inNamespace(ns).withLabelSelector(selector).delete();
    }
    submitted.clear();
    for (HasMetadata object : made) {
      c.resource(object).delete();
    }
    made.clear();
  }

  KubernetesClient client() {
    KubernetesClient c = client;
    if (c == null) {
      throw new IllegalStateException("register the fixture as a static @RegisterExtension field");
    }
    return c;
  }

  /** Builds {@code builder}'s backend, closed after the test. */
  KubernetesComputeBackend build(KubernetesComputeBackend.Builder builder) {
    KubernetesComputeBackend backend = builder.build();
    backends.add(backend);
    return backend;
  }

  /** Remembers job {@code id}: its objects are removed after the test. */
  JobId submitted(JobId id) {
    submitted.add(id);
    return id;
  }

  /** A directory on this machine, which is the node: readable by the pods' non-root user. */
  static Path hostDirectory(Path work, String name) throws IOException {
    Path dir = Files.createDirectories(work.resolve(name));
    for (Path p = dir; p != null && p.startsWith(work); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return dir;
  }

  /**
   * A hostPath PersistentVolume on {@code dir} and a claim bound to it, both removed after the test
   * ({@code accessMode} e.g. {@code ReadOnlyMany}, {@code ReadWriteOnce}); returns the claim.
   */
  String claim(Path dir, String accessMode) throws InterruptedException {
    String name = "c2d-test-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> labels = Map.of(ObjectNames.MANAGED_BY, ObjectNames.MANAGER);
    PersistentVolume volume =
        new PersistentVolumeBuilder()
            .withNewMetadata()
            .withName(name)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withCapacity(Map.of("storage", new Quantity("1Gi")))
            .withAccessModes(accessMode)
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
            .withAccessModes(accessMode)
            .withStorageClassName(name)
            .withVolumeName(name)
            .withNewResources()
            .withRequests(Map.of("storage", new Quantity("1Gi")))
            .endResources()
            .endSpec()
            .build();
    KubernetesClient c = client();
    made.add(c.persistentVolumes().resource(volume).create());
    // the claim first in the list: deleted before its volume
    made.add(0, c.persistentVolumeClaims().resource(claim).create());
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (System.nanoTime() < deadline) {
      PersistentVolumeClaim now =
          c.persistentVolumeClaims().inNamespace(RealCluster.namespace()).withName(name).get();
      if (now.getStatus() != null && "Bound".equals(now.getStatus().getPhase())) {
        return name;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("claim " + name + " was not bound within a minute");
  }

  /** Everything in the namespace that carries the job's labels. */
  List<HasMetadata> labelled(JobId id) {
    KubernetesClient c = client();
    String selector = ObjectNames.of(id).selector();
    String ns = RealCluster.namespace();
    List<HasMetadata> found = new ArrayList<>();
    found.addAll(c.secrets().inNamespace(ns).withLabelSelector(selector).list().getItems());
    found.addAll(c.configMaps().inNamespace(ns).withLabelSelector(selector).list().getItems());
    found.addAll(
        c.batch().v1().jobs().inNamespace(ns).withLabelSelector(selector).list().getItems());
    found.addAll(c.pods().inNamespace(ns).withLabelSelector(selector).list().getItems());
    found.addAll(
        c.network()
            .v1()
            .networkPolicies()
            .inNamespace(ns)
            .withLabelSelector(selector)
            .list()
            .getItems());
    return found;
  }

  /** Submits {@code spec} and waits at most {@code wait} for its end. */
  static BackendJobState runToEnd(KubernetesComputeBackend backend, JobSpec spec, Duration wait)
      throws Exception {
    return runToEnd(backend, spec, Duration.ofMinutes(1), wait);
  }

  /**
   * Submits {@code spec}, waiting at most {@code submitWait} for the submission (a backend's first
   * may probe the node first), then at most {@code wait} for its end.
   */
  static BackendJobState runToEnd(
      KubernetesComputeBackend backend, JobSpec spec, Duration submitWait, Duration wait)
      throws Exception {
    Recorder recorder = new Recorder();
    backend
        .submit(spec, recorder)
        .toCompletableFuture()
        .get(submitWait.toMillis(), TimeUnit.MILLISECONDS);
    return await(recorder, s -> s.status().isTerminal(), wait);
  }

  /** The result {@code name} of an ended job; an {@link AssertionError} if there is none. */
  static JobResult result(BackendJobState end, String name) {
    return end.results().stream()
        .filter(r -> r.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no result " + name + " in " + end.results()));
  }

  /** The first report {@code wanted} accepts, waiting at most {@code wait}. */
  static BackendJobState await(Recorder recorder, Predicate<BackendJobState> wanted, Duration wait)
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

  /** The output {@code name} of an ended job, as text. */
  static String read(KubernetesComputeBackend backend, JobId id, BackendJobState end, String name)
      throws Exception {
    return readResult(
        backend, id, end, r -> r.name().equals(name) && r.kind() == ResultKind.OUTPUT);
  }

  /** The log {@code name} of an ended job, as text. */
  static String readLog(
      KubernetesComputeBackend backend, JobId id, BackendJobState end, String name)
      throws Exception {
    return readResult(
        backend, id, end, r -> r.name().equals(name) && r.kind() != ResultKind.OUTPUT);
  }

  private static String readResult(
      KubernetesComputeBackend backend, JobId id, BackendJobState end, Predicate<JobResult> which)
      throws Exception {
    JobResult result =
        end.results().stream()
            .filter(which)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no such result in " + end));
    try (InputStream in =
        backend.openResult(id, result).toCompletableFuture().get(1, TimeUnit.MINUTES)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
