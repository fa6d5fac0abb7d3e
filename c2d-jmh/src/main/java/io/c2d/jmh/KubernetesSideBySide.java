package io.c2d.jmh;

import io.c2d.backend.k8s.KubernetesComputeBackend;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
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
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.ScalableResource;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The same script, {@code cp} of one input file to an output, through c2d's Kubernetes backend and
 * through a bare {@code batch/v1} Job, on the cluster of {@code KUBECONFIG}, side by side (the two
 * alternate, c2d first, one job at a time). The input lives on a hostPath PersistentVolume made
 * here on the node (this machine), sparse, and both mount it read-only through the same claim: c2d
 * as {@code FileLocator.pvc}, the bare Job as a volume. The bare Job leaves its copy in an {@code
 * emptyDir}; c2d streams it out of the pod into its result directory, as a provider must, or, with
 * {@code -Dc2d.bench.output-claim=true}, has the pod write it to an output claim (another hostPath
 * volume made here) and moves it from there ({@code outputClaim}); with {@code
 * -Dc2d.bench.visible-claims=true} as well, c2d is told it sees the input's volume ({@code
 * visibleClaim}), so that its pods need no staging step (from the second job on). Timed: c2d from
 * {@code submit} to the {@code COMPLETED} report; the bare Job from its create to its {@code
 * Complete} condition (watched, not polled). Removal is not timed. With {@code
 * -Dc2d.bench.trace=true} each c2d job's status reports are printed with the milliseconds since its
 * submit, and the wall-clock times of each submit, bare Job create and bare Job end (to lay beside
 * the container engine's events). Everything made carries {@code app.kubernetes.io/managed-by=c2d}
 * and is deleted at the end.
 *
 * <p>Not a JMH benchmark (one job takes seconds to minutes): a main, run from the benchmarks jar:
 *
 * <pre>
 * KUBECONFIG=/opt/k8s-real/admin.kubeconfig java -cp c2d-jmh/target/benchmarks.jar \
 *     io.c2d.jmh.KubernetesSideBySide [runs per size] [sizes in bytes ...]
 * </pre>
 *
 * Each job starts after an untimed random pause of under a second (see {@link #offPhase}; {@code
 * -Dc2d.bench.phase=locked} runs them back to back). Defaults: 5 runs of 1 MiB and 100 MiB. {@code
 * C2D_K8S_NAMESPACE} (default {@code default}) and {@code C2D_K8S_TEST_IMAGE} (default {@code
 * c2d-test/busybox:1}, found on the node's engine) as the real-cluster tests use them. Prints each
 * run and the medians and their ratio.
 */
public final class KubernetesSideBySide {
  private static final EthAddress OWNER =
      EthAddress.of("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  private static final Did DATA = Did.of("did:op:" + "be".repeat(32));
  private static final Map<String, String> LABELS = Map.of("app.kubernetes.io/managed-by", "c2d");

  private KubernetesSideBySide() {}

  /** Runs the comparison; see the class comment for the arguments. */
  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    List<Long> sizes = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      sizes.add(Long.parseLong(args[i]));
    }
    if (sizes.isEmpty()) {
      sizes.addAll(List.of(1L << 20, 100L << 20));
    }
    String namespace = System.getenv().getOrDefault("C2D_K8S_NAMESPACE", "default");
    String image = System.getenv().getOrDefault("C2D_K8S_TEST_IMAGE", "c2d-test/busybox:1");
    Path work = Files.createTempDirectory("c2d-k8s-side-by-side-");
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      List<String> summary = new ArrayList<>();
      for (long size : sizes) {
        summary.add(compare(client, namespace, image, work, size, runs));
      }
      // CHECKSTYLE.OFF: RegexpSinglelineJava - a command-line main prints its results
      System.out.println();
      summary.forEach(System.out::println);
      // CHECKSTYLE.ON: RegexpSinglelineJava
    } finally {
      deleteTree(work);
    }
  }

  private static String compare(
      KubernetesClient client, String namespace, String image, Path work, long size, int runs)
      throws Exception {
    Path volume = Files.createDirectories(work.resolve("volume-" + size));
    Files.setPosixFilePermissions(volume, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path input = volume.resolve("input.bin");
    try (RandomAccessFile file = new RandomAccessFile(input.toFile(), "rw")) {
      file.setLength(size);
    }
    Files.setPosixFilePermissions(input, PosixFilePermissions.fromString("rw-r--r--"));
    String claim = "c2d-bench-" + UUID.randomUUID().toString().substring(0, 8);
    makeClaim(client, namespace, claim, volume, "ReadOnlyMany");
    String outputClaim = null;
    Path outputs = work.resolve("outputs-" + size);
    if (Boolean.getBoolean("c2d.bench.output-claim")) {
      Files.createDirectories(outputs);
      Files.setPosixFilePermissions(outputs, PosixFilePermissions.fromString("rwxr-xr-x"));
      outputClaim = "c2d-bench-out-" + UUID.randomUUID().toString().substring(0, 8);
      makeClaim(client, namespace, outputClaim, outputs, "ReadWriteOnce");
    }
    ContainerSpec container = container(image, "sh $ALGO");
    ComputeEnvironment environment =
        ComputeEnvironment.builder("bench")
            .capacity(Resources.of(2, 1024, 8192, 0))
            .maxPerJob(Resources.of(1, 256, 4096, 0))
            .defaultPerJob(Resources.of(1, 256, 256, 0))
            .maxConcurrentJobs(1)
            .maxOutputBytes(size + (1L << 20))
            .maxLogBytes(64 << 10)
            .build();
    List<Long> c2d = new ArrayList<>();
    List<Long> bare = new ArrayList<>();
    KubernetesComputeBackend.Builder builder =
        KubernetesComputeBackend.builder()
            .client(client)
            .namespace(namespace)
            .resultRoot(work.resolve("results"))
            .addEnvironment(environment)
            .helperImage(image)
            .transferTimeout(Duration.ofMinutes(10))
            // a measurement on test nodes, which need not enforce NetworkPolicy
            .acceptUnenforcedNetworkPolicy(true);
    if (outputClaim != null) {
      builder.outputClaim(outputClaim, outputs);
    }
    if (Boolean.getBoolean("c2d.bench.visible-claims")) {
      // this provider runs on the node: it sees the input's hostPath volume too
      builder.visibleClaim(claim, volume);
    }
    Random phases = new Random(size);
    try (KubernetesComputeBackend backend = builder.build()) {
      for (int run = 0; run < runs; run++) {
        offPhase(phases);
        c2d.add(c2dRun(backend, container, claim, size));
        offPhase(phases);
        bare.add(bareRun(client, namespace, image, claim));
        // CHECKSTYLE.OFF: RegexpSinglelineJava - a command-line main prints its results
        System.out.printf(
            Locale.ROOT,
            "size %d run %d: c2d %.2f s, bare Job %.2f s%n",
            size,
            run + 1,
            c2d.get(run) / 1e9,
            bare.get(run) / 1e9);
        // CHECKSTYLE.ON: RegexpSinglelineJava
      }
    } finally {
      for (String made : outputClaim == null ? List.of(claim) : List.of(claim, outputClaim)) {
        client.persistentVolumeClaims().inNamespace(namespace).withName(made).delete();
        client.persistentVolumes().withName(made).delete();
      }
    }
    double c2dMedian = median(c2d) / 1e9;
    double bareMedian = median(bare) / 1e9;
    return String.format(
        Locale.ROOT,
        "%,d bytes, %d runs%s: c2d median %.2f s, bare Job median %.2f s, c2d / bare %.2fx",
        size,
        runs,
        outputClaim == null ? ", results streamed (pods/exec)" : ", results on an output claim",
        c2dMedian,
        bareMedian,
        c2dMedian / bareMedian);
  }

  private static long c2dRun(
      KubernetesComputeBackend backend, ContainerSpec container, String claim, long size)
      throws Exception {
    String requestId = "bench-" + UUID.randomUUID();
    JobId id = JobId.derive(OWNER, requestId);
    JobSpec spec =
        JobSpec.builder(id, OWNER)
            .requestId(requestId)
            .datasets(
                List.of(
                    DatasetInput.builder(DATA, "compute")
                        .addLocator(FileLocator.pvc(claim, "input.bin"))
                        .build()))
            .algorithm(
                Algorithm.raw(container, "cp /data/inputs/" + DATA.id() + "/0 $OUTPUTS/copy.bin")
                    .build())
            .environmentId("bench")
            .resources(Resources.of(1, 256, 4096, 0))
            .maxDuration(Duration.ofMinutes(20))
            .build();
    CompletableFuture<BackendJobState> end = new CompletableFuture<>();
    trace("c2d submit");
    long start = System.nanoTime();
    boolean trace = Boolean.getBoolean("c2d.bench.trace");
    backend.submit(
        spec,
        state -> {
          if (trace) {
            // CHECKSTYLE.OFF: RegexpSinglelineJava - a command-line main prints its trace
            System.out.printf(
                Locale.ROOT,
                "  +%5d ms %s (at %d ms)%n",
                (System.nanoTime() - start) / 1_000_000,
                state.status(),
                System.currentTimeMillis());
            // CHECKSTYLE.ON: RegexpSinglelineJava
          }
          if (state.status().isTerminal()) {
            end.complete(state);
          }
        });
    BackendJobState state = end.get(20, TimeUnit.MINUTES);
    long took = System.nanoTime() - start;
    long copied =
        state.results().stream()
            .filter(r -> r.name().equals("copy.bin"))
            .mapToLong(JobResult::size)
            .sum();
    if (state.status() != JobStatus.COMPLETED || copied != size) {
      throw new IllegalStateException("the c2d job did not copy the input: " + state);
    }
    backend.delete(id).toCompletableFuture().get(2, TimeUnit.MINUTES);
    return took;
  }

  private static long bareRun(KubernetesClient client, String namespace, String image, String claim)
      throws InterruptedException {
    String name = "c2d-bench-bare-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, Quantity> amounts =
        Map.of("cpu", new Quantity("1"), "memory", new Quantity("256Mi"));
    Job job =
        new JobBuilder()
            .withNewMetadata()
            .withName(name)
            .withLabels(LABELS)
            .endMetadata()
            .withNewSpec()
            .withBackoffLimit(0)
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(LABELS)
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .withAutomountServiceAccountToken(false)
            .addNewContainer()
            .withName("algorithm")
            .withImage(image)
            .withImagePullPolicy("IfNotPresent")
            .withCommand("sh", "-c", "cp /data/in/input.bin /out/copy.bin")
            .withNewResources()
            .withRequests(amounts)
            .withLimits(amounts)
            .endResources()
            .addNewVolumeMount()
            .withName("in")
            .withMountPath("/data/in")
            .withReadOnly(true)
            .endVolumeMount()
            .addNewVolumeMount()
            .withName("out")
            .withMountPath("/out")
            .endVolumeMount()
            .endContainer()
            .addNewVolume()
            .withName("in")
            .withNewPersistentVolumeClaim()
            .withClaimName(claim)
            .withReadOnly(true)
            .endPersistentVolumeClaim()
            .endVolume()
            .addNewVolume()
            .withName("out")
            .withNewEmptyDir()
            .endEmptyDir()
            .endVolume()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    trace("bare Job create");
    long start = System.nanoTime();
    ScalableResource<Job> created = client.batch().v1().jobs().inNamespace(namespace).resource(job);
    created.create();
    try {
      // watched, not polled: a poll would add up to its period to the bare Job's time
      Job ended =
          created.waitUntilCondition(watched -> endOf(watched) != null, 20, TimeUnit.MINUTES);
      long took = System.nanoTime() - start;
      trace("bare Job complete");
      JobCondition end = endOf(ended);
      if (!"Complete".equals(end.getType())) {
        throw new IllegalStateException("the bare Job failed: " + end);
      }
      return took;
    } finally {
      created.withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    }
  }

  /** The condition that ended {@code job} (Complete or Failed), or null while it runs. */
  private static @Nullable JobCondition endOf(@Nullable Job job) {
    if (job == null || job.getStatus() == null || job.getStatus().getConditions() == null) {
      return null;
    }
    for (JobCondition condition : job.getStatus().getConditions()) {
      if ("True".equals(condition.getStatus())) {
        return condition;
      }
    }
    return null;
  }

  /**
   * Waits, untimed, a random part of a second before a job (unless {@code
   * -Dc2d.bench.phase=locked}). The kubelet notices a container's end at its next relist, once a
   * second; jobs run back to back fall into a fixed phase with it, and the bare Job, started a
   * fixed time after c2d's report, ended just before a relist run after run (0.1 s to its report)
   * while c2d's algorithm ended just after one (0.9 s). A random start gives each job the same
   * expected wait.
   */
  private static void offPhase(Random phases) throws InterruptedException {
    if (!"locked".equals(System.getProperty("c2d.bench.phase"))) {
      Thread.sleep(phases.nextInt(1000));
    }
  }

  private static void trace(String what) {
    if (Boolean.getBoolean("c2d.bench.trace")) {
      // CHECKSTYLE.OFF: RegexpSinglelineJava - a command-line main prints its trace
      System.out.printf(Locale.ROOT, "  %s (at %d ms)%n", what, System.currentTimeMillis());
      // CHECKSTYLE.ON: RegexpSinglelineJava
    }
  }

  private static void makeClaim(
      KubernetesClient client, String namespace, String name, Path volume, String accessMode)
      throws InterruptedException {
    PersistentVolume pv =
        new PersistentVolumeBuilder()
            .withNewMetadata()
            .withName(name)
            .withLabels(LABELS)
            .endMetadata()
            .withNewSpec()
            .withCapacity(Map.of("storage", new Quantity("8Gi")))
            .withAccessModes(accessMode)
            .withStorageClassName(name)
            .withPersistentVolumeReclaimPolicy("Retain")
            .withNewHostPath()
            .withPath(volume.toString())
            .withType("Directory")
            .endHostPath()
            .withNewClaimRef()
            .withNamespace(namespace)
            .withName(name)
            .endClaimRef()
            .endSpec()
            .build();
    PersistentVolumeClaim pvc =
        new PersistentVolumeClaimBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withLabels(LABELS)
            .endMetadata()
            .withNewSpec()
            .withAccessModes(accessMode)
            .withStorageClassName(name)
            .withVolumeName(name)
            .withNewResources()
            .withRequests(Map.of("storage", new Quantity("8Gi")))
            .endResources()
            .endSpec()
            .build();
    client.persistentVolumes().resource(pv).create();
    client.persistentVolumeClaims().inNamespace(namespace).resource(pvc).create();
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (System.nanoTime() < deadline) {
      PersistentVolumeClaim now =
          client.persistentVolumeClaims().inNamespace(namespace).withName(name).get();
      if (now.getStatus() != null && "Bound".equals(now.getStatus().getPhase())) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("claim " + name + " was not bound within a minute");
  }

  private static ContainerSpec container(String image, String entrypoint) {
    int colon = image.lastIndexOf(':');
    return ContainerSpec.of(image.substring(0, colon), image.substring(colon + 1), entrypoint);
  }

  private static double median(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
