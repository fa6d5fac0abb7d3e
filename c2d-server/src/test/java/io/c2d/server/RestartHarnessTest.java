package io.c2d.server;

import io.c2d.testkit.LoopbackFileServer;
import io.c2d.testkit.junit.Requires;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 16's restart test: the provider as a child process, more concurrent submitters than slots,
 * SIGKILL aimed in turn at jobs staging (a throttled loopback input), queued for capacity, running
 * and collecting (a few MiB of output), and at random moments, restarts on the same state
 * directory; then 0 acknowledged jobs lost, 0 failed by a restart, 0 jobs whose algorithm started
 * in two sandboxes, 0 orphans. On Docker and on the real Kubernetes node; {@code c2d.restart.kills}
 * kills per backend (default 10; the soak runs 100), figures printed and written to {@code
 * target/restart-<backend>.txt}.
 */
final class RestartHarnessTest {
  private static final Logger logger = LoggerFactory.getLogger(RestartHarnessTest.class);
  private static final int KILLS = Integer.getInteger("c2d.restart.kills", 10);
  private static final String INPUT = "/input.bin";

  /** {@link RestartHarness#check}, naming where the children's output and log are kept. */
  private static void checkKeepingTheLogs(RestartHarness.Figures figures, Path state) {
    try {
      RestartHarness.check(figures);
    } catch (AssertionError e) {
      throw new AssertionError(
          e.getMessage() + "\n(the children's output and log: " + state + ")", e);
    }
  }

  /**
   * The run's state: the children's engine and backend state, their output ({@code life-N.out},
   * {@code final.out}) and their log ({@code children.err}). Kept under {@code target/restart-runs}
   * rather than in a temporary directory, so that a failed run can be read afterwards.
   */
  private static Path stateOf(String run) throws java.io.IOException {
    return Files.createDirectories(Path.of("target", "restart-runs", run)).toAbsolutePath();
  }

  @Test
  @Requires(DockerTestImage.class)
  void dockerNoJobLostFailedOrDuplicatedAcrossKills() throws Exception {
    String instance = "c2d-restart-" + UUID.randomUUID().toString().substring(0, 8);
    Path state = stateOf(instance);
    try (LoopbackFileServer inputs = input();
        DockerSandboxes sandboxes = new DockerSandboxes(instance)) {
      RestartHarness harness =
          new RestartHarness(
              "docker",
              state,
              instance,
              KILLS,
              6,
              3,
              2000,
              12000,
              inputs.uri(INPUT),
              2,
              System.nanoTime());
      RestartHarness.Figures figures = harness.run(sandboxes);
      report("docker", figures);
      checkKeepingTheLogs(figures, state);
    }
  }

