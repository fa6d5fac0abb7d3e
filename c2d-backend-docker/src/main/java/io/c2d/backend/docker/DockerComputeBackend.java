package io.c2d.backend.docker;

import static java.util.Objects.requireNonNull;

import com.github.dockerjava.api.DockerClient;
import io.c2d.InvalidRequestException;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.c2d.spi.backend.support.FetchSettings;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.c2d.spi.backend.support.JobRuntime;
import io.c2d.spi.backend.support.SandboxJobs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ComputeBackend} on a Docker engine: each job's algorithm runs in its own closed
 * container, found through the engine's API with docker-java (none of whose types appear here).
 *
 * <h2>The sandbox</h2>
 *
 * <p>Each job gets its own {@code /data} and a container with:
 *
 * <ul>
 *   <li>network {@code none} (only a loopback interface), unless the spec allows network access;
 *   <li>every Linux capability dropped, {@code no-new-privileges}, not privileged;
 *   <li>a non-root user (default {@value #DEFAULT_UID}:{@value #DEFAULT_UID});
 *   <li>a read-only root file system; writable are only {@code /data/outputs} and {@code
 *       /data/logs} (owned by the algorithm's user) and a {@code /tmp} tmpfs ({@code noexec}, size
 *       {@link Builder#tmpSize}, default 64 MiB);
 *   <li>memory equal to memory plus swap, a CPU limit (nano-CPUs) and, as ulimits, 1024 open files,
 *       no core dumps and a per-file size limit of the job's disk, from the job's resources, or the
 *       environment's per-job defaults where the job names none;
 *   <li>a pids limit (default {@value #DEFAULT_PIDS_LIMIT});
 *   <li>the job's maximum duration, enforced by this backend (the container is killed: {@code
 *       TIMED_OUT}); staging has its environment's staging time limit.
 * </ul>
 *
 * <p>Where {@code /data} lives: when the provider runs on the engine's host as root (inputs are
 * mounted, see {@link Builder#mountInputs}, and this process's user id is 0), {@code /data} is a
 * directory in the job's directory ({@code <resultRoot>/<jobId>/sandbox/data}, below a 0700
 * directory), bind-mounted read-only, with {@code /data/outputs} and {@code /data/logs}
 * bind-mounted writable (owned by the algorithm's user): nothing goes through the engine's archive
 * API, which costs a tiny job most of its overhead. Otherwise {@code /data} is a fresh volume,
 * filled through the archive API before the container starts and read back the same way.
 *
 * <p>Local dataset inputs are bind-mounted read-only at {@code /data/inputs/<did>/<n>}, never
 * copied, when {@link Builder#mountInputs} allows and the file passes the checks of a safe mount:
 * not a symbolic link (refused with {@code DATA_PROVISIONING_FAILED}), a regular file at its real
 * path, readable by the algorithm's user, and no directory on its path writable by anyone but root
 * and the provider's user (one that fails the last two is copied, and the job's configuration log
 * says why). Everything else (copied inputs, {@code inputs/algoCustomData.json}, the DDOs at {@code
 * /data/ddos/<did>} and the algorithm at {@code /data/transformations/algorithm}) is copied into
 * the volume as a tar archive before the container starts, owned by root and read-only (files 0444,
 * directories and the algorithm 0555); nothing else of the provider's file system is mounted. Only
 * {@code file:} URIs are staged. The entrypoint is started by the sandbox contract's rule ({@link
 * io.c2d.spi.backend.support.SandboxContract#command}: {@code $ALGO} replaced, split on white
 * space, no shell) in the image's own working directory, with {@code DIDS}, {@code
 * TRANSFORMATION_DID}, {@code VOLUME}, {@code INPUTS}, {@code OUTPUTS}, {@code LOGS}, {@code ALGO},
 * {@code HOME=/tmp}, {@code TMPDIR=/tmp} and the algorithm's own environment.
 *
 * <h2>Images</h2>
 *
 * <p>The image {@code image:tag} must be on the engine, or is pulled when {@link
 * Builder#pullMissingImages} allows (failure: {@code IMAGE_PULL_FAILED}). When the algorithm names
 * a digest, the image must have it, as its image id or one of its repository digests, else the job
 * fails with {@code ALGORITHM_PROVISIONING_FAILED} (Ocean's 32).
 *
 * <h2>Statuses and results</h2>
 *
 * <p>The end of a container comes from the engine's wait API (no polling). Out of memory (the
 * engine's {@code OOMKilled}) is {@code OUT_OF_MEMORY}; a non-zero exit is {@code ALGORITHM_FAILED}
 * with the exit code; past the maximum duration is {@code TIMED_OUT}; a stop is {@code STOPPED}.
 * Results are read as a stream (from the host directory, or from the engine as a tar of {@code
 * /data/outputs}), each output written to the result area as it arrives: only regular files with
 * names {@link JobResult#checkName} accepts (a symbolic link is skipped, never followed), up to the
 * environment's {@link ComputeEnvironment#maxOutputBytes()} in total in the archive's order; {@code
 * algorithm.log} (the container's stdout and stderr), {@code configuration.log} and {@code
 * publish.log} each up to {@link ComputeEnvironment#maxLogBytes()}. A job whose results were cut
 * ends as {@code COMPLETED_TRUNCATED}. Then the container and volume are removed.
 *
 * <p>Floods are capped at the source, while the algorithm runs. Its stdout and stderr are read by
 * attaching to the container before it starts and written to the job's directory up to the log cap;
 * at the first byte past it the container is killed and the job ends {@code COMPLETED_TRUNCATED}
 * with {@code algorithm.log} cut at the cap (the engine's {@code json-file} log, kept to the cap
 * plus 64 KiB, is read only when no capture saw the whole run). A file past the job's disk is
 * stopped by the file-size limit; the sum of {@code /data/outputs} and {@code /data/logs} is
 * checked every half second where this process reads them (the host directory, or a local volume as
 * root) and the container killed past the disk. Either way the job ends {@code DISK_QUOTA_EXCEEDED}
 * with its outputs collected up to the output cap.
 *
 * <h2>State and restarts</h2>
 *
 * <p>Each job keeps {@code job.json} (its {@link JobSpec}) and {@code state.json} in {@code
 * <resultRoot>/<jobId>/}, with its collected results; its container and volume are named {@code
 * c2d-<instance>-<jobId>} and labelled {@code io.c2d.managed-by}, {@code io.c2d.instance}, {@code
 * io.c2d.job-id}, {@code io.c2d.owner} and {@code io.c2d.environment}. A new instance over the same
 * result root and engine finds every job in {@link #recover}: finished ones with their results,
 * running containers waited for again, containers that ended unwatched collected, jobs whose
 * container had not started yet staged and started again from the start (the interrupted attempt's
 * container, volume and staging archive removed first, so one container runs the job); and it
 * removes the containers and volumes labelled with its instance name that belong to no running job
 * (never anything else). {@link #close()} leaves running containers running.
 *
 * <p>Thread-safe. No method blocks its caller on I/O: engine calls happen on the executor.
 */
public final class DockerComputeBackend implements ComputeBackend {
  /** The environment id used when none is configured: {@value}. */
  public static final String DEFAULT_ENVIRONMENT_ID = "docker";

  /** The default user and group id of the algorithm: {@value} ({@code nobody}). */
  public static final int DEFAULT_UID = 65534;

  /** The default most processes of one job: {@value}. */
  public static final long DEFAULT_PIDS_LIMIT = 512;

  /** The default size of a job's {@code /tmp}, in bytes: {@value} (64 MiB). */
  public static final long DEFAULT_TMP_SIZE = 64L << 20;

  /** The default environment's cap on a job's outputs in total: {@value} bytes (100 MiB). */
  public static final long DEFAULT_MAX_OUTPUT_BYTES = 100L << 20;

  /** The default environment's cap on each of a job's logs: {@value} bytes (10 MiB). */
  public static final long DEFAULT_MAX_LOG_BYTES = 10L << 20;

  /** The default instance name: {@value}. */
  public static final String DEFAULT_INSTANCE = "default";

  private static final Logger logger = LoggerFactory.getLogger(DockerComputeBackend.class);
  private static final Pattern INSTANCE = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,62}");

  private final DockerEndpoint endpoint;
  private final DockerClient docker;
  private final Path resultRoot;
  private final Shared shared;
  private final SandboxJobs jobs;

  private DockerComputeBackend(Builder builder, Path resultRoot, DockerEndpoint endpoint) {
    this.endpoint = endpoint;
    this.resultRoot = resultRoot;
    List<ComputeEnvironment> configured = new ArrayList<>(builder.environments.values());
    if (configured.isEmpty()) {
      configured.add(defaultEnvironment(DEFAULT_ENVIRONMENT_ID, 4, Duration.ofHours(1)));
    }
    JobRuntime.Builder runtime = JobRuntime.builder("Docker", "c2d-docker").phaseTimeouts(true);
    if (builder.clock != null) {
      runtime.clock(builder.clock);
    }
    if (builder.executor != null) {
      runtime.executor(builder.executor);
    }
    runtime.fetchSettings(builder.fetchSettings);
    this.docker = EngineClient.connect(endpoint);
    boolean mountInputs =
        builder.mountInputs != null
            ? builder.mountInputs
            : "unix".equalsIgnoreCase(endpoint.host().getScheme());
    this.shared =
        new Shared(
            docker,
            runtime.build(),
            new Shared.Settings(
                builder.instance,
                builder.uid,
                builder.gid,
                builder.pidsLimit,
                builder.tmpSize,
                builder.pullMissingImages,
                mountInputs,
                builder.hostSandbox != null
                    ? builder.hostSandbox && mountInputs
                    : mountInputs && runsAsRoot()));
    this.jobs =
        SandboxJobs.create(
            JobDirectoryStore.of(resultRoot),
            shared.runtime(),
            configured,
            (spec, directory, environment) ->
                new DockerSandbox(spec, directory, environment, shared));
  }

  /** Whether this process runs as root (it then owns what it hands the algorithm's user). */
  private static boolean runsAsRoot() {
    try {
      return Integer.valueOf(0)
          .equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** A builder; {@link Builder#resultRoot} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The directory the jobs' specs, states and results live in. */
  public Path resultRoot() {
    return resultRoot;
  }

  /** The engine this backend talks to. */
  public DockerEndpoint endpoint() {
    return endpoint;
  }

  @Override
  public List<ComputeEnvironment> environments() {
    return jobs.environments();
  }

  /**
   * Starts the job. The stage completes once its directory, {@code job.json} and {@code state.json}
   * are written; staging and running follow on the executor. A job id already in the result root is
   * never started again: its listener is replaced and receives the current state.
   */
  @Override
  public CompletionStage<Void> submit(JobSpec spec, BackendListener listener) {
    return jobs.submit(spec, listener);
  }

  /** Stops the job; the stage completes once it has ended. Unknown or ended jobs: nothing. */
  @Override
  public CompletionStage<Void> stop(JobId id) {
    return jobs.stop(id);
  }

  /** Stops the job if it runs, then removes its container, volume and results. */
  @Override
  public CompletionStage<Void> delete(JobId id) {
    return jobs.delete(id);
  }

  /**
   * Finds every job in the result root: finished ones as they ended, running ones tracked again,
   * ones that ended unwatched collected; then removes this instance's containers and volumes that
   * belong to no job still under way.
   */
  @Override
  public CompletionStage<List<RecoveredJob>> recover(BackendListener listener) {
    // Orphans are judged against the live jobs, not the list recover() returned: a job submitted
    // or resumed while this runs is under way before its container can exist, and one that ended
    // meanwhile has its container removed by its own end anyway.
    return jobs.recover(listener)
        .thenCompose(
            found ->
                shared
                    .runtime()
                    .async(
                        () -> {
                          try {
                            Orphans.remove(docker, shared.settings().instance(), this::isUnderWay);
                          } catch (RuntimeException e) {
                            // the jobs found are recovered all the same: losing them to a clean-up
                            // would lose acknowledged jobs
                            logger.warn("could not look for orphaned containers and volumes", e);
                          }
                          return found;
                        }));
  }

  private boolean isUnderWay(String jobId) {
    try {
      return jobs.isUnderWay(JobId.of(jobId));
    } catch (InvalidRequestException e) {
      return false;
    }
  }

  /**
   * Opens a result of an ended job from its result area. The stage fails with a {@link
   * io.c2d.NotFoundException} if the job is unknown, has not ended, or did not list {@code result}.
   */
  @Override
  public CompletionStage<InputStream> openResult(JobId id, JobResult result) {
    return jobs.openResult(id, result);
  }

  /** The running container's stdout and stderr as they are written. */
  @Override
  public CompletionStage<InputStream> openLiveLog(JobId id) {
    return jobs.openLiveLog(id);
  }

  /**
   * Stops the executor (if this backend created it), the timeout scheduler and the engine client.
   * Running containers keep running; a new instance recovers them.
   */
  @Override
  public void close() {
    jobs.close();
    try {
      docker.close();
    } catch (IOException e) {
      logger.warn("could not close the Docker client", e);
    }
  }

  @Override
  public String toString() {
    return "DockerComputeBackend{"
        + endpoint
        + ", resultRoot="
        + resultRoot
        + ", environments="
        + jobs.environments().stream().map(ComputeEnvironment::id).toList()
        + '}';
  }

  /**
   * An environment of {@code maxConcurrentJobs} jobs of at most one CPU and 1 GiB each, running at
   * most {@code maxDuration}.
   */
  public static ComputeEnvironment defaultEnvironment(
      String id, int maxConcurrentJobs, Duration maxDuration) {
    return defaultEnvironment(
        id, maxConcurrentJobs, maxDuration, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_LOG_BYTES);
  }

  /**
   * As {@link #defaultEnvironment(String, int, Duration)}, with the caps on a job's outputs in
   * total and on each of its logs raised or lowered (a benchmark moving a 1 GiB result raises the
   * first).
   *
   * @throws IllegalArgumentException if a cap is not positive
   */
  public static ComputeEnvironment defaultEnvironment(
      String id,
      int maxConcurrentJobs,
      Duration maxDuration,
      long maxOutputBytes,
      long maxLogBytes) {
    long n = maxConcurrentJobs;
    return ComputeEnvironment.builder(id)
        .maxOutputBytes(maxOutputBytes)
        .maxLogBytes(maxLogBytes)
        .description("closed containers on a Docker engine")
        .capacity(io.c2d.model.Resources.of((double) n, n * 1024, n * 10 * 1024, 0))
        .maxPerJob(io.c2d.model.Resources.of(1, 1024, 10 * 1024, 0))
        .maxConcurrentJobs(maxConcurrentJobs)
        .maxDuration(maxDuration)
        .build();
  }

  /**
   * Builds a {@link DockerComputeBackend}. Not thread-safe. Setters throw {@link
   * NullPointerException} for null arguments, {@link IllegalArgumentException} for values out of
   * range, and {@link IllegalStateException} when a one-time option is set twice.
   */
  public static final class Builder {
    private @Nullable DockerEndpoint endpoint;
    private @Nullable Path resultRoot;
    private final Map<String, ComputeEnvironment> environments = new LinkedHashMap<>();
    private @Nullable Clock clock;
    private @Nullable Executor executor;
    private String instance = DEFAULT_INSTANCE;
    private int uid = DEFAULT_UID;
    private int gid = DEFAULT_UID;
    private long pidsLimit = DEFAULT_PIDS_LIMIT;
    private long tmpSize = DEFAULT_TMP_SIZE;
    private boolean pullMissingImages = true;
    private FetchSettings fetchSettings = FetchSettings.defaults();
    private @Nullable Boolean mountInputs;
    private @Nullable Boolean hostSandbox;

    private Builder() {}

    /**
     * How the provider fetches remote inputs (url, IPFS, Arweave) into the job's directory before
     * the container starts: gateways, time limits, size limit, retries, redirects; default {@link
     * FetchSettings#defaults()}.
     */
    public Builder fetchSettings(FetchSettings fetchSettings) {
      this.fetchSettings = requireNonNull(fetchSettings, "fetchSettings");
      return this;
    }

    /**
     * The engine; default {@link DockerEndpoint#resolve} of no properties and the process
     * environment ({@code DOCKER_HOST}, else the default socket).
     */
    public Builder endpoint(DockerEndpoint endpoint) {
      requireNonNull(endpoint, "endpoint");
      if (this.endpoint != null) {
        throw new IllegalStateException("endpoint was already set to " + this.endpoint);
      }
      this.endpoint = endpoint;
      return this;
    }

    /** The directory the jobs' specs, states and results live in. Required. */
    public Builder resultRoot(Path resultRoot) {
      requireNonNull(resultRoot, "resultRoot");
      if (this.resultRoot != null) {
        throw new IllegalStateException("resultRoot was already set to " + this.resultRoot);
      }
      this.resultRoot = resultRoot;
      return this;
    }

    /**
     * Adds an environment this backend offers. Default: one environment {@value
     * DockerComputeBackend#DEFAULT_ENVIRONMENT_ID} of 4 jobs of at most an hour.
     */
    public Builder environment(ComputeEnvironment environment) {
      requireNonNull(environment, "environment");
      if (environments.putIfAbsent(environment.id(), environment) != null) {
        throw new IllegalArgumentException(
            "environment '" + environment.id() + "' was already added");
      }
      return this;
    }

    /**
     * The instance's name, in every label and object name; an instance only ever recovers and
     * removes objects of its own name. Lower-case letters, digits, {@code .}, {@code _}, {@code -};
     * default {@value DockerComputeBackend#DEFAULT_INSTANCE}.
     */
    public Builder instance(String instance) {
      requireNonNull(instance, "instance");
      if (!INSTANCE.matcher(instance).matches()) {
        throw new IllegalArgumentException(
            "instance must be 1 to 63 lower-case letters, digits, '.', '_' or '-' but was '"
                + instance
                + "'");
      }
      this.instance = instance;
      return this;
    }

    /** The algorithm's user and group ids; both positive (never root). Default 65534:65534. */
    public Builder user(int uid, int gid) {
      if (uid <= 0 || gid <= 0) {
        throw new IllegalArgumentException(
            "the algorithm's user must not be root: uid " + uid + ", gid " + gid);
      }
      this.uid = uid;
      this.gid = gid;
      return this;
    }

    /** The most processes of one job; default {@value DockerComputeBackend#DEFAULT_PIDS_LIMIT}. */
    public Builder pidsLimit(long pidsLimit) {
      if (pidsLimit < 8) {
        throw new IllegalArgumentException("pidsLimit must be at least 8 but was " + pidsLimit);
      }
      this.pidsLimit = pidsLimit;
      return this;
    }

    /** The size of a job's {@code /tmp} in bytes; default 64 MiB. */
    public Builder tmpSize(long tmpSize) {
      if (tmpSize < 1 << 20) {
        throw new IllegalArgumentException("tmpSize must be at least 1 MiB but was " + tmpSize);
      }
      this.tmpSize = tmpSize;
      return this;
    }

    /** Whether an image missing on the engine is pulled; default true. */
    public Builder pullMissingImages(boolean pullMissingImages) {
      this.pullMissingImages = pullMissingImages;
      return this;
    }

    /**
     * Whether local inputs ({@code file:} URIs, and files the provider fetched into the job's
     * directory) are bind-mounted read-only into the container rather than copied into its volume.
     * A bind mount names a path on the engine's host, so this assumes the provider runs on that
     * host and sees its files at the same paths. Default: on when the engine is reached through a
     * {@code unix://} socket, off otherwise (a {@code tcp://} engine may be another machine); turn
     * it off for an engine in a VM or a container that does not share the provider's files. With it
     * off, or for an input that cannot be mounted safely, the input is copied and the job's
     * configuration log says why.
     */
    public Builder mountInputs(boolean mountInputs) {
      this.mountInputs = mountInputs;
      return this;
    }

    /**
     * Whether a job's {@code /data} is a directory on this host (see {@link HostStaging}); default
     * on when inputs are mounted and this process runs as root. Package-private: tests run the
     * volume path with mounted inputs through it.
     */
    Builder hostSandbox(boolean hostSandbox) {
      this.hostSandbox = hostSandbox;
      return this;
    }

    /** The clock of status reports; default the system clock in UTC. */
    public Builder clock(Clock clock) {
      requireNonNull(clock, "clock");
      if (this.clock != null) {
        throw new IllegalStateException("clock was already set");
      }
      this.clock = clock;
      return this;
    }

    /**
     * The executor for engine calls, staging and collecting; default a pool of 4 daemon threads
     * that the backend shuts down on close. An executor handed in here is never shut down.
     */
    public Builder executor(Executor executor) {
      requireNonNull(executor, "executor");
      if (this.executor != null) {
        throw new IllegalStateException("executor was already set");
      }
      this.executor = executor;
      return this;
    }

    /**
     * Builds the backend. It does no I/O until a job is submitted or recovered.
     *
     * @throws IllegalStateException if no result root was set
     */
    public DockerComputeBackend build() {
      if (resultRoot == null) {
        throw new IllegalStateException(
            "resultRoot is required: the directory the Docker backend keeps its jobs in");
      }
      DockerEndpoint resolved =
          endpoint != null
              ? endpoint
              : DockerEndpoint.resolve(ProviderConfig.empty(), System.getenv());
      return new DockerComputeBackend(this, resultRoot.toAbsolutePath().normalize(), resolved);
    }
  }
}
