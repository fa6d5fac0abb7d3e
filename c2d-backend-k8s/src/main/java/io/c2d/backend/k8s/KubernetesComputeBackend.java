package io.c2d.backend.k8s;

import static java.util.Objects.requireNonNull;

import io.c2d.NotFoundException;
import io.c2d.UnavailableException;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.c2d.spi.backend.support.FetchSettings;
import io.c2d.spi.backend.support.InputFetcher;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

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
 *   <li>a NetworkPolicy denying all ingress, and all egress unless the job may use the network; it
 *       is also the job's record: its spec as JSON (annotation {@code c2d.io/spec}) and, once the
 *       job has ended, its final state ({@code c2d.io/state});
 *   <li>a Job ({@code backoffLimit 0}, {@code activeDeadlineSeconds} from the job's maximum
 *       duration, {@code ttlSecondsAfterFinished}) whose pod runs the init containers {@code
 *       stage-data} and {@code algorithm} in order, then the container {@code publish}.
 * </ul>
 *
 * <p>No Secret and no ConfigMap: nothing of a dataset or a result is stored in an API object. The
 * pod's {@code /data} is made of {@code emptyDir}s; {@code stage-data} waits until the backend has
 * streamed the staged inputs, DDOs, custom data and algorithm into it as a tar archive through the
 * API server ({@code pods/exec}), of any size: local files as they are, url, IPFS and Arweave
 * inputs fetched by the provider first ({@link Builder#fetchSettings}); an input on a
 * PersistentVolumeClaim ({@code FileLocator.pvc(claim, path)}) is mounted read-only at {@code
 * /data/inputs/<did>/<n>} instead, never copied (a claim that does not exist or is not Bound, or a
 * path in it that cannot be read, is {@code DATA_PROVISIONING_FAILED}). Once the algorithm
 * succeeded, {@code publish} waits until the backend has streamed {@code /data/logs} and {@code
 * /data/outputs} out of it (again {@code pods/exec}, a tar archive read entry by entry to disk, the
 * caps enforced while it streams). Both waits end at the transfer timeout, so a pod whose backend
 * is gone never lives forever.
 *
 * <p><b>Results.</b> The outputs ({@code OUTPUT}, at most the environment's {@code maxOutputBytes}
 * in all); {@code algorithm.log} (the algorithm container's log), {@code configuration.log} (the
 * backend's staging steps and the staging container's log), the algorithm's own files of {@code
 * /data/logs} as {@code logs/<name>} ({@code ALGORITHM_LOG}, each at most {@code maxLogBytes}), and
 * {@code publish.log}, what the backend collected and cut. Anything cut or dropped at a cap makes
 * the job {@code COMPLETED_TRUNCATED}, saying what in its detail.
 *
 * <p><b>Network.</b> A NetworkPolicy closes nothing where no network plugin enforces it, and the
 * API server accepts it all the same. So before the first job that must have no network (and at
 * {@link #recover}) the backend probes the namespace with two pods of its own under a deny-all
 * policy, one trying to reach the other (cached per API server and namespace for an hour); where
 * the policy did not hold, or the probe could not tell, such jobs are refused with a {@link
 * io.c2d.ConfigurationException} ({@code CONFIGURATION_INVALID}) unless the operator accepts it
 * ({@link Builder#acceptUnenforcedNetworkPolicy}); then each such job's {@code configuration.log}
 * says that its network is not closed.
 *
 * <p><b>Placement.</b> Each environment's pods get the {@link Placement} given for it (or the
 * default one): RuntimeClass, node selector, tolerations, and the extended resource GPUs are
 * requested as; requests always equal limits.
 *
 * <p>Status comes from informers on the pods and Jobs with the c2d labels (no polling): a failing
 * {@code stage-data} is {@code DATA_PROVISIONING_FAILED} (31), a failing {@code stage-algorithm} or
 * an image that still cannot be pulled after the image-pull timeout is {@code
 * ALGORITHM_PROVISIONING_FAILED} (32), a failing {@code publish} (its results were not collected in
 * time) {@code RESULTS_FETCH_FAILED} (61), {@code OOMKilled} is {@code OUT_OF_MEMORY}, the Job's
 * {@code DeadlineExceeded} is {@code TIMED_OUT}, any other non-zero exit is {@code
 * ALGORITHM_FAILED} with the exit code.
 *
 * <p>We never close a client we did not create: a client handed to {@link Builder#client} stays
 * open when this backend closes.
 *
 * <p>Thread-safe. Status reports of all jobs go to the listeners from one event thread. Methods
 * never return null; failures are reported in the returned stages ({@link UnavailableException}
 * when the API server cannot be reached, {@link NotFoundException} for unknown results, {@link
 * io.c2d.ConfigurationException} for a job without network where NetworkPolicy is not enforced).
 */
public final class KubernetesComputeBackend implements ComputeBackend {
  /** The default image of the staging and publishing steps: {@value}. */
  public static final String DEFAULT_HELPER_IMAGE = "busybox:1.36.1";

  private final KubernetesClient client;
  private final boolean ownsClient;
  private final String namespace;
  private final JobSettings settings;
  private final ResultArea results;
  private final BackendThreads threads;
  private final StatusTracker tracker;
  private final Informers informers;
  private final JobSubmitter submitter;
  private final JobRecovery recovery;
  private final JobRemoval removal;
  private final NetworkGuard network;
  private final Clock clock;

  // The parts, one concern each, share the cluster's client and the status tracker, which holds
  // the jobs this instance tracks and alone decides and reports their status (on the event thread).
  private KubernetesComputeBackend(Builder b, KubernetesClient client, boolean ownsClient) {
    this.client = client;
    this.ownsClient = ownsClient;
    String ns = b.namespace != null ? b.namespace : client.getNamespace();
    this.namespace = ns != null ? ns : "default";
    this.settings =
        new JobSettings(
            b.environments,
            b.helperImage,
            b.defaultPlacement,
            b.placements,
            b.ttlAfterFinished,
            b.transferTimeout,
            b.outputClaim,
            b.visibleClaims);
    this.results = new ResultArea(requireNonNull(b.resultRoot, "resultRoot"), b.outputClaim);
    this.threads = new BackendThreads(namespace);
    Cluster cluster = new Cluster(client, namespace);
    PodExec exec = b.podExec != null ? b.podExec.apply(cluster) : PodExec.fabric8(cluster);
    FinishedJobReaper reaper = new FinishedJobReaper(cluster, threads, b.clock, b.ttlAfterFinished);
    this.tracker =
        new StatusTracker(
            cluster,
            threads,
            b.clock,
            b.imagePullTimeout,
            new ResultCollector(cluster, exec, results, settings, b.clock, threads.io()),
            reaper,
            new PodStaging(exec, InputFetcher.create(b.fetchSettings)),
            results);
    this.informers = new Informers(cluster, threads, tracker::onPod, tracker::onJob);
    this.submitter = new JobSubmitter(cluster, settings, b.clock, informers, tracker, reaper);
    this.recovery =
        new JobRecovery(
            cluster,
            threads,
            b.clock,
            informers,
            tracker,
            reaper,
            submitter,
            settings.transferTimeout());
    this.removal = new JobRemoval(cluster, results, b.clock, informers, tracker);
    this.clock = b.clock;
    // the probe's pods may have to pull the helper image first
    Duration probeStart = b.imagePullTimeout.plusSeconds(30);
    Duration probeWait = probeStart.multipliedBy(2).plusSeconds(30);
    Supplier<NetworkIsolation> probe = b.networkPolicyProbe;
    this.network =
        probe != null
            ? NetworkGuard.own(probe, b.acceptUnenforcedNetworkPolicy, probeWait)
            : NetworkGuard.shared(
                client.getMasterUrl() + " " + namespace,
                new NetworkPolicyProbe(cluster, b.helperImage, b.defaultPlacement, probeStart),
                b.acceptUnenforcedNetworkPolicy,
                probeWait);
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
    return settings.environments();
  }

  @Override
  public CompletionStage<Void> submit(JobSpec spec, BackendListener listener) {
    requireNonNull(spec, "spec");
    requireNonNull(listener, "listener");
    return CompletableFuture.runAsync(
        () -> {
          admitToNetwork(spec);
          submitter.submit(spec, listener);
        },
        threads.io());
  }

  /**
   * Refuses a job that must have no network where NetworkPolicy is not seen to be enforced (unless
   * the operator accepts that), and says in its configuration log what holds its network.
   */
  private void admitToNetwork(JobSpec spec) {
    if (tracker.get(spec.jobId()) != null) {
      return; // a job already known: the submitter reports on it again
    }
    String note = network.admit(spec);
    if (note != null) {
      try {
        results.directory(spec.jobId()).appendConfigurationLog(clock.instant() + " " + note);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "writing the configuration log of job " + spec.jobId() + " failed", e);
      }
    }
  }

  @Override
  public CompletionStage<Void> stop(JobId id) {
    requireNonNull(id, "id");
    return CompletableFuture.runAsync(() -> removal.stop(id), threads.io());
  }

  @Override
  public CompletionStage<Void> delete(JobId id) {
    requireNonNull(id, "id");
    return CompletableFuture.runAsync(() -> removal.delete(id), threads.io());
  }

  @Override
  public CompletionStage<List<RecoveredJob>> recover(BackendListener listener) {
    requireNonNull(listener, "listener");
    network.start(); // at start-up, so that the first job without network need not wait for it
    return CompletableFuture.supplyAsync(() -> recovery.recover(listener), threads.io());
  }

  @Override
  public CompletionStage<InputStream> openResult(JobId id, JobResult result) {
    requireNonNull(id, "id");
    requireNonNull(result, "result");
    return CompletableFuture.supplyAsync(
        () -> results.open(id, result, tracker.get(id) != null), threads.io());
  }

  /**
   * Stops the informers and threads (waiting up to 5 seconds for calls under way, not for what
   * waits on the clock: a finished Job's removal or an image pull's time limit, which the next
   * instance finds again), and closes the client if this backend created it. Running jobs keep
   * running in the cluster.
   */
  @Override
  public void close() {
    threads.close();
    informers.close();
    if (ownsClient) {
      client.close();
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
    private Duration transferTimeout = Duration.ofMinutes(10);
    private @Nullable Function<Cluster, PodExec> podExec;
    private FetchSettings fetchSettings = FetchSettings.defaults();
    private String helperImage = DEFAULT_HELPER_IMAGE;
    private Placement defaultPlacement = Placement.none();
    private final Map<String, Placement> placements = new LinkedHashMap<>();
    private @Nullable OutputClaim outputClaim;
    private final Map<String, Path> visibleClaims = new LinkedHashMap<>();
    private boolean acceptUnenforcedNetworkPolicy;
    private @Nullable Supplier<NetworkIsolation> networkPolicyProbe;

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
     * also those it finds when it recovers. The job's record (its NetworkPolicy, with its spec and
     * end) and its collected results stay until the job is deleted.
     */
    public Builder ttlAfterFinished(Duration ttl) {
      this.ttlAfterFinished = positive(ttl, "ttlAfterFinished");
      return this;
    }

    /**
     * How long a pod waits for the backend to stream its inputs in, and its results out; past it
     * the staging step fails the job ({@code DATA_PROVISIONING_FAILED}) or the publish step does
     * ({@code RESULTS_FETCH_FAILED}), so that a pod whose backend is gone ends. Default 10 minutes.
     */
    public Builder transferTimeout(Duration timeout) {
      this.transferTimeout = positive(timeout, "transferTimeout");
      return this;
    }

    /**
     * How the provider fetches remote inputs (url, IPFS, Arweave) into the job's directory before
     * it streams them into the pod: gateways, time limits, size limit, retries, redirects; default
     * {@link FetchSettings#defaults()}.
     */
    public Builder fetchSettings(FetchSettings fetchSettings) {
      this.fetchSettings = requireNonNull(fetchSettings, "fetchSettings");
      return this;
    }

    /**
     * Has the pods write their outputs and logs to PersistentVolumeClaim {@code claim} (in the
     * backend's namespace, writable by the pods), which this provider sees at {@code localRoot}: on
     * the node of a hostPath or local volume, or with the claim mounted into the provider's own
     * pod. Once the algorithm ended, the provider moves its files into the result directory (a
     * rename where both lie on one file system), the output cap applied as they are taken; no
     * result crosses the API server, and the pod has no publish step. The claim's own capacity
     * bounds what an algorithm can write meanwhile. Default: none, the results stream out of the
     * pod through the API server ({@code pods/exec}), capped while they stream.
     */
    public Builder outputClaim(String claim, Path localRoot) {
      requireNonNull(claim, "claim");
      requireNonNull(localRoot, "localRoot");
      if (!ClaimInputs.isClaimName(claim)) {
        throw new IllegalArgumentException("not a claim name: " + claim);
      }
      this.outputClaim = new OutputClaim(claim, localRoot.toAbsolutePath());
      return this;
    }

    /**
     * Says that this provider sees the files of PersistentVolumeClaim {@code claim} (in the
     * backend's namespace) at {@code localRoot}, as for {@link #outputClaim}: on the node of a
     * hostPath or local volume, or with the claim mounted into the provider's own pod. The path of
     * each input on it ({@link io.c2d.model.FileLocator#pvc}) is then checked here before any pod
     * exists (there, a regular file or a directory, inside the claim, readable by the pods' user
     * 65534). With an output claim too, a job whose dataset files are all on such claims and whose
     * algorithm is raw code or its image runs in a pod <em>without a staging step</em>: the
     * provider writes the job's small layout (DDOs, custom data, code, the inputs' mount points) to
     * the output claim, and the pod runs the algorithm's container alone, as a bare Job would (from
     * the second such job on: the first one's staging step leaves the supervisor's busybox on the
     * output claim). The claim is still only mounted, read-only; nothing on it is copied. May be
     * given for several claims.
     */
    public Builder visibleClaim(String claim, Path localRoot) {
      requireNonNull(claim, "claim");
      requireNonNull(localRoot, "localRoot");
      if (!ClaimInputs.isClaimName(claim)) {
        throw new IllegalArgumentException("not a claim name: " + claim);
      }
      visibleClaims.put(claim, localRoot.toAbsolutePath());
      return this;
    }

    /**
     * Whether jobs that must have no network run even where the cluster does not enforce
     * NetworkPolicy; default false: such jobs are refused there. The backend finds out with a probe
     * (two pods of its own under a deny-all policy, one trying to reach the other), once per API
     * server and namespace and hour, at {@link #recover} or before the first such job. With true,
     * nothing is probed: those jobs run and each one's {@code configuration.log} says that its
     * network is not known to be closed: for test clusters, and pods isolated by other means.
     */
    public Builder acceptUnenforcedNetworkPolicy(boolean accept) {
      this.acceptUnenforcedNetworkPolicy = accept;
      return this;
    }

    /** What answers whether NetworkPolicy is enforced (tests: a fixed answer, no probe pods). */
    Builder networkPolicyProbe(Supplier<NetworkIsolation> probe) {
      this.networkPolicyProbe = requireNonNull(probe, "probe");
      return this;
    }

    /** How commands run in the pods (tests: the local kubelet's processes). */
    Builder podExec(Function<Cluster, PodExec> podExec) {
      this.podExec = requireNonNull(podExec, "podExec");
      return this;
    }

    /**
     * The image of the staging and publish steps (needs {@code sh}, {@code tar}, {@code sleep} with
     * fractions of a second, {@code head}, {@code base64}: busybox has them).
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
