package io.c2d.backend.k8s;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds out whether the cluster enforces NetworkPolicy in the jobs' namespace, the way a job would
 * feel it: under a deny-all policy shaped like a job's (all ingress and egress denied), one pod
 * listens on a TCP port and a second one tries to connect to it, a few times. A connection that
 * goes through means nothing enforces the policy (a cluster without a policy-enforcing CNI accepts
 * NetworkPolicy objects and ignores them); one that never does means the policy holds.
 *
 * <p>The pods run the helper image ({@code sh}, {@code nc} and {@code timeout} of busybox) under
 * the same restricted profile and default placement as the jobs' pods, labelled {@value
 * #PROBE_LABEL} and {@code app.kubernetes.io/managed-by=}{@value #MANAGER} (not c2d's job label, so
 * recovery never takes them for jobs). They and their policy are removed when the probe ends, and
 * any that an earlier probe left behind (its provider killed mid-probe) on the next probe.
 *
 * <p>Traffic stays between the probe's own two pods. Thread-safe; {@link #get} blocks for as long
 * as the pods take to start (bounded by the start timeout) and never throws: what goes wrong is an
 * {@link NetworkIsolation.Verdict#UNKNOWN} answer.
 */
final class NetworkPolicyProbe implements Supplier<NetworkIsolation> {
  private static final Logger log = LoggerFactory.getLogger(NetworkPolicyProbe.class);

  /** The label on the probe's objects, with the probe's random token. */
  static final String PROBE_LABEL = "c2d.io/network-probe";

  /** The value of {@code app.kubernetes.io/managed-by} on the probe's objects. */
  static final String MANAGER = "c2d-network-probe";

  static final int PORT = 18080;

  /** The connector's exit code when it never got through. */
  static final int EXIT_BLOCKED = 3;

  /** Objects of an earlier probe older than this are leftovers. */
  private static final Duration LEFTOVER_AGE = Duration.ofMinutes(10);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Cluster cluster;
  private final String image;
  private final Placement placement;
  private final Duration startTimeout;

  NetworkPolicyProbe(Cluster cluster, String image, Placement placement, Duration startTimeout) {
    this.cluster = cluster;
    this.image = image;
    this.placement = placement;
    this.startTimeout = startTimeout;
  }

  /**
   * Probes with a client of its own (the backend's configuration), so that a backend closed
   * meanwhile does not cut the probe short: its answer is shared with the other backends of this
   * JVM on the same cluster.
   */
  @Override
  public NetworkIsolation get() {
    try (KubernetesClient own =
        new KubernetesClientBuilder().withConfig(cluster.client().getConfiguration()).build()) {
      return probe(own);
    } catch (RuntimeException e) {
      log.warn("the NetworkPolicy probe in namespace {} failed", cluster.namespace(), e);
      return NetworkIsolation.unknown("the probe failed: " + e);
    }
  }

  private NetworkIsolation probe(KubernetesClient client) {
    byte[] bytes = new byte[4];
    RANDOM.nextBytes(bytes);
    String token = HexFormat.of().formatHex(bytes);
    String name = "c2d-network-probe-" + token;
    String namespace = cluster.namespace();
    try {
      removeLeftovers(client);
      client
          .network()
          .v1()
          .networkPolicies()
          .inNamespace(namespace)
          .resource(denyAll(name, token))
          .create();
      client
          .pods()
          .inNamespace(namespace)
          .resource(
              pod(
                  name + "-listen",
                  token,
                  "while :; do nc -l -p "
                      + PORT
                      + " < /dev/null > /dev/null 2>&1 || sleep 0.2; done",
                  null))
          .create();
      Pod listening =
          client
              .pods()
              .inNamespace(namespace)
              .withName(name + "-listen")
              .waitUntilCondition(
                  p -> runningWithIp(p) || ended(p),
                  startTimeout.toMillis(),
                  TimeUnit.MILLISECONDS);
      if (!runningWithIp(listening)) {
        return NetworkIsolation.unknown(
            "the probe's listening pod " + name + "-listen did not run: " + describe(listening));
      }
      String address = listening.getStatus().getPodIP();
      // Give the listener a moment to bind; the connector tries three times anyway.
      client
          .pods()
          .inNamespace(namespace)
          .resource(
              pod(
                  name + "-connect",
                  token,
                  "sleep 1; i=0; while [ $i -lt 3 ]; do if timeout 5 nc -w 2 \"$TARGET\" "
                      + PORT
                      + " < /dev/null > /dev/null 2>&1; then echo reached; exit 0; fi;"
                      + " i=$((i+1)); sleep 1; done; echo blocked; exit "
                      + EXIT_BLOCKED,
                  address))
          .create();
      Pod connector =
          client
              .pods()
              .inNamespace(namespace)
              .withName(name + "-connect")
              .waitUntilCondition(
                  NetworkPolicyProbe::ended, startTimeout.toMillis(), TimeUnit.MILLISECONDS);
      Integer exit = exitCode(connector);
      String how =
          "pod "
              + name
              + "-connect, under a deny-all NetworkPolicy in namespace "
              + namespace
              + ", ";
      if (exit != null && exit == 0) {
        return NetworkIsolation.notEnforced(
            how + "reached pod " + name + "-listen at " + address + ":" + PORT);
      }
      if (exit != null && exit == EXIT_BLOCKED) {
        return NetworkIsolation.enforced(
            how + "could not reach pod " + name + "-listen at " + address + ":" + PORT);
      }
      return NetworkIsolation.unknown(
          "the probe's connecting pod " + name + "-connect ended oddly: " + describe(connector));
    } catch (KubernetesClientTimeoutException e) {
      return NetworkIsolation.unknown(
          "the probe's pods did not run within " + startTimeout + ": " + e.getMessage());
    } catch (KubernetesClientException e) {
      return NetworkIsolation.unknown(
          "the probe's objects could not be made (HTTP " + e.getCode() + "): " + e.getMessage());
    } catch (RuntimeException e) {
      log.warn("the NetworkPolicy probe in namespace {} failed", namespace, e);
      return NetworkIsolation.unknown("the probe failed: " + e);
    } finally {
      remove(client, token);
    }
  }

  private NetworkPolicy denyAll(String name, String token) {
    return new NetworkPolicyBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels(token))
        .endMetadata()
        .withNewSpec()
        .withNewPodSelector()
        .addToMatchLabels(PROBE_LABEL, token)
        .endPodSelector()
        .withPolicyTypes("Ingress", "Egress")
        .withIngress(List.of())
        .withEgress(List.of())
        .endSpec()
        .build();
  }

  private Pod pod(String name, String token, String script, @Nullable String target) {
    Quantity cpu = new Quantity("50m");
    Quantity memory = new Quantity("16Mi");
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels(token))
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(0L)
        .withActiveDeadlineSeconds(Math.max(60L, 2 * startTimeout.toSeconds()))
        .withRuntimeClassName(placement.runtimeClassName().orElse(null))
        .withNodeSelector(
            placement.nodeSelector().isEmpty()
                ? null
                : new LinkedHashMap<>(placement.nodeSelector()))
        .withTolerations(Manifests.tolerations(placement))
        .withSecurityContext(Manifests.podSecurityContext())
        .addNewContainer()
        .withName("probe")
        .withImage(image)
        .withImagePullPolicy("IfNotPresent")
        .withCommand("sh", "-c", script)
        .withEnv(target == null ? List.of() : List.of(new EnvVar("TARGET", target, null)))
        .withSecurityContext(Manifests.restricted())
        .withResources(Manifests.guaranteed(cpu, memory))
        .endContainer()
        .endSpec()
        .build();
  }

  private static Map<String, String> labels(String token) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(ObjectNames.MANAGED_BY, MANAGER);
    labels.put(PROBE_LABEL, token);
    return labels;
  }

  private void remove(KubernetesClient client, String token) {
    try {
      client
          .pods()
          .inNamespace(cluster.namespace())
          .withLabel(PROBE_LABEL, token)
          .withGracePeriod(0)
          .delete();
      client
          .network()
          .v1()
          .networkPolicies()
          .inNamespace(cluster.namespace())
          .withLabel(PROBE_LABEL, token)
          .delete();
    } catch (RuntimeException e) {
      log.warn(
          "could not remove the NetworkPolicy probe's objects (label {}={}); the next probe does",
          PROBE_LABEL,
          token,
          e);
    }
  }

  /** Removes what a probe whose provider died mid-probe left behind. */
  private void removeLeftovers(KubernetesClient client) {
    String namespace = cluster.namespace();
    Instant before = Instant.now().minus(LEFTOVER_AGE);
    for (Pod pod :
        client
            .pods()
            .inNamespace(namespace)
            .withLabel(ObjectNames.MANAGED_BY, MANAGER)
            .list()
            .getItems()) {
      if (olderThan(pod.getMetadata().getCreationTimestamp(), before)) {
        client.pods().inNamespace(namespace).resource(pod).withGracePeriod(0).delete();
      }
    }
    for (NetworkPolicy policy :
        client
            .network()
            .v1()
            .networkPolicies()
            .inNamespace(namespace)
            .withLabel(ObjectNames.MANAGED_BY, MANAGER)
            .list()
            .getItems()) {
      if (olderThan(policy.getMetadata().getCreationTimestamp(), before)) {
        client.network().v1().networkPolicies().inNamespace(namespace).resource(policy).delete();
      }
    }
  }

  private static boolean olderThan(@Nullable String timestamp, Instant before) {
    if (timestamp == null) {
      return false;
    }
    try {
      return OffsetDateTime.parse(timestamp).toInstant().isBefore(before);
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static boolean runningWithIp(@Nullable Pod pod) {
    return pod != null
        && pod.getStatus() != null
        && "Running".equals(pod.getStatus().getPhase())
        && pod.getStatus().getPodIP() != null
        && !pod.getStatus().getPodIP().isEmpty();
  }

  private static boolean ended(@Nullable Pod pod) {
    if (pod == null || pod.getStatus() == null) {
      return false;
    }
    String phase = pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase) || exitCode(pod) != null;
  }

  private static @Nullable Integer exitCode(@Nullable Pod pod) {
    if (pod == null || pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return null;
    }
    for (ContainerStatus status : pod.getStatus().getContainerStatuses()) {
      ContainerState state = status.getState();
      ContainerStateTerminated terminated = state == null ? null : state.getTerminated();
      if (terminated != null) {
        return terminated.getExitCode();
      }
    }
    return null;
  }

  private static String describe(@Nullable Pod pod) {
    if (pod == null || pod.getStatus() == null) {
      return "no status";
    }
    StringBuilder text = new StringBuilder("phase ").append(pod.getStatus().getPhase());
    if (pod.getStatus().getContainerStatuses() != null) {
      for (ContainerStatus status : pod.getStatus().getContainerStatuses()) {
        ContainerState state = status.getState();
        if (state != null && state.getWaiting() != null) {
          text.append(", waiting: ").append(state.getWaiting().getReason());
        } else if (state != null && state.getTerminated() != null) {
          text.append(", exit code ").append(state.getTerminated().getExitCode());
        }
      }
    }
    return text.toString();
  }
}
