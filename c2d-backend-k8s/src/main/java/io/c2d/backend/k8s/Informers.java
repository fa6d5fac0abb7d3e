package io.c2d.backend.k8s;

import io.c2d.model.JobId;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The informers on the pods and Jobs with the c2d labels, started on first need: every object they
 * see added or updated goes to its sink on the event thread (no polling). Their caches also tell
 * when the cluster has confirmed that a job's objects are gone.
 *
 * <p>Thread-safe.
 */
final class Informers {
  private final Cluster cluster;
  private final BackendThreads threads;
  private final Consumer<Pod> pods;
  private final Consumer<Job> jobs;
  private final Object lock = new Object();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  Informers(Cluster cluster, BackendThreads threads, Consumer<Pod> pods, Consumer<Job> jobs) {
    this.cluster = cluster;
    this.threads = threads;
    this.pods = pods;
    this.jobs = jobs;
  }

  /** Starts the informers unless they run; returns once their watches are open (at most 10 s). */
  void ensureStarted() {
    synchronized (lock) {
      if (!informers.isEmpty()) {
        return;
      }
      KubernetesClient client = cluster.client();
      String namespace = cluster.namespace();
      long resync = Duration.ofMinutes(5).toMillis();
      informers.add(
          client
              .pods()
              .inNamespace(namespace)
              .withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER)
              .inform(new Handler<>(pods), resync));
      informers.add(
          client
              .batch()
              .v1()
              .jobs()
              .inNamespace(namespace)
              .withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER)
              .inform(new Handler<>(jobs), resync));
      // inform() returns once the first list is in; a watch opened later would miss what changed
      // in between on servers that do not replay from the list's resourceVersion (fabric8's mock
      // server), so wait, boundedly, until both watches are open.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!informers.stream().allMatch(SharedIndexInformer::isWatching)
          && System.nanoTime() < deadline) {
        LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
      }
    }
  }

  /**
   * Waits, at most {@link BackendThreads#CLOSE_GRACE}, until the informers no longer hold the job's
   * Job and pods, so that a stop or delete completes once the cluster has confirmed it.
   */
  void awaitGone(JobId id) {
    long deadline = System.nanoTime() + BackendThreads.CLOSE_GRACE.toNanos();
    while (System.nanoTime() < deadline && stillCached(id)) {
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }

  private boolean stillCached(JobId id) {
    synchronized (lock) {
      for (SharedIndexInformer<?> informer : informers) {
        for (Object o : informer.getStore().list()) {
          if (o instanceof HasMetadata object
              && object.getMetadata().getLabels() != null
              && id.value().equals(object.getMetadata().getLabels().get(ObjectNames.JOB_ID))) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** Stops the informers. */
  void close() {
    synchronized (lock) {
      informers.forEach(SharedIndexInformer::close);
      informers.clear();
    }
  }

  /** Hands every added or updated object to the event thread. */
  private final class Handler<T> implements ResourceEventHandler<T> {
    private final Consumer<T> sink;

    Handler(Consumer<T> sink) {
      this.sink = sink;
    }

    @Override
    public void onAdd(T obj) {
      threads.post(() -> sink.accept(obj));
    }

    @Override
    public void onUpdate(T oldObj, T newObj) {
      threads.post(() -> sink.accept(newObj));
    }

    @Override
    public void onDelete(T obj, boolean deletedFinalStateUnknown) {}
  }
}
