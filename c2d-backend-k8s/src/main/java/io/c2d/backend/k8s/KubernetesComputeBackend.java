package io.c2d.backend.k8s;

import static java.util.Objects.requireNonNull;

import io.c2d.ErrorCode;
import io.c2d.NotFoundException;
import io.c2d.UnavailableException;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.DatasetInput;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ComputeBackend} on Kubernetes: each job is a {@code batch/v1} Job whose pod stages the
 * inputs, runs the algorithm and publishes the outputs, closed by the Pod Security Standards'
 * "restricted" profile and a NetworkPolicy; the job's state lives in the cluster.
 *
 * <h2>Objects per job</h2>
 *
 * Named by {@link ObjectNames} from the job id, and labelled with its labels:
 *
 * <ul>
 *   <li>a Secret with the spec as JSON ({@code spec.json}), the inputs' and algorithm's content
 *       (staged by this backend: at most {@value #MAX_STAGED_BYTES} bytes in all, {@code file:} and
 *       {@code data:} URIs) and, once the job has ended, its final state in the annotation {@code
 *       c2d.io/state};
 *   <li>a NetworkPolicy denying all ingress, and all egress unless the job may use the network;
 *   <li>a Job ({@code backoffLimit 0}, {@code activeDeadlineSeconds} from the job's maximum
 *       duration, {@code ttlSecondsAfterFinished}) whose pod runs the init containers {@code
 *       stage-data}, {@code stage-algorithm} and {@code algorithm} in order, then the container
 *       {@code publish}, which prints the outputs (and the files the algorithm left in {@code
 *       /data/logs}) to its log. The backend reads that log through the API server and writes the
 *       results below its result directory.
 * </ul>
 *
 * <p><b>Results.</b> The outputs ({@code OUTPUT}, at most the environment's {@code maxOutputBytes}
 * in all); {@code algorithm.log} (the algorithm container's log), {@code configuration.log} (the
 * staging containers' logs), the algorithm's own files of {@code /data/logs} as {@code logs/<name>}
 * ({@code ALGORITHM_LOG}, at most {@code maxLogBytes} in all), and {@code publish.log}, what the
 * backend collected and cut. Anything cut or dropped at a cap makes the job {@code
 * COMPLETED_TRUNCATED}, saying what in its detail.
 *
 * <p><b>Placement.</b> Each environment's pods get the {@link Placement} given for it (or the
 * default one): RuntimeClass, node selector, tolerations, and the extended resource GPUs are
 * requested as; requests always equal limits.
 *
 * <p>Status comes from informers on the pods and Jobs with the c2d labels (no polling): a failing
 * {@code stage-data} is {@code DATA_PROVISIONING_FAILED} (31), a failing {@code stage-algorithm} or
 * an image that still cannot be pulled after the image-pull timeout is {@code
 * ALGORITHM_PROVISIONING_FAILED} (32), {@code OOMKilled} is {@code OUT_OF_MEMORY}, the Job's {@code
 * DeadlineExceeded} is {@code TIMED_OUT}, any other non-zero exit is {@code ALGORITHM_FAILED} with
 * the exit code.
 *
 * <p>We never close a client we did not create: a client handed to {@link Builder#client} stays
 * open when this backend closes.
 *
 * <p>Thread-safe. Status reports of all jobs go to the listeners from one event thread. Methods
 * never return null; failures are reported in the returned stages ({@link UnavailableException}
 * when the API server cannot be reached, {@link NotFoundException} for unknown results).
 */
public final class KubernetesComputeBackend implements ComputeBackend {
  /** The most content the backend stages into a job's Secret: {@value} bytes. */
  public static final long MAX_STAGED_BYTES = 700L * 1024;

  /** The default image of the staging and publishing steps: {@value}. */
  public static final String DEFAULT_HELPER_IMAGE = "busybox:1.36.1";

  private static final Logger log = LoggerFactory.getLogger(KubernetesComputeBackend.class);
  private static final int MAX_ATTEMPTS = 5;
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
  private static final String OUTPUTS = "outputs";
  private static final String LOGS = "logs";

  private final KubernetesClient client;
  private final boolean ownsClient;
  private final String namespace;
  private final List<ComputeEnvironment> environments;
  private final Path resultRoot;
  private final Clock clock;
  private final Duration imagePullTimeout;
  private final Duration ttlAfterFinished;

  /**
   * Whether this backend removes finished Jobs itself, because the API server dropped their {@code
   * ttlSecondsAfterFinished} (Kubernetes before 1.21 has it behind a feature gate that is off by
   * default); learnt from the first Job the server returns.
   */
  private volatile boolean removesFinishedJobs;

  private final String helperImage;
  private final Placement defaultPlacement;
  private final Map<String, Placement> placements;
  private final ScheduledExecutorService events;
  private final ExecutorService io;
  private final Map<JobId, Tracked> jobs = new ConcurrentHashMap<>();
  private final Object informerLock = new Object();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  private KubernetesComputeBackend(Builder b, KubernetesClient client, boolean ownsClient) {
    this.client = client;
    this.ownsClient = ownsClient;
    String ns = b.namespace != null ? b.namespace : client.getNamespace();
    this.namespace = ns != null ? ns : "default";
    this.environments = List.copyOf(b.environments);
    this.resultRoot = requireNonNull(b.resultRoot, "resultRoot").toAbsolutePath().normalize();
    this.clock = b.clock;
    this.imagePullTimeout = b.imagePullTimeout;
    this.ttlAfterFinished = b.ttlAfterFinished;
    this.helperImage = b.helperImage;
    this.defaultPlacement = b.defaultPlacement;
    this.placements = Map.copyOf(b.placements);
    AtomicInteger ioThreads = new AtomicInteger();
    ScheduledThreadPoolExecutor events =
        new ScheduledThreadPoolExecutor(1, r -> daemon(r, "c2d-k8s-events-" + namespace));
    // what waits on the clock (a finished Job's removal, an image pull's time limit) is found
    // again by the next instance's recovery and informers: close drops it rather than wait for it
    events.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    events.setRemoveOnCancelPolicy(true);
    this.events = events;
    this.io =
        Executors.newCachedThreadPool(
            r -> daemon(r, "c2d-k8s-io-" + namespace + "-" + ioThreads.incrementAndGet()));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread thread = new Thread(r, name);
    thread.setDaemon(true);
    return thread;
  }

  /** A builder; a namespace, result directory and at least one environment are needed. */
  public static Builder builder() {
    return new Builder();
  }

  /** The namespace the jobs run in. */
  public String namespace() {
    return namespace;
  }

  @Override
  public List<ComputeEnvironment> environments() {
    return environments;
  }

  @Override
  public CompletionStage<Void> submit(JobSpec spec, BackendListener listener) {
    requireNonNull(spec, "spec");
    requireNonNull(listener, "listener");
    return CompletableFuture.runAsync(() -> doSubmit(spec, listener), io);
  }

  @Override
  public CompletionStage<Void> stop(JobId id) {
    requireNonNull(id, "id");
    return CompletableFuture.runAsync(
        () -> {
          Tracked t = jobs.get(id);
          if (t == null || t.state.status().isTerminal()) {
            return;
          }
          t.stopping = true;
          deleteJob(id, DeletionPropagation.FOREGROUND);
          // Foreground propagation has the garbage collector remove the pod first; deleting it by
          // label as well also covers clusters (and mock servers) with no garbage collector.
          client.pods().inNamespace(namespace).withLabel(ObjectNames.JOB_ID, id.value()).delete();
          awaitGone(id);
          BackendJobState stopped =
              new BackendJobState(
                  id, JobStatus.STOPPED, null, "stopped on request", List.of(), clock.instant());
          CompletableFuture.runAsync(() -> terminate(t, stopped), events).join();
        },
        io);
  }

  @Override
  public CompletionStage<Void> delete(JobId id) {
    requireNonNull(id, "id");
    return CompletableFuture.runAsync(
        () -> {
          Tracked t = jobs.remove(id);
          if (t != null) {
            t.stopping = true;
          }
          ObjectNames names = ObjectNames.of(id);
          retrying(
              "deleting the objects of job " + id,
              () -> {
                deleteJob(id, DeletionPropagation.FOREGROUND);
                client
                    .pods()
                    .inNamespace(namespace)
                    .withLabel(ObjectNames.JOB_ID, id.value())
                    .delete();
                client
                    .network()
                    .v1()
                    .networkPolicies()
                    .inNamespace(namespace)
                    .withName(names.networkPolicy())
                    .delete();
                client.secrets().inNamespace(namespace).withName(names.spec()).delete();
                return null;
              });
          awaitGone(id);
          deleteTree(resultRoot.resolve(id.value()));
          if (t != null) {
            // The engine frees the job's capacity on its end: a deleted running job ends STOPPED.
            // Not recorded in the cluster: the Secret that would hold it is gone.
            BackendJobState deleted =
                new BackendJobState(
                    id, JobStatus.STOPPED, null, "deleted on request", List.of(), clock.instant());
            CompletableFuture.runAsync(
                    () -> {
                      if (!t.state.status().isTerminal()) {
                        t.state = deleted;
                        emit(t, deleted);
                      }
                    },
                    events)
                .join();
          }
        },
        io);
  }

  @Override
  public CompletionStage<List<RecoveredJob>> recover(BackendListener listener) {
    requireNonNull(listener, "listener");
    return CompletableFuture.supplyAsync(() -> doRecover(listener), io);
  }

  @Override
  public CompletionStage<InputStream> openResult(JobId id, JobResult result) {
    requireNonNull(id, "id");
    requireNonNull(result, "result");
    return CompletableFuture.supplyAsync(
        () -> {
          Path jobDir = resultRoot.resolve(id.value());
          if (!jobs.containsKey(id) && !Files.isDirectory(jobDir)) {
            throw new NotFoundException(ErrorCode.JOB_NOT_FOUND, "no job " + id);
          }
          Path area = jobDir.resolve(result.kind() == ResultKind.OUTPUT ? OUTPUTS : LOGS);
          Path file = area.resolve(JobResult.checkName(result.name())).normalize();
          try {
            if (!file.startsWith(area)) {
              throw new NoSuchFileException(result.name());
            }
            return Files.newInputStream(file);
          } catch (IOException e) {
            throw new NotFoundException(
                ErrorCode.RESULT_NOT_FOUND,
                "job " + id + " has no " + result.kind() + " result " + result.name(),
                e);
          }
        },
        io);
  }

  /**
   * Stops the informers and threads (waiting up to 5 seconds for calls under way, not for what
   * waits on the clock: a finished Job's removal or an image pull's time limit, which the next
   * instance finds again), and closes the client if this backend created it. Running jobs keep
   * running in the cluster.
   */
  @Override
  public void close() {
    // Let calls under way (a finished job's clean-up) end rather than cut them mid-request.
    events.shutdown();
    io.shutdown();
    try {
      if (!io.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)
          || !events.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("Kubernetes backend threads still busy after {}; interrupting them", CLOSE_GRACE);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    events.shutdownNow();
    io.shutdownNow();
    synchronized (informerLock) {
      informers.forEach(SharedIndexInformer::close);
      informers.clear();
    }
    if (ownsClient) {
      client.close();
    }
  }

  // ---------------------------------------------------------------- submit and recover

  private void doSubmit(JobSpec spec, BackendListener listener) {
    JobId id = spec.jobId();
    Tracked fresh =
        new Tracked(spec, listener, BackendJobState.of(id, JobStatus.WARMING_UP, clock.instant()));
    Tracked known = jobs.putIfAbsent(id, fresh);
    if (known != null) {
      known.listener = listener;
      events.execute(() -> emit(known, known.state));
      return;
    }
    try {
      ensureInformers();
      ObjectNames names = ObjectNames.of(id);
      Secret existing =
          retrying(
              "reading the Secret of job " + id,
              () -> client.secrets().inNamespace(namespace).withName(names.spec()).get());
      if (existing != null) {
        String stateJson = annotation(existing, Manifests.STATE_ANNOTATION);
        if (stateJson != null) {
          BackendJobState state = BackendJobState.fromJson(stateJson);
          fresh.state = state;
          events.execute(() -> emit(fresh, state));
          return;
        }
      } else {
        Map<String, byte[]> staged;
        try {
          staged = stage(spec);
        } catch (IOException | RuntimeException e) {
          BackendJobState failed =
              new BackendJobState(
                  id,
                  JobStatus.DATA_PROVISIONING_FAILED,
                  null,
                  "staging the inputs failed: " + e.getMessage(),
                  List.of(),
                  clock.instant());
          Secret record = withState(Manifests.secret(spec, Map.of()), failed);
          createOrAdopt(
              "Secret " + names.spec(),
              () -> client.secrets().inNamespace(namespace).resource(record).create());
          fresh.state = failed;
          events.execute(() -> emit(fresh, failed));
          return;
        }
        Secret secret = Manifests.secret(spec, staged);
        createOrAdopt(
            "Secret " + names.spec(),
            () -> client.secrets().inNamespace(namespace).resource(secret).create());
      }
      createChildren(spec);
      events.execute(() -> reconcile(fresh));
    } catch (RuntimeException e) {
      jobs.remove(id, fresh);
      throw e;
    }
  }

  private void createChildren(JobSpec spec) {
    ObjectNames names = ObjectNames.of(spec.jobId());
    createOrAdopt(
        "NetworkPolicy " + names.networkPolicy(),
        () ->
            client
                .network()
                .v1()
                .networkPolicies()
                .inNamespace(namespace)
                .resource(Manifests.networkPolicy(spec))
                .create());
    Job job = Manifests.job(spec, settings(spec));
    createOrAdopt(
        "Job " + names.job(),
        () -> {
          Job created = client.batch().v1().jobs().inNamespace(namespace).resource(job).create();
          learnTtlSupport(created);
          return created;
        });
  }

  private void learnTtlSupport(@Nullable Job fromServer) {
    if (fromServer != null
        && fromServer.getSpec() != null
        && fromServer.getSpec().getTtlSecondsAfterFinished() == null
        && !removesFinishedJobs) {
      removesFinishedJobs = true;
      log.info(
          "the API server dropped ttlSecondsAfterFinished (feature gate off, Kubernetes < 1.21):"
              + " this backend removes finished Jobs of namespace {} itself after {}",
          namespace,
          ttlAfterFinished);
    }
  }

  /**
   * Removes the finished Job (and, through the garbage collector, its pod) once its time to live
   * has passed since {@code end}, where the cluster does not. The Secret, with the job's end and
   * spec, stays until {@link #delete}.
   */
  private void removeFinishedJobLater(JobId id, Instant end) {
    if (!removesFinishedJobs) {
      return;
    }
    Duration left = Duration.between(clock.instant(), end.plus(ttlAfterFinished));
    var unused =
        events.schedule(
            () ->
                io.execute(
                    () -> {
                      try {
                        deleteJob(id, DeletionPropagation.BACKGROUND);
                      } catch (RuntimeException e) {
                        log.warn("could not remove the finished Job of {}", id, e);
                      }
                    }),
            Math.max(0, left.toMillis()),
            TimeUnit.MILLISECONDS);
  }

  private Manifests.Settings settings(JobSpec spec) {
    ComputeEnvironment env = environment(spec.environmentId());
    return new Manifests.Settings(
        helperImage,
        env.maxOutputBytes(),
        env.maxLogBytes(),
        ttlAfterFinished.toSeconds(),
        placements.getOrDefault(env.id(), defaultPlacement),
        spec.algorithm().rawCode().isPresent() || !spec.algorithm().files().isEmpty());
  }

  private ComputeEnvironment environment(String id) {
    for (ComputeEnvironment env : environments) {
      if (env.id().equals(id)) {
        return env;
      }
    }
    return environments.get(0);
  }

  private List<RecoveredJob> doRecover(BackendListener listener) {
    ensureInformers();
    List<Secret> secrets =
        retrying(
            "listing the jobs in namespace " + namespace,
            () ->
                client
                    .secrets()
                    .inNamespace(namespace)
                    .withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER)
                    .list()
                    .getItems());
    Map<String, Job> jobsByName = new HashMap<>();
    for (Job job :
        retrying(
            "listing the Jobs in namespace " + namespace,
            () ->
                client
                    .batch()
                    .v1()
                    .jobs()
                    .inNamespace(namespace)
                    .withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER)
                    .list()
                    .getItems())) {
      jobsByName.put(job.getMetadata().getName(), job);
    }
    List<RecoveredJob> recovered = new ArrayList<>();
    for (Secret secret : secrets) {
      JobSpec spec;
      try {
        spec = JobSpec.fromJson(decode(secret, Manifests.SPEC_KEY));
      } catch (RuntimeException e) {
        log.warn("Secret {} has no readable job spec; skipped", secret.getMetadata().getName(), e);
        continue;
      }
      JobId id = spec.jobId();
      Tracked t =
          jobs.computeIfAbsent(
              id,
              k ->
                  new Tracked(
                      spec,
                      listener,
                      BackendJobState.of(id, JobStatus.WARMING_UP, clock.instant())));
      t.listener = listener;
      String stateJson = annotation(secret, Manifests.STATE_ANNOTATION);
      if (stateJson != null) {
        t.state = BackendJobState.fromJson(stateJson);
        Job finished = jobsByName.get(ObjectNames.of(id).job());
        learnTtlSupport(finished);
        if (finished != null) {
          removeFinishedJobLater(id, t.state.at());
        }
      } else if (!t.state.status().isTerminal()) {
        Job job =
            retrying(
                "reading Job of " + id,
                () ->
                    client
                        .batch()
                        .v1()
                        .jobs()
                        .inNamespace(namespace)
                        .withName(ObjectNames.of(id).job())
                        .get());
        if (job == null) {
          BackendJobState lost =
              new BackendJobState(
                  id,
                  JobStatus.FAILED,
                  null,
                  "the job's Kubernetes Job is gone and no end was recorded (never created, or"
                      + " removed by its ttlSecondsAfterFinished while no backend ran)",
                  List.of(),
                  clock.instant());
          CompletableFuture.runAsync(() -> terminate(t, lost), events).join();
        } else {
          for (Pod pod : podsOf(id)) {
            PodObservation seen = PodObservation.of(pod);
            if (seen.kind() == PodObservation.Kind.PROGRESS
                && t.state.status().canMoveTo(seen.status())) {
              t.state = BackendJobState.of(id, seen.status(), clock.instant());
            }
          }
          events.execute(() -> reconcile(t));
        }
      }
      recovered.add(new RecoveredJob(t.spec, t.state));
    }
    return List.copyOf(recovered);
  }

  private List<Pod> podsOf(JobId id) {
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

  private Map<String, byte[]> stage(JobSpec spec) throws IOException {
    Map<String, byte[]> staged = new LinkedHashMap<>();
    long total = 0;
    List<DatasetInput> datasets = spec.datasets();
    for (int d = 0; d < datasets.size(); d++) {
      List<URI> files = datasets.get(d).files();
      for (int n = 0; n < files.size(); n++) {
        byte[] content = read(files.get(n));
        total += content.length;
        staged.put(Manifests.inputKey(d, n), content);
      }
    }
    byte[] code =
        spec.algorithm().rawCode().map(c -> c.getBytes(StandardCharsets.UTF_8)).orElse(null);
    if (code == null && !spec.algorithm().files().isEmpty()) {
      code = read(spec.algorithm().files().get(0));
    }
    if (code != null) {
      total += code.length;
      staged.put(Manifests.ALGORITHM_KEY, code);
    }
    if (total > MAX_STAGED_BYTES) {
      throw new IOException(
          "the inputs and algorithm are "
              + total
              + " bytes, over the Kubernetes backend's staging limit of "
              + MAX_STAGED_BYTES
              + " bytes");
    }
    return staged;
  }

  private static byte[] read(URI uri) throws IOException {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    return switch (scheme) {
      case "file" -> Files.readAllBytes(Path.of(uri));
      case "data" -> {
        String ssp = uri.getSchemeSpecificPart();
        int comma = ssp.indexOf(',');
        if (comma < 0) {
          throw new IOException("malformed data URI");
        }
        String body = ssp.substring(comma + 1);
        yield ssp.substring(0, comma).endsWith(";base64")
            ? Base64.getDecoder().decode(body)
            : body.getBytes(StandardCharsets.UTF_8);
      }
      default ->
          throw new IOException(
              "the Kubernetes backend stages only file: and data: inputs, not " + scheme + ":");
    };
  }

  // ---------------------------------------------------------------- status (event thread)

  private void ensureInformers() {
    synchronized (informerLock) {
      if (!informers.isEmpty()) {
        return;
      }
      long resync = Duration.ofMinutes(5).toMillis();
      informers.add(
          client
              .pods()
              .inNamespace(namespace)
              .withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER)
              .inform(new Handler<>(this::onPod), resync));
      informers.add(
          client
              .batch()
              .v1()
              .jobs()
              .inNamespace(namespace)
              .withLabel(ObjectNames.MANAGED_BY, ObjectNames.MANAGER)
              .inform(new Handler<>(this::onJob), resync));
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

  /** Hands every added or updated object to the event thread. */
  private final class Handler<T> implements ResourceEventHandler<T> {
    private final Consumer<T> sink;

    Handler(Consumer<T> sink) {
      this.sink = sink;
    }

    @Override
    public void onAdd(T obj) {
      post(() -> sink.accept(obj));
    }

    @Override
    public void onUpdate(T oldObj, T newObj) {
      post(() -> sink.accept(newObj));
    }

    @Override
    public void onDelete(T obj, boolean deletedFinalStateUnknown) {}
  }

  private void post(Runnable task) {
    try {
      events.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.debug("event after close dropped", e);
    }
  }

  private @Nullable Tracked trackedOf(@Nullable Map<String, String> labels) {
    String id = labels == null ? null : labels.get(ObjectNames.JOB_ID);
    if (id == null) {
      return null;
    }
    Tracked t = jobs.get(JobId.of(id));
    return t == null || t.stopping || t.finishing || t.state.status().isTerminal() ? null : t;
  }

  private void reconcile(Tracked t) {
    for (Pod pod : podsOf(t.spec.jobId())) {
      onPod(pod);
    }
    Job job =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(namespace)
            .withName(ObjectNames.of(t.spec.jobId()).job())
            .get();
    if (job != null) {
      onJob(job);
    }
  }

  private void onJob(Job job) {
    Tracked t = trackedOf(job.getMetadata().getLabels());
    if (t == null) {
      return;
    }
    PodObservation seen = PodObservation.of(job);
    if (seen.kind() == PodObservation.Kind.FAILED) {
      finish(t, seen, null);
    }
  }

  private void onPod(Pod pod) {
    Tracked t = trackedOf(pod.getMetadata().getLabels());
    if (t == null) {
      return;
    }
    PodObservation seen = PodObservation.of(pod);
    switch (seen.kind()) {
      case NONE -> {}
      case PROGRESS -> {
        t.pullingSince = null;
        advance(t, seen.status());
      }
      case PULL_FAILING -> {
        if (t.pullingSince == null) {
          Instant since = clock.instant();
          t.pullingSince = since;
          @SuppressWarnings("FutureReturnValueIgnored") // nothing to wait for: it reports itself
          Object unused =
              events.schedule(
                  () -> {
                    if (since.equals(t.pullingSince) && !t.finishing && !t.stopping) {
                      finish(
                          t,
                          PodObservation.failed(
                              JobStatus.ALGORITHM_PROVISIONING_FAILED,
                              null,
                              seen.detail() + ", still after " + imagePullTimeout),
                          pod);
                    }
                  },
                  imagePullTimeout.toNanos(),
                  TimeUnit.NANOSECONDS);
        }
      }
      case FAILED -> finish(t, seen, pod);
      case SUCCEEDED -> finish(t, seen, pod);
    }
  }

  private void advance(Tracked t, JobStatus status) {
    if (t.state.status().canMoveTo(status)) {
      BackendJobState next = BackendJobState.of(t.spec.jobId(), status, clock.instant());
      t.state = next;
      emit(t, next);
    }
  }

  /** Collects logs (and outputs on success) off the event thread, then reports the end. */
  private void finish(Tracked t, PodObservation seen, @Nullable Pod pod) {
    t.finishing = true;
    io.execute(
        () -> {
          BackendJobState end = collect(t, seen, pod);
          post(() -> terminate(t, end));
        });
  }

  private BackendJobState collect(Tracked t, PodObservation seen, @Nullable Pod pod) {
    JobId id = t.spec.jobId();
    Path jobDir = resultRoot.resolve(id.value());
    ComputeEnvironment env = environment(t.spec.environmentId());
    List<JobResult> results = new ArrayList<>();
    List<String> cuts = new ArrayList<>();
    StringBuilder notes = new StringBuilder();
    JobStatus status = seen.status();
    String detail = seen.detail();
    note(notes, "collecting the results of job " + id + " (" + seen.status() + ")");
    if (pod != null) {
      String podName = pod.getMetadata().getName();
      writeLog(
          jobDir,
          "algorithm.log",
          ResultKind.ALGORITHM_LOG,
          env,
          results,
          cuts,
          podName,
          Manifests.ALGORITHM);
      writeLog(
          jobDir,
          "configuration.log",
          ResultKind.CONFIGURATION_LOG,
          env,
          results,
          cuts,
          podName,
          Manifests.STAGE_DATA,
          Manifests.STAGE_ALGORITHM);
      try {
        if (seen.kind() == PodObservation.Kind.SUCCEEDED) {
          String published = podLog(podName, Manifests.PUBLISH);
          ResultStream.Decoded decoded =
              ResultStream.decode(
                  published,
                  jobDir.resolve(OUTPUTS),
                  env.maxOutputBytes(),
                  jobDir.resolve(LOGS),
                  env.maxLogBytes());
          for (JobResult r : decoded.results()) {
            results.add(r);
            note(notes, "collected " + r.kind() + " " + r.name() + " (" + r.size() + " bytes)");
          }
          cuts.addAll(decoded.cuts());
          status = JobStatus.COMPLETED;
        }
      } catch (IOException | RuntimeException e) {
        log.warn("reading the results of job {} failed", id, e);
        status = JobStatus.RESULTS_FETCH_FAILED;
        detail = "reading the publish step's log failed: " + e.getMessage();
        note(notes, detail);
      }
    } else {
      note(notes, "no pod to collect from: " + (detail == null ? "" : detail));
    }
    cuts.forEach(cut -> note(notes, cut));
    if (status == JobStatus.COMPLETED && !cuts.isEmpty()) {
      status = JobStatus.COMPLETED_TRUNCATED;
      detail = "cut or dropped at a cap: " + String.join("; ", cuts);
    }
    note(notes, "ends as " + status + (detail == null ? "" : ": " + detail));
    writeText(jobDir, "publish.log", ResultKind.PUBLISH_LOG, env, results, notes.toString());
    List<JobResult> indexed = new ArrayList<>();
    for (JobResult r : results) {
      indexed.add(new JobResult(r.name(), r.kind(), r.size(), indexed.size()));
    }
    return new BackendJobState(id, status, seen.exitCode(), detail, indexed, clock.instant());
  }

  private void note(StringBuilder notes, String line) {
    notes.append(clock.instant()).append(' ').append(line).append('\n');
  }

  /** Writes the logs of {@code containers}, capped; a cut is added to {@code cuts}. */
  private void writeLog(
      Path jobDir,
      String name,
      ResultKind kind,
      ComputeEnvironment env,
      List<JobResult> results,
      List<String> cuts,
      String podName,
      String... containers) {
    StringBuilder text = new StringBuilder();
    for (String container : containers) {
      try {
        text.append(podLog(podName, container));
      } catch (KubernetesClientException e) {
        log.debug("no log of {} in pod {}", container, podName, e);
      }
    }
    long kept = writeText(jobDir, name, kind, env, results, text.toString());
    long size = text.toString().getBytes(StandardCharsets.UTF_8).length;
    if (kept >= 0 && kept < size) {
      cuts.add(name + " cut at " + kept + " of " + size + " bytes (the log cap)");
    }
  }

  /** Writes {@code text}, cut at the log cap; returns the bytes kept, or -1 if it failed. */
  private long writeText(
      Path jobDir,
      String name,
      ResultKind kind,
      ComputeEnvironment env,
      List<JobResult> results,
      String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > env.maxLogBytes()) {
      bytes = java.util.Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE, env.maxLogBytes()));
    }
    try {
      Path dir = Files.createDirectories(jobDir.resolve(LOGS));
      Files.write(dir.resolve(name), bytes);
      results.add(new JobResult(name, kind, bytes.length, results.size()));
      return bytes.length;
    } catch (IOException e) {
      log.warn("writing {} of {} failed", name, jobDir, e);
      return -1;
    }
  }

  private String podLog(String podName, String container) {
    String text =
        client.pods().inNamespace(namespace).withName(podName).inContainer(container).getLog();
    return text == null ? "" : text;
  }

  /**
   * Records the end in the cluster and reports it. Runs on the event thread. The finished Job and
   * its pod stay for {@code ttlSecondsAfterFinished} (for {@code kubectl logs}); the Secret, with
   * the spec and the end, stays until {@link #delete}.
   */
  private void terminate(Tracked t, BackendJobState end) {
    if (t.state.status().isTerminal()) {
      return;
    }
    t.state = end;
    JobId id = t.spec.jobId();
    try {
      retrying(
          "recording the end of job " + id,
          () ->
              client
                  .secrets()
                  .inNamespace(namespace)
                  .withName(ObjectNames.of(id).spec())
                  .edit(secret -> withState(secret, end)));
    } catch (RuntimeException e) {
      log.warn("could not record the end of job {} in the cluster", id, e);
    }
    emit(t, end);
    removeFinishedJobLater(id, end.at());
  }

  private void emit(Tracked t, BackendJobState state) {
    try {
      t.listener.onUpdate(state);
    } catch (RuntimeException e) {
      log.warn("listener of job {} threw", t.spec.jobId(), e);
    }
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Waits, at most {@link #CLOSE_GRACE}, until the informers no longer hold the job's Job and pods,
   * so that a stop or delete completes once the cluster has confirmed it.
   */
  private void awaitGone(JobId id) {
    long deadline = System.nanoTime() + CLOSE_GRACE.toNanos();
    while (System.nanoTime() < deadline && stillCached(id)) {
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }

  private boolean stillCached(JobId id) {
    synchronized (informerLock) {
      for (SharedIndexInformer<?> informer : informers) {
        for (Object o : informer.getStore().list()) {
          if (o instanceof io.fabric8.kubernetes.api.model.HasMetadata object
              && object.getMetadata().getLabels() != null
              && id.value().equals(object.getMetadata().getLabels().get(ObjectNames.JOB_ID))) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private void deleteJob(JobId id, DeletionPropagation propagation) {
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .withName(ObjectNames.of(id).job())
        .withPropagationPolicy(propagation)
        .delete();
  }

  private static Secret withState(Secret secret, BackendJobState state) {
    return new SecretBuilder(secret)
        .editMetadata()
        .addToAnnotations(Manifests.STATE_ANNOTATION, state.toJson())
        .endMetadata()
        .build();
  }

  private static @Nullable String annotation(Secret secret, String key) {
    Map<String, String> annotations = secret.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }

  private static String decode(Secret secret, String key) {
    Map<String, String> data = secret.getData();
    String value = data == null ? null : data.get(key);
    if (value == null) {
      throw new IllegalArgumentException("no " + key);
    }
    return new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
  }

  /**
   * Creates an object; an object that already exists (a retry after a lost response) is adopted.
   */
  private static void createOrAdopt(String what, java.util.function.Supplier<?> create) {
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

  /** Runs an idempotent API call, retrying it on 5xx, 429 and I/O failures. */
  private static <T> T retrying(String what, java.util.function.Supplier<T> call) {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (KubernetesClientException e) {
        int code = e.getCode();
        // no HTTP status (a timeout: -1, an I/O failure: 0), throttling, or a server error
        boolean transientFailure = code <= 0 || code == 429 || code >= 500;
        if (!transientFailure || attempt >= MAX_ATTEMPTS) {
          throw new UnavailableException(
              ErrorCode.BACKEND_FAILURE,
              what + " failed (HTTP " + code + "): " + e.getMessage(),
              e);
        }
        LockSupport.parkNanos(Duration.ofMillis(50L << attempt).toNanos());
      }
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("deleting " + dir + " failed", e);
    }
  }

  /** A job this instance tracks. Fields change on the event thread (listener: any thread). */
  private static final class Tracked {
    final JobSpec spec;
    volatile BackendListener listener;
    volatile BackendJobState state;
    volatile boolean stopping;
    volatile boolean finishing;
    volatile @Nullable Instant pullingSince;

    Tracked(JobSpec spec, BackendListener listener, BackendJobState state) {
      this.spec = spec;
      this.listener = listener;
      this.state = state;
    }
  }

  /**
   * Builds a {@link KubernetesComputeBackend}. Not thread-safe. Setters throw {@link
   * NullPointerException} on null and {@link IllegalArgumentException} on malformed values.
   */
  public static final class Builder {
    private @Nullable String namespace;
    private @Nullable String context;
    private final List<ComputeEnvironment> environments = new ArrayList<>();
    private @Nullable Path resultRoot;
    private @Nullable KubernetesClient client;
    private Clock clock = Clock.systemUTC();
    private Duration imagePullTimeout = Duration.ofMinutes(2);
    private Duration ttlAfterFinished = Duration.ofDays(1);
    private String helperImage = DEFAULT_HELPER_IMAGE;
    private Placement defaultPlacement = Placement.none();
    private final Map<String, Placement> placements = new LinkedHashMap<>();

    private Builder() {}

    /** The namespace; default: the client's namespace, else {@code default}. */
    public Builder namespace(String namespace) {
      this.namespace = requireNonNull(namespace, "namespace");
      return this;
    }

    /** The kubeconfig context, when this backend creates its client; default: the current one. */
    public Builder context(String context) {
      this.context = requireNonNull(context, "context");
      return this;
    }

    /** Adds an environment the backend offers. */
    public Builder addEnvironment(ComputeEnvironment environment) {
      environments.add(requireNonNull(environment, "environment"));
      return this;
    }

    /** The directory results are collected to; it survives restarts. Required. */
    public Builder resultRoot(Path resultRoot) {
      this.resultRoot = requireNonNull(resultRoot, "resultRoot");
      return this;
    }

    /**
     * The client to use. We never close a client we did not create: this one stays open when the
     * backend closes. Default: a client configured the way {@code kubectl} is (in-cluster service
     * account, {@code KUBECONFIG}, {@code ~/.kube/config}), closed with the backend.
     */
    public Builder client(KubernetesClient client) {
      this.client = requireNonNull(client, "client");
      return this;
    }

    /** The clock the reports are stamped with; default: the system clock. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /** How long an image may fail to pull before the job fails; default 2 minutes. */
    public Builder imagePullTimeout(Duration timeout) {
      this.imagePullTimeout = positive(timeout, "imagePullTimeout");
      return this;
    }

    /**
     * How long a finished Job and its pod stay (for {@code kubectl logs}), as the Jobs' {@code
     * ttlSecondsAfterFinished}; default 1 day. Where the API server drops that field (Kubernetes
     * before 1.21, feature gate off), the backend removes finished Jobs itself after this time,
     * also those it finds when it recovers. The job's Secret, with its end and results, stays until
     * the job is deleted.
     */
    public Builder ttlAfterFinished(Duration ttl) {
      this.ttlAfterFinished = positive(ttl, "ttlAfterFinished");
      return this;
    }

    /**
     * The image of the staging and publish steps (needs {@code sh}, {@code find}, {@code base64}).
     */
    public Builder helperImage(String image) {
      this.helperImage = requireNonNull(image, "image");
      return this;
    }

    /**
     * Where the pods of environments without a placement of their own run (RuntimeClass, node
     * selector, tolerations, GPU resource name); default {@link Placement#none()}.
     */
    public Builder placement(Placement placement) {
      this.defaultPlacement = requireNonNull(placement, "placement");
      return this;
    }

    /**
     * Where the pods of environment {@code environmentId} run, such as a GPU node pool with its
     * taint tolerated, or a gVisor RuntimeClass.
     */
    public Builder placement(String environmentId, Placement placement) {
      placements.put(
          requireNonNull(environmentId, "environmentId"), requireNonNull(placement, "placement"));
      return this;
    }

    /**
     * Builds the backend.
     *
     * @throws IllegalStateException if no environment or result directory was given
     */
    public KubernetesComputeBackend build() {
      if (environments.isEmpty()) {
        throw new IllegalStateException("a Kubernetes backend needs at least one environment");
      }
      if (resultRoot == null) {
        throw new IllegalStateException("a Kubernetes backend needs a resultRoot");
      }
      for (String id : placements.keySet()) {
        if (environments.stream().noneMatch(e -> e.id().equals(id))) {
          throw new IllegalStateException(
              "a placement names environment '"
                  + id
                  + "', which is not among the environments "
                  + environments.stream().map(ComputeEnvironment::id).toList());
        }
      }
      KubernetesClient given = client;
      if (given != null) {
        return new KubernetesComputeBackend(this, given, false);
      }
      Config config = context == null ? Config.autoConfigure(null) : Config.autoConfigure(context);
      return new KubernetesComputeBackend(
          this, new KubernetesClientBuilder().withConfig(config).build(), true);
    }

    private static Duration positive(Duration d, String name) {
      requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive but was " + d);
      }
      return d;
    }
  }
}
