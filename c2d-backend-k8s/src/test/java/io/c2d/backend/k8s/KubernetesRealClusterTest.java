package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.dsl.ScalableResource;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only a real cluster can answer: the API server's validation of every object the backend
 * creates, the Job controller's and kubelet's verdicts on failing algorithms, what stop and delete
 * leave behind, and a provider restart in the middle of a job.
 */
@ExtendWith(RequiresKubeconfig.class)
final class KubernetesRealClusterTest {
  private static final EthAddress OWNER =
      EthAddress.of("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  private static final Did DATA = Did.of("did:op:" + "cd".repeat(32));
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final ComputeEnvironment ENVIRONMENT = RealCluster.environment("real", 64);

  @RegisterExtension static final RealClusterFixture fixture = new RealClusterFixture();

  @TempDir Path results;

  @Test
  void theApiServerAcceptsEveryObjectAsTheBackendWroteItAndNoSecretOrConfigMapCarriesData()
      throws Exception {
    KubernetesComputeBackend backend = backend(Duration.ofDays(1));
    Recorder recorder = new Recorder();
    int secretsBefore =
        fixture.client().secrets().inNamespace(RealCluster.namespace()).list().getItems().size();
    int configMapsBefore =
        fixture.client().configMaps().inNamespace(RealCluster.namespace()).list().getItems().size();
    JobSpec spec =
        spec(
            "echo hello > $OUTPUTS/hello.txt; cat /data/inputs/"
                + DATA.id()
                + "/0 > $OUTPUTS/copy.txt",
            Duration.ofMinutes(2));

    backend.submit(spec, recorder).toCompletableFuture().get(1, TimeUnit.MINUTES);

    ObjectNames names = ObjectNames.of(spec.jobId());
    List<HasMetadata> created = labelled(spec.jobId());
    assertThat(created).extracting(HasMetadata::getKind).contains("Job", "NetworkPolicy");
    assertThat(created).extracting(HasMetadata::getKind).doesNotContain("Secret", "ConfigMap");
    assertThat(created).allSatisfy(o -> assertThat(o.getMetadata().getUid()).isNotBlank());
    Job job =
        fixture
            .client()
            .batch()
            .v1()
            .jobs()
            .inNamespace(RealCluster.namespace())
            .withName(names.job())
            .get();
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    List<SecurityContext> containers = new ArrayList<>();
    pod.getInitContainers().forEach(c -> containers.add(c.getSecurityContext()));
    pod.getContainers().forEach(c -> containers.add(c.getSecurityContext()));
    assertThat(containers)
        .allSatisfy(
            sc -> {
              assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
              assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
              assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
            });
    BackendJobState end = await(recorder, s -> s.status().isTerminal());
    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(backend, spec.jobId(), end, "hello.txt")).isEqualTo("hello\n");
    assertThat(read(backend, spec.jobId(), end, "copy.txt")).isEqualTo("hello world");
    assertThat(labelled(spec.jobId()))
        .extracting(HasMetadata::getKind)
        .doesNotContain("Secret", "ConfigMap");
    assertThat(fixture.client().secrets().inNamespace(RealCluster.namespace()).list().getItems())
        .hasSize(secretsBefore);
    assertThat(fixture.client().configMaps().inNamespace(RealCluster.namespace()).list().getItems())
        .hasSize(configMapsBefore);
  }

