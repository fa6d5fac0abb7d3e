package io.c2d.backend.k8s;

import io.c2d.ErrorCode;
import io.c2d.UnavailableException;
import io.c2d.model.JobId;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ScalableResource;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The API server, as the backend talks to it: one client, one namespace, and the calls that more
 * than one part makes, with the retry rule every idempotent call follows ({@link #retrying}: at
 * most {@value #MAX_ATTEMPTS} attempts, on top of the client's own retries, never the same failure
 * retried by both; what still fails is an {@link UnavailableException}).
 *
 * <p>Thread-safe (the client is); calls block.
 */
final class Cluster {
  private static final int MAX_ATTEMPTS = 5;

  private final KubernetesClient client;
  private final String namespace;

  /** Whether the client retries 5xx, 429 and I/O failures itself (fabric8 does by default). */
  private final boolean clientRetries;

  Cluster(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
    Integer limit = client.getConfiguration().getRequestRetryBackoffLimit();
    this.clientRetries = limit != null && limit != 0;
  }

  KubernetesClient client() {
    return client;
  }

  String namespace() {
    return namespace;
  }

  /** The job's pods, retried. */
  List<Pod> podsOf(JobId id) {
    return retrying(
        "listing the pods of " + id,
        () ->
            client
                .pods()
                .inNamespace(namespace)
                .withLabel(ObjectNames.JOB_ID, id.value())
                .list()
                .getItems());
  }

  /** The job's Job, or null if there is none; one attempt. */
  @Nullable Job job(JobId id) {
    return jobOf(id).get();
  }

  /** The job's Job, to read or change (whether or not it exists). */
  ScalableResource<Job> jobOf(JobId id) {
    return client.batch().v1().jobs().inNamespace(namespace).withName(ObjectNames.of(id).job());
  }

  void deleteJob(JobId id, DeletionPropagation propagation) {
    jobOf(id).withPropagationPolicy(propagation).delete();
  }

  /** Deletes the job's pods by label (also where no garbage collector removes them). */
  void deletePods(JobId id) {
    client.pods().inNamespace(namespace).withLabel(ObjectNames.JOB_ID, id.value()).delete();
  }

  /** The log of one container of a pod; empty if it has none. */
  String podLog(String podName, String container) {
    String text =
        client.pods().inNamespace(namespace).withName(podName).inContainer(container).getLog();
    return text == null ? "" : text;
  }

  /**
   * Creates an object; an object that already exists (a retry after a lost response) is adopted.
   */
  void createOrAdopt(String what, Supplier<?> create) {
    retrying(
        "creating " + what,
        () -> {
          try {
            return create.get();
          } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
              return null;
            }
            throw e;
          }
        });
  }

  /**
   * Runs an idempotent API call, retrying it on 5xx, 429, I/O failures and timeouts, except what
   * the client already retried: fabric8 retries the first three itself ({@code
   * requestRetryBackoffLimit} times, about 19 s with its defaults), and retrying those again
   * multiplied every call against an unreachable API server to about 97 s.
   */
  <T> T retrying(String what, Supplier<T> call) {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (KubernetesClientException e) {
        if (!worthRetrying(e, clientRetries) || attempt >= MAX_ATTEMPTS) {
          throw new UnavailableException(
              ErrorCode.BACKEND_FAILURE,
              what + " failed (HTTP " + e.getCode() + "): " + e.getMessage(),
              e);
        }
        LockSupport.parkNanos(Duration.ofMillis(50L << attempt).toNanos());
      }
    }
  }

  /**
   * Whether a failed call may succeed if sent again by this side: a timeout always (no client
   * retries it: the Vert.x client's is no {@link IOException}); throttling, a server error or an
   * I/O failure only when the client does not retry them itself.
   */
  static boolean worthRetrying(KubernetesClientException e, boolean clientRetries) {
    int code = e.getCode();
    boolean timeout = code <= 0 && !(e.getCause() instanceof IOException);
    boolean clientRetried = code == 429 || code >= 500 || e.getCause() instanceof IOException;
    return timeout || (clientRetried && !clientRetries);
  }
}
