package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API faults the backend must survive without losing a job or starting one twice, injected by a
 * dispatcher wrapped around the mock server's CRUD one: a watch the server closes and then answers
 * with 410 Gone (its resource version expired), as an API server does after compaction, and a Job
 * create whose answer comes after the client stopped waiting, and Job creates refused during a
 * recovery for longer than one call's retries.
 */
final class ApiFaultTest {
  static final String NS = KubernetesComputeBackendTest.NS;

  @TempDir Path results;
  private @Nullable MockApiServer api;
  private @Nullable KubernetesMockServer server;
  private @Nullable KubernetesClient client;
  private @Nullable KubernetesComputeBackend backend;
  private @Nullable KubernetesClient noRetries;
  private final Faults faults = new Faults();

  @BeforeEach
  void start() {
    MockApiServer started =
        MockApiServer.start(
            crud -> {
              faults.delegate = crud;
              return faults;
            });
    api = started;
    server = started.server();
    client = started.client();
  }

  @AfterEach
  void stop() {
    if (backend != null) {
      backend.close();
    }
    if (noRetries != null) {
      noRetries.close();
    }
    if (api != null) {
      api.close();
    }
  }

  private final FakePodExec exec = new FakePodExec();

  @Test
  void aWatchAnswered410GoneIsResyncedAndNoStatusIsLost() throws Exception {
    KubernetesClient c = java.util.Objects.requireNonNull(client);
    KubernetesMockServer s = java.util.Objects.requireNonNull(server);
    backend = backend(c);
    Recorder recorder = new Recorder();
    JobSpec spec = KubernetesComputeBackendTest.spec("r-gone", false);
    backend.submit(spec, recorder).toCompletableFuture().get(20, TimeUnit.SECONDS);
    KubeletSimulator kubelet = new KubeletSimulator(c, s, NS, exec);
    Pod pod = kubelet.start(spec.jobId());
    recorder.awaitStatus(JobStatus.CONFIGURING_VOLUMES);

    // The API server drops the pod watch; its resource version has expired meanwhile.
    faults.goneOnNextPodWatches.set(2);
    faults.closePodWatches();
    kubelet.algorithmRunning(pod);
    kubelet.succeed(pod, Map.of("out.txt", "after the resync"), "log\n");

    BackendJobState end = recorder.awaitTerminal();
    assertThat(faults.goneServed.get()).as("watches answered 410 Gone").isPositive();
    assertThat(end.status()).as("end of %s", recorder.statuses()).isEqualTo(JobStatus.COMPLETED);
    assertThat(end.results()).extracting(JobResult::name).contains("out.txt");
    assertThat(recorder.statuses().stream().filter(JobStatus::isTerminal).toList())
        .containsExactly(JobStatus.COMPLETED);
    assertThat(c.batch().v1().jobs().inNamespace(NS).list().getItems()).hasSize(1);
    assertThat(c.pods().inNamespace(NS).list().getItems()).hasSize(1);
  }

