package io.c2d.backend.k8s;

import io.c2d.model.JobId;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plays the Job controller and the kubelet against fabric8's mock server, which in CRUD mode runs
 * no controllers: creates a Job's pod from its template and moves it through the phases and
 * container states a kubelet writes (init containers one after the other, then the publish
 * container), including each failure the backend maps. Container logs, which the kubelet (not the
 * API server's storage) serves, are answered through the mock server's expectations.
 */
final class KubeletSimulator {
  private static final String NOW = "2026-11-22T00:00:00Z";
  private static final List<String> INIT = List.of(Manifests.STAGE_DATA, Manifests.ALGORITHM);

  private final KubernetesClient client;
  private final KubernetesMockServer server;
  private final String namespace;
  private final FakePodExec exec;

  KubeletSimulator(
      KubernetesClient client, KubernetesMockServer server, String namespace, FakePodExec exec) {
    this.client = client;
    this.server = server;
    this.namespace = namespace;
    this.exec = exec;
  }

  Job job(JobId id) {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .withName(ObjectNames.of(id).job())
        .get();
  }

  /** The Job controller creates the pod; the kubelet starts the first init container. */
  Pod start(JobId id) {
    Job job = job(id);
    PodTemplateSpec template = job.getSpec().getTemplate();
    Map<String, String> labels = new LinkedHashMap<>(template.getMetadata().getLabels());
    labels.put("batch.kubernetes.io/job-name", job.getMetadata().getName());
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(job.getMetadata().getName() + "-x7k2p")
            .withNamespace(namespace)
            .withLabels(labels)
            .addNewOwnerReference()
            .withApiVersion("batch/v1")
            .withKind("Job")
            .withName(job.getMetadata().getName())
            .withUid(job.getMetadata().getUid() == null ? "uid" : job.getMetadata().getUid())
            .withController(true)
            .endOwnerReference()
            .endMetadata()
            .withSpec(template.getSpec())
            .build();
    client.pods().inNamespace(namespace).resource(pod).create();
    return set(
        pod.getMetadata().getName(), "Pending", List.of(running(Manifests.STAGE_DATA)), List.of());
  }

  /** Staging is done; the algorithm runs. */
  Pod algorithmRunning(Pod pod) {
    return set(
        name(pod),
        "Pending",
        List.of(done(Manifests.STAGE_DATA), running(Manifests.ALGORITHM)),
        List.of());
  }

  /** The algorithm ended well; the publish step waits to stream out {@code outputs}. */
  Pod succeed(Pod pod, Map<String, String> outputs, String algorithmLog) {
    return succeed(pod, outputs, algorithmLog, Map.of());
  }

  /** Every step ends well; the algorithm also left {@code logFiles} in {@code /data/logs}. */
  Pod succeed(
      Pod pod, Map<String, String> outputs, String algorithmLog, Map<String, String> logFiles) {
    exec.serveResults(name(pod), outputs, logFiles);
    serveLog(pod, Manifests.ALGORITHM, algorithmLog);
    serveLog(pod, Manifests.STAGE_DATA, "staged\n");
    List<ContainerStatus> inits = new ArrayList<>();
    INIT.forEach(step -> inits.add(done(step)));
    return set(name(pod), "Running", inits, List.of(running(Manifests.PUBLISH)));
  }

  /** {@code step} ends with {@code exitCode} (and {@code reason}, such as OOMKilled). */
  Pod fail(Pod pod, String step, int exitCode, String reason) {
    List<ContainerStatus> inits = new ArrayList<>();
    for (String s : INIT) {
      if (s.equals(step)) {
        inits.add(terminated(s, exitCode, reason));
        break;
      }
      inits.add(done(s));
    }
    // The kubelet serves the log of every container that ran, and refuses the others' (400).
    boolean reached = true;
    for (String s : INIT) {
      if (reached) {
        serveLog(pod, s, s.equals(Manifests.ALGORITHM) ? "boom\n" : "");
      } else {
        refuseLog(pod, s);
      }
      reached &= !s.equals(step);
    }
    refuseLog(pod, Manifests.PUBLISH);
    return set(name(pod), "Failed", inits, List.of());
  }

  /** The kubelet evicts the pod with {@code message}, as it does a pod past a storage limit. */
  Pod evict(Pod pod, String message) {
    return client
        .pods()
        .inNamespace(namespace)
        .withName(name(pod))
        .editStatus(
            p ->
                new PodBuilder(p)
                    .editStatus()
                    .withPhase("Failed")
                    .withReason("Evicted")
                    .withMessage(message)
                    .endStatus()
                    .build());
  }

  /** The algorithm's image cannot be pulled. */
  Pod imagePullBackOff(Pod pod) {
    ContainerStatus waiting =
        new ContainerStatusBuilder()
            .withName(Manifests.ALGORITHM)
            .withImage("registry.invalid/algo:1")
            .withNewState()
            .withNewWaiting()
            .withReason("ImagePullBackOff")
            .withMessage("Back-off pulling image")
            .endWaiting()
            .endState()
            .build();
    serveLog(pod, Manifests.STAGE_DATA, "");
    refuseLog(pod, Manifests.ALGORITHM);
    refuseLog(pod, Manifests.PUBLISH);
    return set(name(pod), "Pending", List.of(done(Manifests.STAGE_DATA), waiting), List.of());
  }

  /** The Job controller marks the deadline and kills the pod. */
  void deadlineExceeded(JobId id, Pod pod) {
    Job job = job(id);
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .resource(
            new JobBuilder(job)
                .withNewStatus()
                .withFailed(1)
                .addNewCondition()
                .withType("Failed")
                .withStatus("True")
                .withReason("DeadlineExceeded")
                .withMessage("Job was active longer than specified deadline")
                .endCondition()
                .endStatus()
                .build())
        .updateStatus();
    client.pods().inNamespace(namespace).withName(name(pod)).delete();
  }

  private void refuseLog(Pod pod, String container) {
    server
        .expect()
        .get()
        .withPath(logPath(pod, container))
        .andReturn(
            400,
            "{\"kind\":\"Status\",\"code\":400,\"message\":\"container \\\""
                + container
                + "\\\" is waiting to start\"}")
        .always();
  }

  private String logPath(Pod pod, String container) {
    return "/api/v1/namespaces/"
        + namespace
        + "/pods/"
        + name(pod)
        + "/log?pretty=false&container="
        + container;
  }

  private void serveLog(Pod pod, String container, String text) {
    server
        .expect()
        .get()
        .withPath(
            "/api/v1/namespaces/"
                + namespace
                + "/pods/"
                + name(pod)
                + "/log?pretty=false&container="
                + container)
        .andReturn(200, text)
        .always();
  }

  private Pod set(
      String podName, String phase, List<ContainerStatus> inits, List<ContainerStatus> mains) {
    PodStatus status =
        new PodStatusBuilder()
            .withPhase(phase)
            .withInitContainerStatuses(inits)
            .withContainerStatuses(mains)
            .build();
    return client
        .pods()
        .inNamespace(namespace)
        .withName(podName)
        .editStatus(p -> new PodBuilder(p).withStatus(status).build());
  }

  private static String name(Pod pod) {
    return pod.getMetadata().getName();
  }

  static ContainerStatus running(String name) {
    return new ContainerStatusBuilder()
        .withName(name)
        .withNewState()
        .withNewRunning()
        .withStartedAt(NOW)
        .endRunning()
        .endState()
        .build();
  }

  static ContainerStatus done(String name) {
    return terminated(name, 0, "Completed");
  }

  static ContainerStatus terminated(String name, int exitCode, String reason) {
    return new ContainerStatusBuilder()
        .withName(name)
        .withNewState()
        .withNewTerminated()
        .withExitCode(exitCode)
        .withReason(reason)
        .withFinishedAt(NOW)
        .endTerminated()
        .endState()
        .build();
  }
}