  @Test
  void aNonZeroExitEndsAsAlgorithmFailedWithItsCode() throws Exception {
    KubernetesComputeBackend backend = backend(Duration.ofDays(1));
    JobSpec spec = spec("echo failing >&2; exit 3", Duration.ofMinutes(2));

    BackendJobState end = runToEnd(backend, spec);
    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.ALGORITHM_FAILED);
    assertThat(end.exitCode()).isEqualTo(3);
  }

  @Test
  void anAlgorithmOverItsMemoryLimitEndsAsOutOfMemory() throws Exception {
    KubernetesComputeBackend backend = backend(Duration.ofDays(1));
    JobSpec spec =
        spec(
            "awk 'BEGIN { s = \"xxxxxxxxxxxxxxxx\"; while (1) { s = s s } }'",
            Duration.ofMinutes(2));

    BackendJobState end = runToEnd(backend, spec);
    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.OUT_OF_MEMORY);
  }

  @Test
  void anAlgorithmThatOutlivesItsDeadlineEndsAsTimedOut() throws Exception {
    KubernetesComputeBackend backend = backend(Duration.ofDays(1));
    JobSpec spec = spec("sleep 600", Duration.ofSeconds(10));

    BackendJobState end = runToEnd(backend, spec);
    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.TIMED_OUT);
  }

  /**
   * The Job controller of Kubernetes 1.20 loses a deadline when a stale sync moves the Job's start
   * after its one deadline check was queued (seen in CI under load). Moving the start by hand puts
   * the controller in that state: its queued check comes before the new deadline and none follows.
   */
  @Test
  void aJobWhoseDeadlineTheJobControllerLostStillEndsAsTimedOut() throws Exception {
    KubernetesComputeBackend backend = backend(Duration.ofDays(1));
    Recorder recorder = new Recorder();
    JobSpec spec = spec("sleep 600", Duration.ofSeconds(10));
    backend.submit(spec, recorder).toCompletableFuture().get(1, TimeUnit.MINUTES);
    await(recorder, s -> s.status() == JobStatus.RUNNING_ALGORITHM);
    String later = Instant.now().plusSeconds(3).truncatedTo(ChronoUnit.SECONDS).toString();

    ScalableResource<Job> jobOf =
        fixture
            .client()
            .batch()
            .v1()
            .jobs()
            .inNamespace(RealCluster.namespace())
            .withName(ObjectNames.of(spec.jobId()).job());

    Job moved =
        jobOf.editStatus(
            j -> new JobBuilder(j).editStatus().withStartTime(later).endStatus().build());
    assertThat(moved.getStatus().getStartTime()).isEqualTo(later);
    BackendJobState end = await(recorder, s -> s.status().isTerminal());

    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.TIMED_OUT);
    Job job = jobOf.get();
    assertThat(job.getMetadata().getAnnotations()).containsKey(DeadlineWatch.CHECKED_ANNOTATION);
    assertThat(job.getStatus().getConditions())
        .as("the Job controller, not this side, failed it")
        .anySatisfy(c -> assertThat(c.getReason()).isEqualTo("DeadlineExceeded"));
  }

  @Test
  void stopThenDeleteLeaveNoObjectBehind() throws Exception {
    KubernetesComputeBackend backend = backend(Duration.ofDays(1));
    Recorder recorder = new Recorder();
    JobSpec spec = spec("sleep 600", Duration.ofMinutes(5));
    backend.submit(spec, recorder).toCompletableFuture().get(1, TimeUnit.MINUTES);
    await(recorder, s -> s.status() == JobStatus.RUNNING_ALGORITHM);

    backend.stop(spec.jobId()).toCompletableFuture().get(1, TimeUnit.MINUTES);
    BackendJobState end = await(recorder, s -> s.status().isTerminal());
    backend.delete(spec.jobId()).toCompletableFuture().get(1, TimeUnit.MINUTES);

    assertThat(end.status()).isEqualTo(JobStatus.STOPPED);
    awaitTrue(
        () -> labelled(spec.jobId()).isEmpty(),
        "objects of the deleted job: ",
        () -> labelled(spec.jobId()));
  }

  @Test
  void aRestartedProviderFindsItsJobMidRunAndSeesItEnd() throws Exception {
    KubernetesComputeBackend first = backend(Duration.ofDays(1));
    Recorder before = new Recorder();
    JobSpec spec =
        spec("sleep 8; echo survived > $OUTPUTS/after-restart.txt", Duration.ofMinutes(2));
    first.submit(spec, before).toCompletableFuture().get(1, TimeUnit.MINUTES);
    await(before, s -> s.status() == JobStatus.RUNNING_ALGORITHM);
    first.close();

    KubernetesComputeBackend second = backend(Duration.ofDays(1));
    Recorder after = new Recorder();
    List<RecoveredJob> found = second.recover(after).toCompletableFuture().get(1, TimeUnit.MINUTES);

    assertThat(found).extracting(r -> r.spec().jobId()).contains(spec.jobId());
    BackendJobState end =
        await(after, s -> s.jobId().equals(spec.jobId()) && s.status().isTerminal());
    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.COMPLETED);
    assertThat(read(second, spec.jobId(), end, "after-restart.txt")).isEqualTo("survived\n");
  }

  @Test
  void aFinishedJobIsRemovedAfterItsTtlEvenWhereTheClusterDoesNotHonourIt() throws Exception {
    KubernetesComputeBackend backend = backend(Duration.ofSeconds(5));
    JobSpec spec = spec("echo kept > $OUTPUTS/kept.txt", Duration.ofMinutes(2));
    BackendJobState end = runToEnd(backend, spec);
    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.COMPLETED);
    String jobName = ObjectNames.of(spec.jobId()).job();

    awaitTrue(
        () ->
            fixture
                    .client()
                    .batch()
                    .v1()
                    .jobs()
                    .inNamespace(RealCluster.namespace())
                    .withName(jobName)
                    .get()
                == null,
        "the finished Job is still there: ",
        () -> jobName);

    assertThat(read(backend, spec.jobId(), end, "kept.txt")).isEqualTo("kept\n");
    KubernetesComputeBackend restarted = backend(Duration.ofSeconds(5));
    assertThat(restarted.recover(new Recorder()).toCompletableFuture().get(1, TimeUnit.MINUTES))
        .filteredOn(r -> r.spec().jobId().equals(spec.jobId()))
        .singleElement()
        .satisfies(r -> assertThat(r.state().status()).isEqualTo(JobStatus.COMPLETED));
  }

  @Test
  void closingBeforeAFinishedJobsTtlDoesNotWaitForItAndTheNextInstanceRemovesTheJob()
      throws Exception {
    KubernetesComputeBackend backend = backend(Duration.ofHours(1));
    JobSpec spec = spec("echo kept > $OUTPUTS/kept.txt", Duration.ofMinutes(2));
    BackendJobState end = runToEnd(backend, spec);
    assertThat(end.status()).as("end %s", end).isEqualTo(JobStatus.COMPLETED);
    String jobName = ObjectNames.of(spec.jobId()).job();

    long closing = System.nanoTime();
    backend.close();
    Duration closed = Duration.ofNanos(System.nanoTime() - closing);

    // the removal an hour away is dropped at once, not waited for until the 5 s grace runs out
    assertThat(closed).isLessThan(Duration.ofSeconds(4));
    assertThat(
            fixture
                .client()
                .batch()
                .v1()
                .jobs()
                .inNamespace(RealCluster.namespace())
                .withName(jobName)
                .get())
        .as("the Job right after close")
        .isNotNull();
    KubernetesComputeBackend next = backend(Duration.ofSeconds(1));
    next.recover(new Recorder()).toCompletableFuture().get(1, TimeUnit.MINUTES);
    awaitTrue(
        () ->
            fixture
                    .client()
                    .batch()
                    .v1()
                    .jobs()
                    .inNamespace(RealCluster.namespace())
                    .withName(jobName)
                    .get()
                == null,
        "the next instance left the finished Job: ",
        () -> jobName);
  }

  // ---------------------------------------------------------------------------------------------

  private KubernetesComputeBackend backend(Duration ttl) {
    return fixture.build(RealCluster.backend(ENVIRONMENT, results).ttlAfterFinished(ttl));
  }

  private JobSpec spec(String script, Duration maxDuration) {
    String requestId = "real-" + UUID.randomUUID();
    JobId id = fixture.submitted(JobId.derive(OWNER, requestId));
    return JobSpec.builder(id, OWNER)
        .requestId(requestId)
        .datasets(
            List.of(
                DatasetInput.builder(DATA, "compute")
                    .addFile(input())
                    .ddoJson("{\"id\":\"" + DATA.value() + "\"}")
                    .build()))
        .algorithm(Algorithm.raw(RealCluster.container("sh $ALGO"), script).build())
        .environmentId(ENVIRONMENT.id())
        .resources(Resources.of(0.5, 64, 256, 0))
        .maxDuration(maxDuration)
        .build();
  }

  private URI input() {
    try {
      Path file = results.resolveSibling(results.getFileName() + "-input.txt");
      if (!Files.exists(file)) {
        Files.writeString(file, "hello world");
        file.toFile().deleteOnExit();
      }
      return file.toUri();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<HasMetadata> labelled(JobId id) {
    return fixture.labelled(id);
  }

  private static String read(
      KubernetesComputeBackend backend, JobId id, BackendJobState end, String name)
      throws Exception {
    return RealClusterFixture.read(backend, id, end, name);
  }

  /** Submits {@code spec} and waits for its end. */
  private static BackendJobState runToEnd(KubernetesComputeBackend backend, JobSpec spec)
      throws Exception {
    return RealClusterFixture.runToEnd(backend, spec, WAIT);
  }

  private static BackendJobState await(Recorder recorder, Predicate<BackendJobState> wanted)
      throws InterruptedException {
    return RealClusterFixture.await(recorder, wanted, WAIT);
  }

  private static void awaitTrue(Supplier<Boolean> condition, String what, Supplier<Object> detail)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + detail.get());
      }
      Thread.sleep(500);
    }
  }
}