  @Test
  void aJobCreateWhoseResponseIsLostIsRetriedAndAdoptedNeverStartedTwice() throws Exception {
    KubernetesMockServer s = java.util.Objects.requireNonNull(server);
    // A client that gives up on an answer after one second, and an API server that creates the
    // Job at once but answers only after three: the response is lost, the create was not.
    KubernetesClient impatient =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(java.util.Objects.requireNonNull(client).getConfiguration())
                    .withRequestTimeout(1000)
                    .build())
            .build();
    try {
      backend = backend(impatient);
      faults.slowNextJobCreates.set(1);
      Recorder recorder = new Recorder();
      JobSpec spec = KubernetesComputeBackendTest.spec("r-lost", false);

      backend.submit(spec, recorder).toCompletableFuture().get(30, TimeUnit.SECONDS);

      assertThat(faults.slowServed.get()).as("creates answered too late").isEqualTo(1);
      assertThat(faults.jobCreates.get()).as("Job creates sent").isGreaterThan(1);
      assertThat(impatient.batch().v1().jobs().inNamespace(NS).list().getItems()).hasSize(1);
      KubeletSimulator kubelet = new KubeletSimulator(impatient, s, NS, exec);
      Pod pod = kubelet.start(spec.jobId());
      kubelet.algorithmRunning(pod);
      kubelet.succeed(pod, Map.of("out.txt", "once"), "log\n");
      BackendJobState end = recorder.awaitTerminal();
      assertThat(end.status()).as("end of %s", recorder.statuses()).isEqualTo(JobStatus.COMPLETED);
      assertThat(impatient.pods().inNamespace(NS).list().getItems()).hasSize(1);
    } finally {
      if (backend != null) {
        backend.close();
        backend = null;
      }
      impatient.close();
    }
  }

  @Test
  void aJobWhoseResumeTheApiServerKeepsFailingIsResumedLaterAndCostsNoOtherJobItsRecovery()
      throws Exception {
    KubernetesClient c = java.util.Objects.requireNonNull(client);
    KubernetesMockServer s = java.util.Objects.requireNonNull(server);
    KubernetesComputeBackend first = backend(c);
    JobSpec cut = KubernetesComputeBackendTest.spec("r-resume-fails", false);
    JobSpec running = KubernetesComputeBackendTest.spec("r-resume-other", false);
    first.submit(cut, new Recorder()).toCompletableFuture().get(20, TimeUnit.SECONDS);
    first.submit(running, new Recorder()).toCompletableFuture().get(20, TimeUnit.SECONDS);
    KubeletSimulator kubelet = new KubeletSimulator(c, s, NS, exec);
    Pod runningPod = kubelet.algorithmRunning(kubelet.start(running.jobId()));
    first.close();
    // the restart came before the first job's Job was created, and the API server then refuses
    // to create it for longer than one call's retries last (the client's own retries turned off,
    // or they would outlast the test)
    c.batch().v1().jobs().inNamespace(NS).withName(ObjectNames.of(cut.jobId()).job()).delete();
    faults.failNextJobCreates.set(7);

    backend = backendWithoutClientRetries(c);
    Recorder recorder = new Recorder();
    List<RecoveredJob> recovered =
        backend.recover(recorder).toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertThat(recovered)
        .as("both jobs are found, neither ended by the failures")
        .extracting(RecoveredJob::spec)
        .containsExactlyInAnyOrder(cut, running);
    assertThat(recovered).allSatisfy(r -> assertThat(r.state().status().isTerminal()).isFalse());
    kubelet.succeed(runningPod, Map.of("b.txt", "B"), "");
    awaitJob(c, cut);
    assertThat(faults.failedCreates.get()).as("Job creates refused").isEqualTo(7);
    kubelet.succeed(kubelet.start(cut.jobId()), Map.of("a.txt", "A"), "");
    assertThat(recorder.awaitTerminal(running.jobId()).status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(recorder.awaitTerminal(cut.jobId()).status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(recorder.states())
        .as("each job ends once")
        .filteredOn(state -> state.status().isTerminal())
        .hasSize(2);
    assertThat(c.batch().v1().jobs().inNamespace(NS).list().getItems()).hasSize(2);
  }

  @Test
  void aJobStoppedWhileItsResumeWaitsIsNeverRunAgain() throws Exception {
    KubernetesClient c = java.util.Objects.requireNonNull(client);
    KubernetesComputeBackend first = backend(c);
    JobSpec spec = KubernetesComputeBackendTest.spec("r-stop-while-resumed", false);
    first.submit(spec, new Recorder()).toCompletableFuture().get(20, TimeUnit.SECONDS);
    first.close();
    String job = ObjectNames.of(spec.jobId()).job();
    c.batch().v1().jobs().inNamespace(NS).withName(job).delete();
    // one recovery attempt's worth of refused creates: the next attempt would succeed
    faults.failNextJobCreates.set(5);
    backend = backendWithoutClientRetries(c);
    Recorder recorder = new Recorder();
    backend.recover(recorder).toCompletableFuture().get(30, TimeUnit.SECONDS);
    backend.stop(spec.jobId()).toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertThat(recorder.awaitTerminal(spec.jobId()).status()).isEqualTo(JobStatus.STOPPED);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (System.nanoTime() < until) {
      assertThat(c.batch().v1().jobs().inNamespace(NS).withName(job).get())
          .as("the stopped job's Job, past the resume's next attempt")
          .isNull();
      Thread.sleep(100);
    }
    assertThat(faults.failedCreates.get()).isEqualTo(5);
    assertThat(faults.jobCreates.get()).as("Job creates let through").isEqualTo(1);
  }

  /**
   * A backend whose client does not retry by itself (closed after the backend): this side's retries
   * are then the only ones, and the faults need not outlast fabric8's.
   */
  private KubernetesComputeBackend backendWithoutClientRetries(KubernetesClient c) {
    KubernetesClient own =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(c.getConfiguration()).withRequestRetryBackoffLimit(0).build())
            .build();
    noRetries = own;
    return backend(own);
  }

  private KubernetesComputeBackend backend(KubernetesClient c) {
    return KubernetesComputeBackend.builder()
        .networkPolicyProbe(StubProbe.ENFORCED)
        .client(c)
        .namespace(NS)
        .resultRoot(results)
        .addEnvironment(KubernetesComputeBackendTest.environment())
        .podExec(cluster -> exec)
        .build();
  }

  /** Waits (at most 30 s) until the job's Job exists again. */
  private static void awaitJob(KubernetesClient c, JobSpec spec) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String name = ObjectNames.of(spec.jobId()).job();
    while (c.batch().v1().jobs().inNamespace(NS).withName(name).get() == null) {
      assertThat(System.nanoTime())
          .as("the Job of %s is created again", spec.jobId())
          .isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /**
   * Answers 410 Gone to pod watches when armed, and can close the pod watches it let through;
   * answers Job creates late when armed (after creating the Job), or refuses them with 503.
   */
  static final class Faults extends Dispatcher {
    final AtomicInteger slowNextJobCreates = new AtomicInteger();
    final AtomicInteger failNextJobCreates = new AtomicInteger();
    final AtomicInteger failedCreates = new AtomicInteger();
    final AtomicInteger slowServed = new AtomicInteger();
    final AtomicInteger jobCreates = new AtomicInteger();
    final AtomicInteger goneOnNextPodWatches = new AtomicInteger();
    final AtomicInteger goneServed = new AtomicInteger();
    private final List<WebSocket> podWatches = new CopyOnWriteArrayList<>();
    volatile @Nullable Dispatcher delegate;

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String path = request.getPath();
      boolean podWatch = path.contains("/pods?") && path.contains("watch=true");
      if (podWatch && goneOnNextPodWatches.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        goneServed.incrementAndGet();
        return new MockResponse()
            .setResponseCode(410)
            .setBody(
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                    + "\"reason\":\"Expired\",\"code\":410,"
                    + "\"message\":\"too old resource version\"}");
      }
      boolean jobCreate = "POST".equals(request.getMethod()) && path.endsWith("/jobs");
      if (jobCreate && failNextJobCreates.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        failedCreates.incrementAndGet();
        return new MockResponse()
            .setResponseCode(503)
            .setBody(
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                    + "\"reason\":\"ServiceUnavailable\",\"code\":503}");
      }
      MockResponse response = java.util.Objects.requireNonNull(delegate).dispatch(request);
      if (jobCreate) {
        jobCreates.incrementAndGet();
        if (slowNextJobCreates.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          slowServed.incrementAndGet();
          response.setBodyDelay(3, TimeUnit.SECONDS);
        }
      }
      WebSocketListener listener = response.getWebSocketListener();
      if (podWatch && listener != null) {
        response.withWebSocketUpgrade(new Capturing(listener, podWatches));
      }
      return response;
    }

    void closePodWatches() {
      for (WebSocket ws : podWatches) {
        ws.close(1000, "watch closed by the server");
      }
      podWatches.clear();
    }
  }

  private static final class Capturing extends WebSocketListener {
    private final WebSocketListener delegate;
    private final List<WebSocket> opened;

    Capturing(WebSocketListener delegate, List<WebSocket> opened) {
      this.delegate = delegate;
      this.opened = opened;
    }

    @Override
    public void onBeforeAccept(WebSocket ws, Response response) {
      delegate.onBeforeAccept(ws, response);
    }

    @Override
    public void onOpen(WebSocket ws, Response response) {
      opened.add(ws);
      delegate.onOpen(ws, response);
    }

    @Override
    public void onMessage(WebSocket ws, String text) {
      delegate.onMessage(ws, text);
    }

    @Override
    public void onMessage(WebSocket ws, byte[] bytes) {
      delegate.onMessage(ws, bytes);
    }

    @Override
    public void onClosing(WebSocket ws, int code, String reason) {
      delegate.onClosing(ws, code, reason);
    }

    @Override
    public void onClosed(WebSocket ws, int code, String reason) {
      delegate.onClosed(ws, code, reason);
    }

    @Override
    public void onFailure(WebSocket ws, Throwable t, Response response) {
      delegate.onFailure(ws, t, response);
    }
  }
}
