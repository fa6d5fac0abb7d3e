package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
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
 * create whose answer comes after the client stopped waiting.
 */
final class ApiFaultTest {
  static final String NS = KubernetesComputeBackendTest.NS;

  @TempDir Path results;
  private @Nullable KubernetesMockServer server;
  private @Nullable KubernetesClient client;
  private @Nullable KubernetesComputeBackend backend;
  private final Faults faults = new Faults();

  @BeforeEach
  void start() {
    Map<ServerRequest, Queue<ServerResponse>> expectations = new ConcurrentHashMap<>();
    faults.delegate = new KubernetesMixedDispatcher(expectations);
    KubernetesMockServer started =
        new KubernetesMockServer(new Context(), new MockWebServer(), expectations, faults, false);
    started.init(InetAddress.getLoopbackAddress(), 0);
    server = started;
    client = started.createClient();
  }

  @AfterEach
  void stop() {
    if (backend != null) {
      backend.close();
    }
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.destroy();
    }
  }

  private final FakePodExec exec = new FakePodExec();

  @Test
  void aWatchAnswered410GoneIsResyncedAndNoStatusIsLost() throws Exception {
    KubernetesClient c = java.util.Objects.requireNonNull(client);
    KubernetesMockServer s = java.util.Objects.requireNonNull(server);
    backend =
        KubernetesComputeBackend.builder()
            .networkPolicyProbe(StubProbe.ENFORCED)
            .client(c)
            .namespace(NS)
            .resultRoot(results)
            .addEnvironment(KubernetesComputeBackendTest.environment())
            .podExec(cluster -> exec)
            .build();
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
      backend =
          KubernetesComputeBackend.builder()
              .networkPolicyProbe(StubProbe.ENFORCED)
              .client(impatient)
              .namespace(NS)
              .resultRoot(results)
              .addEnvironment(KubernetesComputeBackendTest.environment())
              .podExec(cluster -> exec)
              .build();
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

  /**
   * Answers 410 Gone to pod watches when armed, and can close the pod watches it let through;
   * answers Job creates late when armed (after creating the Job).
   */
  static final class Faults extends Dispatcher {
    final AtomicInteger slowNextJobCreates = new AtomicInteger();
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
      MockResponse response = java.util.Objects.requireNonNull(delegate).dispatch(request);
      boolean jobCreate = "POST".equals(request.getMethod()) && path.endsWith("/jobs");
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
