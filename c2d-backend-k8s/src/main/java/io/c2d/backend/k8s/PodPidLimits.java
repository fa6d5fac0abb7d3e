package io.c2d.backend.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says which process limit holds a job's pod: the kubelet's pod PID limit ({@code podPidsLimit},
 * flag {@code --pod-max-pids}), read from the kubelet's live configuration through the API server
 * ({@code GET /api/v1/nodes/<node>/proxy/configz}, which needs {@code nodes/proxy get}). Kubernetes
 * has no per-pod field for it: without it a fork bomb takes the node's process table, so production
 * clusters must set it. Where the configuration cannot be read the line says so.
 *
 * <p>One read per node for the life of this object. Thread-safe; {@link #describe} blocks on the
 * API server the first time a node is asked about and never throws.
 */
final class PodPidLimits {
  private static final Logger log = LoggerFactory.getLogger(PodPidLimits.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Cluster cluster;
  private final ConcurrentMap<String, String> byNode = new ConcurrentHashMap<>();

  PodPidLimits(Cluster cluster) {
    this.cluster = cluster;
  }

  /** A line for the configuration log: the pod PID limit on node {@code node}. */
  String describe(String node) {
    return byNode.computeIfAbsent(node, this::read);
  }

  private String read(String node) {
    String path =
        "/api/v1/nodes/" + URLEncoder.encode(node, StandardCharsets.UTF_8) + "/proxy/configz";
    try {
      String body = cluster.client().raw(path);
      if (body == null) {
        return unknown(node, "no kubelet configuration at " + path);
      }
      JsonNode limit = JSON.readTree(body).path("kubeletconfig").path("podPidsLimit");
      if (!limit.canConvertToLong()) {
        return unknown(node, "the kubelet's configuration names no podPidsLimit");
      }
      long pids = limit.asLong();
      if (pids <= 0) {
        return "processes: NO pod PID limit on node "
            + node
            + " (the kubelet's podPidsLimit is "
            + pids
            + "): a fork bomb can exhaust the node's process table; set the kubelet's"
            + " podPidsLimit (--pod-max-pids)";
      }
      return "processes: at most "
          + pids
          + " in the pod (the kubelet's podPidsLimit on node "
          + node
          + ")";
    } catch (IOException | RuntimeException e) {
      log.debug("reading the kubelet configuration of node {} failed", node, e);
      return unknown(node, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private static String unknown(String node, String why) {
    return "processes: the pod PID limit of node "
        + node
        + " is unknown ("
        + why
        + "; reading it needs nodes/proxy get); clusters running untrusted algorithms must set"
        + " the kubelet's podPidsLimit (--pod-max-pids)";
  }
}