  @Test
  void kubernetesNoJobLostFailedOrDuplicatedAcrossKills() throws Exception {
    String kubeconfig = System.getenv("KUBECONFIG");
    if (kubeconfig == null || !Files.isReadable(Path.of(kubeconfig))) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException("CI=true but KUBECONFIG names no readable file");
      }
      logger.warn("SKIPPING the Kubernetes restart harness: no KUBECONFIG");
      Assumptions.abort("no KUBECONFIG: no real Kubernetes node to kill the provider over");
    }
    // the image the pods run, imported into the node's Docker engine as the Docker tests do
    Process image =
        new ProcessBuilder(
                "bash",
                "../c2d-backend-docker/src/test/resources/build-test-image.sh",
                RestartChild.IMAGE + ":" + RestartChild.TAG)
            .redirectErrorStream(true)
            .start();
    String built = new String(image.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!image.waitFor(3, TimeUnit.MINUTES) || image.exitValue() != 0) {
      throw new IllegalStateException("building the test image failed: " + built);
    }
    // a namespace of its own: a provider recovers every c2d job of its namespace, so two in one
    // would collect (and here, delete) each other's jobs
    String namespace = "c2d-restart-" + UUID.randomUUID().toString().substring(0, 8);
    Path state = stateOf(namespace);
    try (LoopbackFileServer inputs = input();
        KubernetesSandboxes sandboxes = new KubernetesSandboxes(namespace)) {
      RestartHarness harness =
          new RestartHarness(
              "k8s",
              state,
              namespace,
              KILLS,
              3,
              2,
              4000,
              25000,
              inputs.uri(INPUT),
              2,
              System.nanoTime());
      RestartHarness.Figures figures = harness.run(sandboxes);
      report("k8s", figures);
      checkKeepingTheLogs(figures, state);
    }
  }

  /**
   * The jobs' input: 4 MiB served on loopback at 4 MiB/s per request, so staging takes about a
   * second and a kill can be aimed into it. It outlives every child: a restarted job fetches again.
   */
  private static LoopbackFileServer input() {
    LoopbackFileServer server = LoopbackFileServer.start();
    server.serve(INPUT, LoopbackFileServer.Body.generated(4 << 20, 16)).throttle(4 << 20);
    return server;
  }

  private static void report(String backend, RestartHarness.Figures figures) throws IOException {
    String summary = figures.summary();
    logger.info("{}", summary);
    Path target = Path.of("target");
    if (Files.isDirectory(target)) {
      Files.writeString(target.resolve("restart-" + backend + ".txt"), summary);
    }
  }

  /** Container starts by job from {@code docker events}; leftovers from the engine's lists. */
  private static final class DockerSandboxes implements RestartHarness.Sandboxes {
    private final String instance;
    private final Process events;
    private final Map<String, Integer> starts = new ConcurrentHashMap<>();
    private final Thread reader;

    DockerSandboxes(String instance) throws IOException {
      this.instance = instance;
      this.events =
          new ProcessBuilder(
                  "docker",
                  "events",
                  "--filter",
                  "type=container",
                  "--filter",
                  "label=io.c2d.instance=" + instance,
                  "--format",
                  "{{.Action}} {{index .Actor.Attributes \"io.c2d.job-id\"}}")
              .redirectErrorStream(true)
              .start();
      this.reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(events.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line = in.readLine(); line != null; line = in.readLine()) {
                    String[] f = line.split(" ", 3);
                    if (f.length == 2 && f[0].equals("start")) {
                      starts.merge(f[1], 1, Integer::sum);
                    }
                  }
                } catch (IOException e) {
                  // events ended
                }
              });
      reader.setDaemon(true);
      reader.start();
    }

    @Override
    public Map<String, Integer> started() {
      try {
        Thread.sleep(1000); // the last events reach the reader
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Map.copyOf(starts);
    }

    @Override
    public List<String> leftovers(Set<String> jobIds) throws Exception {
      List<String> left = new ArrayList<>();
      for (String id :
          lines("docker", "ps", "-aq", "--filter", "label=io.c2d.instance=" + instance)) {
        left.add("container " + id);
      }
      for (String id :
          lines("docker", "volume", "ls", "-q", "--filter", "label=io.c2d.instance=" + instance)) {
        left.add("volume " + id);
      }
      return left;
    }

    @Override
    public void close() {
      events.destroyForcibly();
      for (String id :
          lines("docker", "ps", "-aq", "--filter", "label=io.c2d.instance=" + instance)) {
        lines("docker", "rm", "-f", "-v", id);
      }
      for (String id :
          lines("docker", "volume", "ls", "-q", "--filter", "label=io.c2d.instance=" + instance)) {
        lines("docker", "volume", "rm", id);
      }
    }

    private static List<String> lines(String... command) {
      try {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(1, TimeUnit.MINUTES);
        return out.lines().filter(l -> !l.isBlank()).toList();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return List.of();
      }
    }
  }

  /**
   * Pods in which a job's algorithm started, by job, from a watch on the backend's pods; leftovers
   * are the run's pods, Jobs and records once every job was deleted.
   */
  private static final class KubernetesSandboxes implements RestartHarness.Sandboxes {
    private static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    private static final String JOB_ID = "c2d.io/job-id";
    private final KubernetesClient client = new KubernetesClientBuilder().build();
    private final String namespace;
    private final Map<String, Set<String>> algorithmPods = new ConcurrentHashMap<>();
    private final Watch watch;

    KubernetesSandboxes(String namespace) {
      this.namespace = namespace;
      client
          .namespaces()
          .resource(
              new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                  .withNewMetadata()
                  .withName(namespace)
                  .endMetadata()
                  .build())
          .create();
      this.watch =
          client
              .pods()
              .inNamespace(namespace)
              .withLabel(MANAGED_BY, "c2d")
              .watch(
                  new Watcher<Pod>() {
                    @Override
                    public void eventReceived(Action action, Pod pod) {
                      see(pod);
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                      logger.warn("the pod watch of the restart harness closed", cause);
                    }
                  });
    }

    private void see(Pod pod) {
      if (pod.getStatus() == null || pod.getStatus().getInitContainerStatuses() == null) {
        return;
      }
      for (ContainerStatus status : pod.getStatus().getInitContainerStatuses()) {
        if ("algorithm".equals(status.getName())
            && status.getState() != null
            && (status.getState().getRunning() != null
                || status.getState().getTerminated() != null)) {
          algorithmPods
              .computeIfAbsent(
                  pod.getMetadata().getLabels().getOrDefault(JOB_ID, "?"),
                  k -> ConcurrentHashMap.newKeySet())
              .add(pod.getMetadata().getUid());
        }
      }
    }

    @Override
    public Map<String, Integer> started() {
      Map<String, Integer> counts = new java.util.HashMap<>();
      algorithmPods.forEach((id, pods) -> counts.put(id, pods.size()));
      return counts;
    }

    @Override
    public List<String> leftovers(Set<String> jobIds) throws InterruptedException {
      // deleted jobs' objects may still be terminating for a moment
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      List<String> left = list(jobIds);
      while (!left.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(1000);
        left = list(jobIds);
      }
      return left;
    }

    private List<String> list(Set<String> jobIds) {
      List<String> left = new ArrayList<>();
      List<HasMetadata> objects = new ArrayList<>();
      objects.addAll(
          client.pods().inNamespace(namespace).withLabel(MANAGED_BY, "c2d").list().getItems());
      objects.addAll(
          client
              .batch()
              .v1()
              .jobs()
              .inNamespace(namespace)
              .withLabel(MANAGED_BY, "c2d")
              .list()
              .getItems());
      objects.addAll(
          client
              .network()
              .v1()
              .networkPolicies()
              .inNamespace(namespace)
              .withLabel(MANAGED_BY, "c2d")
              .list()
              .getItems());
      for (HasMetadata object : objects) {
        Map<String, String> labels = object.getMetadata().getLabels();
        if (labels != null && jobIds.contains(labels.get(JOB_ID))) {
          left.add(object.getKind() + " " + object.getMetadata().getName());
        }
      }
      return left;
    }

    @Override
    public void close() {
      watch.close();
      client.namespaces().withName(namespace).delete();
      client.close();
    }
  }
}
