package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class KubernetesComputeBackendTest {
  static final String NS = "c2d-test";
  static final EthAddress OWNER = EthAddress.of("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  static final Did DATA = Did.of("did:op:" + "ab".repeat(32));

  private final MockApiServer api = MockApiServer.start();
  final KubernetesClient client = api.client();
  final KubernetesMockServer server = api.server();
  @TempDir Path results;
  final FakePodExec exec = new FakePodExec();

  private final List<KubernetesComputeBackend> backends = new ArrayList<>();

  @AfterEach
  void closeBackends() {
    backends.forEach(KubernetesComputeBackend::close);
    api.close();
  }

  static ComputeEnvironment environment() {
    return ComputeEnvironment.builder("k8s")
        .capacity(Resources.of(4, 8192, 20480, 1))
        .maxOutputBytes(1 << 20)
        .build();
  }

  KubernetesComputeBackend backend() {
    return backend(Duration.ofMinutes(2));
  }

  KubernetesComputeBackend backend(Duration imagePullTimeout) {
    KubernetesComputeBackend backend =
        KubernetesComputeBackend.builder()
            .networkPolicyProbe(StubProbe.ENFORCED)
            .client(client)
            .namespace(NS)
            .resultRoot(results)
            .addEnvironment(environment())
            .imagePullTimeout(imagePullTimeout)
            .podExec(c -> exec)
            .build();
    backends.add(backend);
    return backend;
  }

  /** The input every job of these tests stages: a small local file. */
  static final Path INPUT = input();

  private static Path input() {
    try {
      Path file = Files.createTempFile("c2d-k8s-input", ".txt");
      file.toFile().deleteOnExit();
      return Files.writeString(file, "hello world");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static JobSpec spec(String requestId, boolean networkAccess) {
    return spec(
        requestId,
        networkAccess,
        Algorithm.raw(
                ContainerSpec.of("busybox", "1.36.1", "sh $ALGO"), "cp -r /data/inputs $OUTPUTS")
            .build());
  }

  static JobSpec spec(String requestId, boolean networkAccess, Algorithm algorithm) {
    return JobSpec.builder(JobId.derive(OWNER, requestId), OWNER)
        .requestId(requestId)
        .datasets(
            List.of(
                DatasetInput.builder(DATA, "compute")
                    .addFile(INPUT.toUri())
                    .ddoJson("{\"id\":\"" + DATA.value() + "\"}")
                    .build()))
        .algorithm(algorithm)
        .environmentId("k8s")
        .resources(Resources.of(1, 512, 1024, 1))
        .maxDuration(Duration.ofMinutes(5))
        .networkAccess(networkAccess)
        .build();
  }

  /** The regular files of an uploaded staging archive, by name. */
  static Map<String, String> staged(byte[] tar) throws java.io.IOException {
    Map<String, String> files = new java.util.TreeMap<>();
    try (var in =
        new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
            new java.io.ByteArrayInputStream(tar))) {
      for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        if (entry.isFile()) {
          files.put(entry.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    }
    return files;
  }

  JobSpec submit(KubernetesComputeBackend backend, String requestId, Recorder recorder)
      throws Exception {
    JobSpec spec = spec(requestId, false);
    backend.submit(spec, recorder).toCompletableFuture().get(20, TimeUnit.SECONDS);
    return spec;
  }

  // ------------------------------------------------------------------ manifests

  @Test
  void everyObjectCarriesTheLabelsRecoveryNeeds() throws Exception {
    JobSpec spec = submit(backend(), "r-labels", new Recorder());
    ObjectNames names = ObjectNames.of(spec.jobId());
    Map<String, String> labels = names.labels(OWNER, "k8s");

    Job job = client.batch().v1().jobs().inNamespace(NS).withName(names.job()).get();
    NetworkPolicy policy =
        client
            .network()
            .v1()
            .networkPolicies()
            .inNamespace(NS)
            .withName(names.networkPolicy())
            .get();

    for (HasMetadata object : List.of(job, policy)) {
      assertThat(object.getMetadata().getLabels()).containsAllEntriesOf(labels);
    }
    assertThat(job.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(labels);
    assertThat(JobRecord.spec(policy)).isEqualTo(spec);
    assertThat(client.secrets().inNamespace(NS).list().getItems()).isEmpty();
    assertThat(client.configMaps().inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void theRecordKeepsNoRequestHeadersOfUrlInputs() throws Exception {
    JobSpec spec =
        JobSpec.builder(JobId.derive(OWNER, "r-headers"), OWNER)
            .requestId("r-headers")
            .datasets(
                List.of(
                    DatasetInput.builder(DATA, "compute")
                        .addLocator(
                            io.c2d.model.FileLocator.urlBuilder(
                                    java.net.URI.create("http://127.0.0.1:9/data.csv"))
                                .header("Authorization", "Bearer publisher-secret")
                                .build())
                        .build()))
            .algorithm(
                Algorithm.raw(ContainerSpec.of("busybox", "1.36.1", "sh $ALGO"), "true").build())
            .environmentId("k8s")
            .build();

    backend().submit(spec, new Recorder()).toCompletableFuture().get(20, TimeUnit.SECONDS);

    NetworkPolicy record = policy(spec);
    assertThat(record.getMetadata().getAnnotations().get(Manifests.SPEC_ANNOTATION))
        .doesNotContain("publisher-secret")
        .contains("127.0.0.1:9/data.csv");
    assertThat(JobRecord.spec(record).datasets().get(0).locators().get(0).headers()).isEmpty();
  }

  @Test
  void thePodFollowsTheRestrictedProfile() throws Exception {
    JobSpec spec = submit(backend(), "r-restricted", new Recorder());
    Job job =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(NS)
            .withName(ObjectNames.of(spec.jobId()).job())
            .get();

    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(300L);
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isPositive();
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65534L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    List<Container> containers = new ArrayList<>(pod.getInitContainers());
    containers.addAll(pod.getContainers());
    assertThat(containers)
        .extracting(Container::getName)
        .containsExactly("stage-data", "algorithm", "publish");
    assertThat(containers)
        .allSatisfy(
            c -> {
              var sc = c.getSecurityContext();
              assertThat(sc.getRunAsNonRoot()).isTrue();
              assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
              assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
              assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
              assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
              assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
              assertThat(c.getResources().getLimits()).isEqualTo(c.getResources().getRequests());
            });
    Container algorithm = pod.getInitContainers().get(1);
    assertThat(algorithm.getResources().getLimits())
        .containsEntry("cpu", new Quantity("1000m"))
        .containsEntry("nvidia.com/gpu", new Quantity("1"));
    assertThat(algorithm.getVolumeMounts())
        .filteredOn(m -> m.getMountPath().equals("/data/inputs"))
        .singleElement()
        .satisfies(m -> assertThat(m.getReadOnly()).isTrue());
    assertThat(algorithm.getVolumeMounts())
        .extracting(m -> m.getMountPath())
        .contains("/data/outputs", "/tmp", "/data/ddos", "/data/transformations", "/data/logs");
    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getName().equals("outputs"))
        .singleElement()
        .satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
    assertThat(algorithm.getEnv())
        .extracting(e -> e.getName())
        .contains("DIDS", "TRANSFORMATION_DID", "VOLUME", "INPUTS", "OUTPUTS", "LOGS", "ALGO");
  }

  @Test
  void theEnvironmentsPlacementGoesOnThePod() throws Exception {
    Placement gpuPool =
        Placement.builder()
            .runtimeClassName("gvisor")
            .putNodeSelector("c2d.io/pool", "gpu")
            .addToleration(Placement.Toleration.parse("nvidia.com/gpu:NoSchedule"))
            .addToleration(Placement.Toleration.parse("dedicated=c2d:NoExecute"))
            .gpuResource("amd.com/gpu")
            .build();
    KubernetesComputeBackend backend =
        KubernetesComputeBackend.builder()
            .networkPolicyProbe(StubProbe.ENFORCED)
            .client(client)
            .namespace(NS)
            .resultRoot(results)
            .addEnvironment(environment())
            .placement("k8s", gpuPool)
            .build();
    backends.add(backend);

    JobSpec spec = submit(backend, "r-placement", new Recorder());
    PodSpec pod = podSpec(spec);

    assertThat(pod.getRuntimeClassName()).isEqualTo("gvisor");
    assertThat(pod.getNodeSelector()).containsExactly(Map.entry("c2d.io/pool", "gpu"));
    assertThat(pod.getTolerations())
        .extracting(t -> t.getKey(), t -> t.getOperator(), t -> t.getValue(), t -> t.getEffect())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("nvidia.com/gpu", "Exists", null, "NoSchedule"),
            org.assertj.core.groups.Tuple.tuple("dedicated", "Equal", "c2d", "NoExecute"));
    Container algorithm = pod.getInitContainers().get(1);
    assertThat(algorithm.getResources().getLimits())
        .containsEntry("amd.com/gpu", new Quantity("1"))
        .doesNotContainKey("nvidia.com/gpu");
    assertThat(algorithm.getResources().getRequests())
        .isEqualTo(algorithm.getResources().getLimits());
  }

  @Test
  void withoutAPlacementThePodHasNoRuntimeClassSelectorOrToleration() throws Exception {
    PodSpec pod = podSpec(submit(backend(), "r-no-placement", new Recorder()));

    assertThat(pod.getRuntimeClassName()).isNull();
    assertThat(pod.getNodeSelector()).isNullOrEmpty();
    assertThat(pod.getTolerations()).isNullOrEmpty();
    assertThat(pod.getInitContainers().get(1).getResources().getLimits())
        .containsEntry("nvidia.com/gpu", new Quantity("1"));
  }

  @Test
  void aPlacementForAnUnknownEnvironmentIsRefused() {
    assertThatThrownBy(
            () ->
                KubernetesComputeBackend.builder()
                    .networkPolicyProbe(StubProbe.ENFORCED)
                    .client(client)
                    .resultRoot(results)
                    .addEnvironment(environment())
                    .placement("gpu", Placement.none())
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'gpu'")
        .hasMessageContaining("[k8s]");
  }

  @Test
  void malformedTolerationsAndGpuResourcesAreRefused() {
    assertThat(Placement.Toleration.parse("key=value"))
        .isEqualTo(new Placement.Toleration("key", "Equal", "value", ""));
    assertThatThrownBy(() -> Placement.Toleration.parse("key=value:Sometimes"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Sometimes");
    assertThatThrownBy(() -> Placement.Toleration.parse(":NoSchedule"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Placement.builder().gpuResource("GPU please"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gpuResource");
  }

  private PodSpec podSpec(JobSpec spec) {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withName(ObjectNames.of(spec.jobId()).job())
        .get()
        .getSpec()
        .getTemplate()
        .getSpec();
  }

  @Test
  void theNetworkIsClosedUnlessTheJobMayUseIt() throws Exception {
    KubernetesComputeBackend backend = backend();
    JobSpec closed = spec("r-closed", false);
    JobSpec open = spec("r-open", true);
    backend.submit(closed, new Recorder()).toCompletableFuture().get(20, TimeUnit.SECONDS);
    backend.submit(open, new Recorder()).toCompletableFuture().get(20, TimeUnit.SECONDS);

    NetworkPolicy deny = policy(closed);
    NetworkPolicy allow = policy(open);

    assertThat(deny.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(deny.getSpec().getEgress()).isEmpty();
    assertThat(deny.getSpec().getIngress()).isEmpty();
    assertThat(deny.getSpec().getPodSelector().getMatchLabels())
        .containsEntry(ObjectNames.JOB_ID, closed.jobId().value());
    assertThat(allow.getSpec().getEgress()).hasSize(1);
    assertThat(allow.getSpec().getIngress()).isEmpty();
  }

  private NetworkPolicy policy(JobSpec spec) {
    return client
        .network()
        .v1()
        .networkPolicies()
        .inNamespace(NS)
        .withName(ObjectNames.of(spec.jobId()).networkPolicy())
        .get();
  }

  // ------------------------------------------------------------------ idempotence and faults

  @Test
  void aRetriedSubmitNeverMakesASecondJob() throws Exception {
    KubernetesComputeBackend first = backend();
    JobSpec spec = submit(first, "r-twice", new Recorder());
    Recorder second = new Recorder();

    backend().submit(spec, second).toCompletableFuture().get(20, TimeUnit.SECONDS);
    first.submit(spec, second).toCompletableFuture().get(20, TimeUnit.SECONDS);

    assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).hasSize(1);
    assertThat(client.network().v1().networkPolicies().inNamespace(NS).list().getItems())
        .hasSize(1);
  }

  @Test
  void aCreateAnsweredWith409AfterALostResponseAdoptsTheJob() throws Exception {
    // The first create reached the cluster but its response was lost: the objects exist.
    JobSpec spec = spec("r-lost", false);
    Job earlier =
        Manifests.job(
            spec,
            new Manifests.Settings(
                KubernetesComputeBackend.DEFAULT_HELPER_IMAGE,
                1 << 20,
                1 << 20,
                60,
                Placement.none(),
                600,
                List.of()));
    client.batch().v1().jobs().inNamespace(NS).resource(earlier).create();
    Recorder recorder = new Recorder();

    backend().submit(spec, recorder).toCompletableFuture().get(20, TimeUnit.SECONDS);

    assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).hasSize(1);
    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);
    kubelet.succeed(kubelet.start(spec.jobId()), Map.of("out.txt", "adopted"), "");
    assertThat(recorder.awaitTerminal().status()).isEqualTo(JobStatus.COMPLETED);
  }

  @Test
  void serverErrorsOnCreateAreRetriedWithoutASecondJob() throws Exception {
    server
        .expect()
        .post()
        .withPath("/apis/batch/v1/namespaces/" + NS + "/jobs")
        .andReturn(503, "{\"kind\":\"Status\",\"code\":503}")
        .times(2);
    server
        .expect()
        .post()
        .withPath("/apis/networking.k8s.io/v1/namespaces/" + NS + "/networkpolicies")
        .andReturn(500, "{\"kind\":\"Status\",\"code\":500}")
        .once();

    JobSpec spec = submit(backend(), "r-5xx", new Recorder());

    assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems())
        .singleElement()
        .satisfies(
            j ->
                assertThat(j.getMetadata().getName())
                    .isEqualTo(ObjectNames.of(spec.jobId()).job()));
  }

  @Test
  void recoverRetriesAServerErrorOnTheList() throws Exception {
    JobSpec spec = submit(backend(), "r-recover-5xx", new Recorder());
    server
        .expect()
        .get()
        .withPath(
            "/apis/networking.k8s.io/v1/namespaces/"
                + NS
                + "/networkpolicies?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dc2d")
        .andReturn(500, "{\"kind\":\"Status\",\"code\":500}")
        .times(2);

    List<RecoveredJob> recovered =
        backend().recover(new Recorder()).toCompletableFuture().get(20, TimeUnit.SECONDS);

    assertThat(recovered).extracting(RecoveredJob::spec).containsExactly(spec);
    assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).hasSize(1);
  }

  // ------------------------------------------------------------------ statuses

  @Test
  void aJobThatSucceedsReportsItsStepsAndKeepsItsResults() throws Exception {
    KubernetesComputeBackend backend = backend();
    Recorder recorder = new Recorder();
    JobSpec spec = submit(backend, "r-ok", recorder);
    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);

    Pod pod = kubelet.start(spec.jobId());
    recorder.awaitStatus(JobStatus.CONFIGURING_VOLUMES);
    kubelet.algorithmRunning(pod);
    recorder.awaitStatus(JobStatus.RUNNING_ALGORITHM);
    kubelet.succeed(
        pod, Map.of("result.txt", "42\n", "sub/more.csv", "a,b\n"), "hello from algo\n");
    BackendJobState end = recorder.awaitTerminal();

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(recorder.statuses())
        .containsSubsequence(
            JobStatus.CONFIGURING_VOLUMES, JobStatus.RUNNING_ALGORITHM, JobStatus.COMPLETED);
    assertThat(end.results())
        .extracting(JobResult::name)
        .containsExactlyInAnyOrder(
            "result.txt", "sub/more.csv", "algorithm.log", "configuration.log", "publish.log");
    JobResult result =
        end.results().stream().filter(r -> r.name().equals("result.txt")).findFirst().orElseThrow();
    try (InputStream in =
        backend.openResult(spec.jobId(), result).toCompletableFuture().get(20, TimeUnit.SECONDS)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("42\n");
    }
    JobResult algoLog = new JobResult("algorithm.log", ResultKind.ALGORITHM_LOG, 0, 0);
    try (InputStream in =
        backend.openResult(spec.jobId(), algoLog).toCompletableFuture().get(20, TimeUnit.SECONDS)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("hello from algo\n");
    }
    JobResult configurationLog =
        new JobResult("configuration.log", ResultKind.CONFIGURATION_LOG, 0, 0);
    try (InputStream in =
        backend
            .openResult(spec.jobId(), configurationLog)
            .toCompletableFuture()
            .get(20, TimeUnit.SECONDS)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .as("the staging step's log, read beside the algorithm's")
          .endsWith("staged\n");
    }
    NetworkPolicy record = policy(spec);
    assertThat(JobRecord.end(record))
        .as("the end recorded by a merge patch")
        .extracting(BackendJobState::status, BackendJobState::results)
        .containsExactly(JobStatus.COMPLETED, end.results());
    assertThat(JobRecord.spec(record).jobId())
        .as("the spec kept beside it")
        .isEqualTo(spec.jobId());
    // the inputs go in on an I/O thread of their own, which the simulated kubelet does not wait for
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (exec.commands.stream().noneMatch(c -> c.contains("tar x -C /data -f "))
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(exec.commands)
        .anyMatch(
            c ->
                c.contains(Manifests.STAGE_DATA + ": ")
                    && c.contains("tee -a " + ChunkedUpload.ARCHIVE))
        .anyMatch(
            c ->
                c.contains(Manifests.STAGE_DATA + ": ")
                    && c.contains("tar x -C /data -f " + ChunkedUpload.ARCHIVE))
        .anyMatch(c -> c.contains(Manifests.PUBLISH + ": " + Manifests.COLLECT_COMMAND))
        .anyMatch(c -> c.contains(Manifests.PUBLISH + ": " + Manifests.RELEASE_COMMAND));
    assertThat(staged(exec.uploads.get(pod.getMetadata().getName())))
        .containsEntry("inputs/" + DATA.id() + "/0", "hello world")
        .containsEntry("inputs/algoCustomData.json", "{}")
        .containsEntry("transformations/algorithm", "cp -r /data/inputs $OUTPUTS")
        .containsKey("ddos/" + DATA.id());
  }

  @Test
  void theAlgorithmsOwnLogFilesAndThePublishLogAreResults() throws Exception {
    KubernetesComputeBackend backend = backend();
    Recorder recorder = new Recorder();
    JobSpec spec = submit(backend, "r-logs", recorder);
    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);

    kubelet.succeed(
        kubelet.start(spec.jobId()),
        Map.of("out.txt", "out"),
        "stdout\n",
        Map.of("training.log", "epoch 1\nepoch 2\n"));
    BackendJobState end = recorder.awaitTerminal();

    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(end.results())
        .extracting(JobResult::name, JobResult::kind)
        .contains(
            org.assertj.core.groups.Tuple.tuple("logs/training.log", ResultKind.ALGORITHM_LOG),
            org.assertj.core.groups.Tuple.tuple("publish.log", ResultKind.PUBLISH_LOG),
            org.assertj.core.groups.Tuple.tuple("out.txt", ResultKind.OUTPUT));
    JobResult training =
        end.results().stream()
            .filter(r -> r.name().equals("logs/training.log"))
            .findFirst()
            .orElseThrow();
    try (InputStream in =
        backend.openResult(spec.jobId(), training).toCompletableFuture().get(5, TimeUnit.SECONDS)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("epoch 1\nepoch 2\n");
    }
    JobResult publish =
        end.results().stream()
            .filter(r -> r.kind() == ResultKind.PUBLISH_LOG)
            .findFirst()
            .orElseThrow();
    try (InputStream in =
        backend.openResult(spec.jobId(), publish).toCompletableFuture().get(5, TimeUnit.SECONDS)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .contains("collected 'out.txt' (3 bytes)")
          .contains("ends as COMPLETED");
    }
  }

  @Test
  void aFailingDataStagingIs31() throws Exception {
    assertThat(failWith(Manifests.STAGE_DATA, 1, "Error").status())
        .isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
  }

  @Test
  void anAlgorithmFileThatCannotBeReadIs32WithoutAJob() throws Exception {
    Recorder recorder = new Recorder();
    JobSpec spec =
        spec(
            "r-algo-missing",
            false,
            Algorithm.published(
                    Did.of("did:op:" + "ef".repeat(32)),
                    "compute",
                    ContainerSpec.of("busybox", "1.36.1", "sh $ALGO"))
                .addFile(results.resolve("no-such-algorithm.sh").toUri())
                .build());

    backend().submit(spec, recorder).toCompletableFuture().get(20, TimeUnit.SECONDS);

    BackendJobState end = recorder.awaitTerminal();
    assertThat(end.status()).isEqualTo(JobStatus.ALGORITHM_PROVISIONING_FAILED);
    assertThat(end.detail()).contains("algorithm file 0");
    assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void aNonZeroExitIsAlgorithmFailedWithTheExitCode() throws Exception {
    BackendJobState end = failWith(Manifests.ALGORITHM, 3, "Error");
    assertThat(end.status()).isEqualTo(JobStatus.ALGORITHM_FAILED);
    assertThat(end.exitCode()).isEqualTo(3);
    assertThat(end.results()).extracting(JobResult::name).contains("algorithm.log");
  }

  @Test
  void anOomKilledAlgorithmIsOutOfMemory() throws Exception {
    BackendJobState end = failWith(Manifests.ALGORITHM, 137, "OOMKilled");
    assertThat(end.status()).isEqualTo(JobStatus.OUT_OF_MEMORY);
    assertThat(end.exitCode()).isEqualTo(137);
  }

  private BackendJobState failWith(String step, int exit, String reason) throws Exception {
    Recorder recorder = new Recorder();
    JobSpec spec = submit(backend(), "r-" + step + "-" + reason, recorder);
    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);
    kubelet.fail(kubelet.start(spec.jobId()), step, exit, reason);
    return recorder.awaitTerminal();
  }

  @Test
  void aJobPastItsDeadlineTimesOut() throws Exception {
    Recorder recorder = new Recorder();
    JobSpec spec = submit(backend(), "r-deadline", recorder);
    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);
    Pod pod = kubelet.algorithmRunning(kubelet.start(spec.jobId()));
    recorder.awaitStatus(JobStatus.RUNNING_ALGORITHM);

    kubelet.deadlineExceeded(spec.jobId(), pod);

    assertThat(recorder.awaitTerminal().status()).isEqualTo(JobStatus.TIMED_OUT);
  }

  @Test
  void aJobPastItsDeadlineThatTheControllerLeftRunningIsTouchedSoThatItLooksAgain()
      throws Exception {
    RunningJob running = runningJob("r-deadline-lost");
    JobSpec spec = running.spec();
    Recorder recorder = running.recorder();
    KubeletSimulator kubelet = running.kubelet();

    startedAgo(spec, spec.maxDuration().plusSeconds(5));

    awaitTrue(
        () -> {
          Map<String, String> annotations =
              kubelet.job(spec.jobId()).getMetadata().getAnnotations();
          return annotations != null && annotations.containsKey(DeadlineWatch.CHECKED_ANNOTATION);
        },
        "the Job touched");
    assertThat(recorder.statuses()).noneMatch(JobStatus::isTerminal);
    kubelet.deadlineExceeded(spec.jobId(), running.pod());
    BackendJobState end = recorder.awaitTerminal();
    assertThat(end.status()).isEqualTo(JobStatus.TIMED_OUT);
    assertThat(end.detail()).doesNotContain("ended by this backend");
  }

  @Test
  void aJobLongPastItsDeadlineWithNoControllerToEndItIsEndedByTheBackend() throws Exception {
    RunningJob running = runningJob("r-deadline-no-controller");
    JobSpec spec = running.spec();
    Recorder recorder = running.recorder();
    KubeletSimulator kubelet = running.kubelet();

    startedAgo(spec, spec.maxDuration().plus(DeadlineWatch.TAKE_OVER).plusSeconds(5));

    BackendJobState end = recorder.awaitTerminal();
    assertThat(end.status()).isEqualTo(JobStatus.TIMED_OUT);
    assertThat(end.detail()).contains("ended by this backend");
    awaitTrue(() -> kubelet.job(spec.jobId()) == null, "the Job removed");
    awaitTrue(
        () ->
            client
                .pods()
                .inNamespace(NS)
                .withLabel(ObjectNames.JOB_ID, spec.jobId().value())
                .list()
                .getItems()
                .isEmpty(),
        "its pod removed, with no garbage collector to do it");
  }

  @Test
  void aJobWithinItsDeadlineIsLeftAlone() throws Exception {
    RunningJob running = runningJob("r-deadline-ahead");
    JobSpec spec = running.spec();
    Recorder recorder = running.recorder();
    KubeletSimulator kubelet = running.kubelet();

    startedAgo(spec, spec.maxDuration().minusSeconds(60));
    Thread.sleep(2_000);

    assertThat(kubelet.job(spec.jobId()).getMetadata().getAnnotations())
        .doesNotContainKey(DeadlineWatch.CHECKED_ANNOTATION);
    assertThat(recorder.statuses()).noneMatch(JobStatus::isTerminal);
  }

  /** A submitted job whose algorithm runs, as the kubelet simulator started it. */
  private record RunningJob(JobSpec spec, Recorder recorder, KubeletSimulator kubelet, Pod pod) {}

  private RunningJob runningJob(String requestId) throws Exception {
    Recorder recorder = new Recorder();
    JobSpec spec = submit(backend(), requestId, recorder);
    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);
    Pod pod = kubelet.algorithmRunning(kubelet.start(spec.jobId()));
    recorder.awaitStatus(JobStatus.RUNNING_ALGORITHM);
    return new RunningJob(spec, recorder, kubelet, pod);
  }

  private static void awaitTrue(Supplier<Boolean> condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(100);
    }
  }

  /** Gives the job's Job the start a Job controller would have given it {@code ago}. */
  private void startedAgo(JobSpec spec, Duration ago) {
    String start = Instant.now().minus(ago).truncatedTo(ChronoUnit.SECONDS).toString();
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withName(ObjectNames.of(spec.jobId()).job())
        .editStatus(
            j -> new JobBuilder(j).editOrNewStatus().withStartTime(start).endStatus().build());
  }

  @Test
  void anImageThatCannotBePulledFailsAfterABoundedWait() throws Exception {
    Recorder recorder = new Recorder();
    JobSpec spec = submit(backend(Duration.ofMillis(200)), "r-pull", recorder);
    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);

    kubelet.imagePullBackOff(kubelet.start(spec.jobId()));

    BackendJobState end = recorder.awaitTerminal();
    assertThat(end.status()).isEqualTo(JobStatus.ALGORITHM_PROVISIONING_FAILED);
    assertThat(end.detail()).contains("ImagePullBackOff");
  }

  @Test
  void inputsThatCannotBeStagedAre31WithoutAJob() throws Exception {
    Recorder recorder = new Recorder();
    JobSpec spec =
        JobSpec.builder(JobId.derive(OWNER, "r-unstageable"), OWNER)
            .requestId("r-unstageable")
            .datasets(
                List.of(
                    DatasetInput.builder(DATA, "compute")
                        .addFile(results.resolve("no-such-input.csv").toUri())
                        .build()))
            .algorithm(
                Algorithm.raw(ContainerSpec.of("busybox", "1.36.1", "sh $ALGO"), "true").build())
            .environmentId("k8s")
            .build();

    backend().submit(spec, recorder).toCompletableFuture().get(20, TimeUnit.SECONDS);

    assertThat(recorder.awaitTerminal().status()).isEqualTo(JobStatus.DATA_PROVISIONING_FAILED);
    assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).isEmpty();
  }

  // ------------------------------------------------------------------ stop, delete, recover

  @Test
  void stopDeletesTheJobAndEndsStopped() throws Exception {
    KubernetesComputeBackend backend = backend();
    Recorder recorder = new Recorder();
    JobSpec spec = submit(backend, "r-stop", recorder);
    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);
    kubelet.algorithmRunning(kubelet.start(spec.jobId()));
    recorder.awaitStatus(JobStatus.RUNNING_ALGORITHM);

    backend.stop(spec.jobId()).toCompletableFuture().get(20, TimeUnit.SECONDS);

    assertThat(recorder.awaitTerminal().status()).isEqualTo(JobStatus.STOPPED);
    assertThat(kubelet.job(spec.jobId())).isNull();
    assertThat(recorder.statuses()).filteredOn(JobStatus::isTerminal).hasSize(1);
  }

  @Test
  void deleteRemovesEveryObjectOfTheJob() throws Exception {
    KubernetesComputeBackend backend = backend();
    Recorder recorder = new Recorder();
    JobSpec spec = submit(backend, "r-delete", recorder);
    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);
    kubelet.succeed(kubelet.start(spec.jobId()), Map.of("x", "y"), "");
    recorder.awaitTerminal();

    backend.delete(spec.jobId()).toCompletableFuture().get(20, TimeUnit.SECONDS);

    String selector = ObjectNames.JOB_ID;
    assertThat(
            client
                .secrets()
                .inNamespace(NS)
                .withLabel(selector, spec.jobId().value())
                .list()
                .getItems())
        .isEmpty();
    assertThat(
            client
                .pods()
                .inNamespace(NS)
                .withLabel(selector, spec.jobId().value())
                .list()
                .getItems())
        .isEmpty();
    assertThat(
            client
                .batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withLabel(selector, spec.jobId().value())
                .list()
                .getItems())
        .isEmpty();
    assertThat(
            client
                .network()
                .v1()
                .networkPolicies()
                .inNamespace(NS)
                .withLabel(selector, spec.jobId().value())
                .list()
                .getItems())
        .isEmpty();
    assertThat(Files.exists(results.resolve(spec.jobId().value()))).isFalse();
    assertThatThrownBy(
            () ->
                backend
                    .openResult(spec.jobId(), new JobResult("x", ResultKind.OUTPUT, 1, 0))
                    .toCompletableFuture()
                    .get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(io.c2d.NotFoundException.class);
  }

  @Test
  void aNewInstanceRecoversRunningAndFinishedJobsFromTheCluster() throws Exception {
    KubernetesComputeBackend first = backend();
    Recorder firstRecorder = new Recorder();
    JobSpec finished = submit(first, "r-finished", firstRecorder);
    JobSpec running = submit(first, "r-running", firstRecorder);
    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);
    kubelet.succeed(kubelet.start(finished.jobId()), Map.of("a.txt", "A"), "");
    firstRecorder.awaitTerminal();
    Pod pod = kubelet.algorithmRunning(kubelet.start(running.jobId()));
    firstRecorder.awaitStatus(JobStatus.RUNNING_ALGORITHM);
    first.close();

    KubernetesComputeBackend second = backend();
    Recorder recorder = new Recorder();
    List<RecoveredJob> recovered =
        second.recover(recorder).toCompletableFuture().get(20, TimeUnit.SECONDS);

    assertThat(recovered)
        .extracting(RecoveredJob::spec)
        .containsExactlyInAnyOrder(finished, running);
    assertThat(recovered)
        .filteredOn(r -> r.spec().equals(finished))
        .singleElement()
        .satisfies(r -> assertThat(r.state().status()).isEqualTo(JobStatus.COMPLETED));
    assertThat(recovered)
        .filteredOn(r -> r.spec().equals(running))
        .singleElement()
        .satisfies(r -> assertThat(r.state().status()).isEqualTo(JobStatus.RUNNING_ALGORITHM));

    kubelet.succeed(pod, Map.of("b.txt", "B"), "");
    BackendJobState end = recorder.awaitTerminal();
    assertThat(end.jobId()).isEqualTo(running.jobId());
    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
  }

  @Test
  void aJobWhoseRestartCameBeforeItsJobWasCreatedRunsFromTheStart() throws Exception {
    KubernetesComputeBackend first = backend();
    JobSpec spec = submit(first, "r-no-job", new Recorder());
    first.close();
    // what a crash between creating the record and creating the Job leaves: the record alone
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withName(ObjectNames.of(spec.jobId()).job())
        .delete();

    KubernetesComputeBackend second = backend();
    Recorder recorder = new Recorder();
    List<RecoveredJob> recovered =
        second.recover(recorder).toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertThat(recovered).extracting(r -> r.state().status().isTerminal()).containsExactly(false);

    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);
    kubelet.succeed(kubelet.start(spec.jobId()), Map.of("a.txt", "A"), "");
    BackendJobState end = recorder.awaitTerminal();
    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).hasSize(1);
  }

  @Test
  void aPodEvictedForItsDiskWhileItsResultsAreReadEndsDiskQuotaExceeded() throws Exception {
    Recorder recorder = new Recorder();
    JobSpec spec = submit(backend(), "r-evicted-late", recorder);
    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);
    Pod pod = kubelet.algorithmRunning(kubelet.start(spec.jobId()));
    // the kubelet measures the pod's disk late: it evicts the pod while its results are read
    exec.breakResults(
        pod.getMetadata().getName(),
        () ->
            kubelet.evict(pod, "Usage of EmptyDir volume \"outputs\" exceeds the limit \"16Mi\"."));
    kubelet.succeed(pod, Map.of("a.txt", "A"), "wrote a lot\n");

    BackendJobState end = recorder.awaitTerminal();
    assertThat(end.status()).isEqualTo(JobStatus.DISK_QUOTA_EXCEEDED);
    assertThat(end.detail())
        .contains("evicted the pod")
        .contains("EmptyDir")
        .contains("while its results were read");
    assertThat(end.results())
        .extracting(JobResult::name)
        .as("the logs are kept")
        .contains("algorithm.log");
    assertThat(exec.commands)
        .filteredOn(command -> command.contains(Manifests.COLLECT_COMMAND))
        .as("no stream is tried again from a pod that is gone, nor a second collection")
        .hasSize(1);
  }

  @Test
  void aRecordWhoseEndCannotBeReadIsReportedFailedAndTheOtherJobsAreRecovered() throws Exception {
    KubernetesComputeBackend first = backend();
    JobSpec unreadable = submit(first, "r-bad-end", new Recorder());
    JobSpec running = submit(first, "r-beside-bad-end", new Recorder());
    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);
    Pod pod = kubelet.algorithmRunning(kubelet.start(running.jobId()));
    first.close();
    // an end written by another version, or edited by hand
    client
        .network()
        .v1()
        .networkPolicies()
        .inNamespace(NS)
        .withName(ObjectNames.of(unreadable.jobId()).networkPolicy())
        .edit(
            np ->
                new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder(np)
                    .editMetadata()
                    .addToAnnotations(Manifests.STATE_ANNOTATION, "{\"status\":\"NO_SUCH\"")
                    .endMetadata()
                    .build());

    KubernetesComputeBackend second = backend();
    Recorder recorder = new Recorder();
    List<RecoveredJob> recovered =
        second.recover(recorder).toCompletableFuture().get(20, TimeUnit.SECONDS);

    assertThat(recovered)
        .extracting(RecoveredJob::spec)
        .containsExactlyInAnyOrder(unreadable, running);
    assertThat(recovered)
        .filteredOn(r -> r.spec().equals(unreadable))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.state().status()).isEqualTo(JobStatus.FAILED);
              assertThat(r.state().detail()).contains("recorded end could not be read");
            });
    kubelet.succeed(pod, Map.of("b.txt", "B"), "");
    assertThat(recorder.awaitTerminal(running.jobId()).status()).isEqualTo(JobStatus.COMPLETED);
  }

  @Test
  void aJobWhoseStagingTheRestartCutRunsFromTheStartInsteadOfFailing() throws Exception {
    KubernetesComputeBackend first = backend();
    JobSpec spec = submit(first, "r-cut-staging", new Recorder());
    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);
    Pod pod = kubelet.start(spec.jobId());
    first.close();
    // the provider died while it streamed the inputs: stage-data read a cut archive and failed
    kubelet.fail(pod, Manifests.STAGE_DATA, 1, "Error");

    KubernetesComputeBackend second = backend();
    Recorder recorder = new Recorder();
    second.recover(recorder).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(client.pods().inNamespace(NS).list().getItems())
        .as("the failed attempt's pod is removed before the Job is made again")
        .isEmpty();

    kubelet.succeed(kubelet.start(spec.jobId()), Map.of("a.txt", "A"), "");
    BackendJobState end = recorder.awaitTerminal();
    assertThat(end.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(recorder.statuses()).doesNotContain(JobStatus.DATA_PROVISIONING_FAILED);
  }

  @Test
  void timeLostToRestartsBeforeTheAlgorithmRanExtendsTheJobsDeadline() throws Exception {
    KubernetesComputeBackend first = backend();
    JobSpec spec = submit(first, "r-late", new Recorder());
    KubeletSimulator kubelet = new KubeletSimulator(client, server, NS, exec);
    Pod pod = kubelet.start(spec.jobId());
    first.close();
    // restarts kept the job in staging for most of its maximum duration
    long lost = spec.maxDuration().toSeconds() - 5;
    Job job = kubelet.job(spec.jobId());
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder(job)
                .withNewStatus()
                .withStartTime(Instant.now().minusSeconds(lost).toString())
                .withActive(1)
                .endStatus()
                .build())
        .updateStatus();

    KubernetesComputeBackend second = backend();
    Recorder recorder = new Recorder();
    second.recover(recorder).toCompletableFuture().get(20, TimeUnit.SECONDS);

    Long deadline = kubelet.job(spec.jobId()).getSpec().getActiveDeadlineSeconds();
    assertThat(deadline)
        .as("the room the job still needs, counted from now")
        .isGreaterThanOrEqualTo(lost + spec.maxDuration().toSeconds());
    kubelet.succeed(pod, Map.of("a.txt", "A"), "");
    assertThat(recorder.awaitTerminal().status()).isEqualTo(JobStatus.COMPLETED);
  }

  @Test
  void aRunningAlgorithmKeepsItsDeadlineAndAnEndedOneGetsRoomToBeCollected() {
    Instant now = Instant.parse("2026-12-07T06:00:00Z");
    Job job =
        new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
            .withNewSpec()
            .withActiveDeadlineSeconds(180L)
            .endSpec()
            .withNewStatus()
            .withStartTime(now.minusSeconds(170).toString())
            .endStatus()
            .build();
    Pod running =
        new io.fabric8.kubernetes.api.model.PodBuilder()
            .withNewStatus()
            .withInitContainerStatuses(
                KubeletSimulator.done(Manifests.STAGE_DATA),
                KubeletSimulator.running(Manifests.ALGORITHM))
            .endStatus()
            .build();
    Pod ended =
        new io.fabric8.kubernetes.api.model.PodBuilder()
            .withNewStatus()
            .withInitContainerStatuses(
                KubeletSimulator.done(Manifests.STAGE_DATA),
                KubeletSimulator.done(Manifests.ALGORITHM))
            .endStatus()
            .build();

    assertThat(JobRecovery.extendedDeadline(job, List.of(running), now, 180, 60)).isNull();
    assertThat(JobRecovery.extendedDeadline(job, List.of(ended), now, 180, 60))
        .isEqualTo(170 + 30 + 60);
    assertThat(JobRecovery.extendedDeadline(job, List.of(), now, 180, 60))
        .isEqualTo(170 + 30 + 180 + 2 * 60);
    assertThat(JobRecovery.extendedDeadline(job, List.of(ended), now.minusSeconds(160), 180, 60))
        .as("never shorter than the Job's own deadline")
        .isNull();
  }

  @Test
  void aPodWhoseAlgorithmStartedIsNeverRunAgain() {
    Pod pod =
        new io.fabric8.kubernetes.api.model.PodBuilder()
            .withNewStatus()
            .withInitContainerStatuses(
                KubeletSimulator.done(Manifests.STAGE_DATA),
                KubeletSimulator.terminated(Manifests.ALGORITHM, 1, "Error"))
            .endStatus()
            .build();
    Pod staging =
        new io.fabric8.kubernetes.api.model.PodBuilder()
            .withNewStatus()
            .withInitContainerStatuses(
                KubeletSimulator.terminated(Manifests.STAGE_DATA, 1, "Error"))
            .endStatus()
            .build();

    assertThat(JobRecovery.failedBeforeTheAlgorithm(pod)).isFalse();
    assertThat(JobRecovery.failedBeforeTheAlgorithm(staging)).isTrue();
  }
}
