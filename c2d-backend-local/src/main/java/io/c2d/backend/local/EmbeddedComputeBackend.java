package io.c2d.backend.local;

import static java.util.Objects.requireNonNull;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.NotFoundException;
import io.c2d.UnavailableException;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.Resources;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.backend.RecoveredJob;
import io.c2d.spi.backend.support.FetchSettings;
import io.c2d.spi.backend.support.JobDirectoryStore;
import io.c2d.spi.backend.support.JobRuntime;
import io.c2d.spi.backend.support.SandboxJobs;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default {@link ComputeBackend}: runs each job's algorithm as a local OS process (its
 * entrypoint started as the sandbox contract says, without a shell: {@link
 * io.c2d.spi.backend.support.SandboxContract#command}), inside bubblewrap where the machine allows
 * it (over the root file system of the job's image where {@link Builder#imageRoot} gave one), in a
 * private working directory laid out like the sandbox contract, so that a provider application can
 * run real jobs end to end with nothing installed but a POSIX shell (and, for the sandbox, Debian's
 * {@code bubblewrap}).
 *
 * <h2>The sandbox</h2>
 *
 * <p>With bubblewrap ({@code bwrap}; {@link Builder#sandbox}, default {@link SandboxMode#PREFER})
 * the algorithm finds its layout at the real {@code /data} paths, as in a container ({@code
 * inputs}, {@code ddos} and {@code transformations} read-only, {@code outputs} and {@code logs}
 * writable, {@code HOME=TMPDIR=/tmp}); it has no network (only its own loopback), a read-only root
 * showing only {@code /usr}, {@code /bin}, {@code /lib} and a few files of {@code /etc} (never the
 * work root, other jobs, the provider's state or the publisher's files), a private {@code /tmp},
 * its own PID namespace, no capabilities, a non-root user, and limits on its processes ({@link
 * Builder#pidsLimit}), address space (the job's memory) and file size (the job's disk); see {@code
 * Bubblewrap} in the sources for every detail. Its CPU is not limited. It is lighter than a
 * container (the host's kernel and {@code /usr} are shared): production deployments that run
 * strangers' algorithms use the Docker or Kubernetes backends.
 *
 * <p>The backend checks bubblewrap when it is built by running a sandbox. Without a working one
 * ({@code bwrap} missing, or user namespaces disabled) it builds only under {@link
 * SandboxMode#PREFER}, logs a warning, and runs algorithms as plain processes: <strong>NOT a
 * sandbox</strong>. The algorithm then runs as the JVM's own user, with the JVM's file-system
 * access and network and no resource limits; only the job's maximum duration (the process tree is
 * killed) and the output and log caps are enforced, and each job's {@code configuration.log} names
 * the guarantees that are missing.
 *
 * <h2>Layout</h2>
 *
 * <p>Each job lives in {@code <workRoot>/<jobId>/}. Its {@code data/} directory is the job's {@code
 * /data}: {@code inputs/<did>/<n>} (each file of each dataset, copied: a local file from where it
 * is, a url, IPFS or Arweave input after the provider fetched it with the {@link
 * Builder#fetchSettings fetch settings}; a PersistentVolumeClaim fails the job with {@code
 * DATA_PROVISIONING_FAILED}), {@code inputs/algoCustomData.json}, {@code ddos/<did>}, {@code
 * transformations/algorithm} (the raw code, or the published algorithm's {@code file:} files
 * concatenated in order; anything else fails the job with {@code ALGORITHM_PROVISIONING_FAILED}),
 * {@code outputs/} and {@code logs/}. {@code <did>} is the DID without {@code did:op:}. The process
 * runs in {@code /} in bubblewrap (the working directory of an image's root, and of the images c2d
 * builds and Ocean publishes), else in {@code <workRoot>/<jobId>/}, whose {@code data/} stands
 * where {@code /data} would (a relative {@code data/inputs/<did>/0} works either way), with {@code
 * DIDS} (a JSON array of those ids), {@code TRANSFORMATION_DID} (empty for a raw algorithm), {@code
 * VOLUME}, {@code INPUTS}, {@code OUTPUTS}, {@code LOGS} and {@code ALGO} (absolute paths of the
 * directories above and of the algorithm file, below {@code /data} in bubblewrap), plus the
 * algorithm's own environment, {@code PATH}, {@code HOME} ({@code /tmp} in bubblewrap, else the
 * data directory) and {@code TMPDIR} ({@code /tmp}, else the job's {@code tmp/}); nothing else of
 * the JVM's environment is passed on. Its stdout and stderr go to {@code algorithm.log}; stdin is
 * empty. The container image is used only where {@link Builder#imageRoot} gave its root file system
 * (and its digest is never checked); otherwise the entrypoint's program is the host's ({@code sh
 * $ALGO} runs the host's {@code sh}). Files the algorithm writes to {@code data/logs/} are not
 * returned.
 *
 * <h2>Results</h2>
 *
 * <p>Every regular file below {@code data/outputs} is a result; the walk never follows a symbolic
 * link and skips anything whose real path leaves the outputs or whose name {@link
 * JobResult#checkName} refuses, noting it in {@code publish.log}. Outputs are kept up to the
 * environment's {@link ComputeEnvironment#maxOutputBytes()} in total (in name order: the file that
 * crosses the cap is cut, later ones are dropped) and each log up to {@link
 * ComputeEnvironment#maxLogBytes()}; a job whose results were cut ends as {@code
 * COMPLETED_TRUNCATED}. Results are listed outputs first, then {@code algorithm.log}, {@code
 * configuration.log} and {@code publish.log}.
 *
 * <h2>Restarts</h2>
 *
 * <p>The work root is the source of truth. Each job keeps {@code job.json} (its {@link JobSpec}),
 * {@code state.json} (its last status, written atomically at each change), {@code pid} and {@code
 * exitcode} (written by a wrapper shell when the entrypoint returns). A new instance over the same
 * work root finds every job in {@link #recover}: finished ones with their results, running ones
 * tracked again until their process ends ({@link ProcessHandle#onExit()}, which for a process that
 * is not this JVM's child polls at the JDK's pace), ones whose process had not been started yet
 * staged and started again from the start (their half-staged {@code data/} deleted first), and ones
 * whose process vanished without an exit code as {@code FAILED}. {@link #close()} leaves running
 * processes running.
 *
 * <p>Thread-safe. No method blocks its caller on I/O: staging, collecting and file access happen on
 * the executor (by default a small pool of daemon threads), timeouts on a daemon scheduler, and
 * process exits are observed with {@link Process#onExit()}. Listener calls for one job are made one
 * at a time, in order, never while a lock of this backend is held. Arguments are non-null; failures
 * arrive in the returned stages.
 */
public final class EmbeddedComputeBackend implements ComputeBackend {
  /** The environment id used when none is configured: {@value}. */
  public static final String DEFAULT_ENVIRONMENT_ID = "local";

  /** The most processes of one job in bubblewrap, by default: {@value}. */
  public static final long DEFAULT_PIDS_LIMIT = 512;

  private static final Logger logger = LoggerFactory.getLogger(EmbeddedComputeBackend.class);

  private final Path workRoot;
  private final Bubblewrap.Probe isolation;
  private final Map<String, Path> imageRoots;
  private final SandboxJobs jobs;

  private EmbeddedComputeBackend(Builder builder, Path workRoot) {
    this.workRoot = workRoot;
    this.isolation = isolation(builder, workRoot);
    this.imageRoots = Map.copyOf(builder.imageRoots);
    List<ComputeEnvironment> configured = new ArrayList<>(builder.environments.values());
    if (configured.isEmpty()) {
      configured.add(
          defaultEnvironment(
              DEFAULT_ENVIRONMENT_ID,
              ComputeEnvironment.DEFAULT_MAX_CONCURRENT_JOBS,
              Duration.ofHours(1)));
    }
    JobRuntime.Builder runtime = JobRuntime.builder("embedded", "c2d-embedded");
    if (builder.clock != null) {
      runtime.clock(builder.clock);
    }
    if (builder.executor != null) {
      runtime.executor(builder.executor);
    }
    runtime.fetchSettings(builder.fetchSettings);
    this.jobs =
        SandboxJobs.create(
            JobDirectoryStore.of(workRoot),
            runtime.build(),
            configured,
            (spec, directory, environment) ->
                new LocalSandbox(spec, directory, environment, isolation, imageRoots));
  }

  private static Bubblewrap.Probe isolation(Builder builder, Path workRoot) {
    if (builder.mode == SandboxMode.OFF) {
      logger.info(
          "embedded backend: the sandbox is switched off; algorithms run as plain local processes"
              + " of this JVM's user, NOT a sandbox");
      return Bubblewrap.Probe.missing("the sandbox is switched off (SandboxMode.OFF)");
    }
    Bubblewrap.Probe probe = Bubblewrap.probe(builder.bubblewrap, builder.pidsLimit, workRoot);
    Bubblewrap sandbox = probe.sandbox();
    if (sandbox != null) {
      logger.info("embedded backend: algorithms run in {}", sandbox);
      return probe;
    }
    if (builder.mode == SandboxMode.REQUIRE) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "the embedded backend requires its bubblewrap sandbox, which does not work here: "
              + probe.problem()
              + " (install Debian's package bubblewrap, or allow the sandbox to be missing with"
              + " SandboxMode.PREFER / c2d.embedded.sandbox=prefer)");
    }
    logger.warn(
        "embedded backend: NO SANDBOX, {}; algorithms run as plain local processes of this JVM's"
            + " user: no /data paths, no network isolation, no read-only root, no private /tmp, no"
            + " PID isolation, no resource limits (each job's configuration.log says so)",
        probe.problem());
    return probe;
  }

  /** A builder; {@link Builder#workRoot} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The directory the jobs live in. */
  public Path workRoot() {
    return workRoot;
  }

  /** Whether this backend runs algorithms inside bubblewrap (else as plain local processes). */
  public boolean sandboxed() {
    return isolation.sandbox() != null;
  }

  @Override
  public List<ComputeEnvironment> environments() {
    return jobs.environments();
  }

  /**
   * Starts the job. The stage completes once its directory, {@code job.json} and {@code state.json}
   * are written; staging and running follow on the executor. A job id already in the work root is
   * never started again: its listener is replaced and receives the current state.
   *
   * <p>The stage fails with an {@link IllegalArgumentException} if the spec names an environment
   * this backend does not offer, and with an {@link UnavailableException} if the backend is closed
   * or the job's directory cannot be written.
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

  /** Stops the job if it runs, then removes its directory. Unknown jobs: nothing. */
  @Override
  public CompletionStage<Void> delete(JobId id) {
    return jobs.delete(id);
  }

  /**
   * Finds every job in the work root (and every job this instance holds): finished ones are
   * reported as they ended, running ones are tracked again and their further changes go to {@code
   * listener}, and ones whose process ended while nobody watched are collected or failed. A job
   * directory that cannot be read is skipped and logged.
   */
  @Override
  public CompletionStage<List<RecoveredJob>> recover(BackendListener listener) {
    return jobs.recover(listener);
  }

  /**
   * Opens a result of an ended job from its result area. The stage fails with a {@link
   * NotFoundException} if the job is unknown, has not ended, or did not list {@code result}.
   */
  @Override
  public CompletionStage<InputStream> openResult(JobId id, JobResult result) {
    return jobs.openResult(id, result);
  }

  /** The running algorithm's {@code algorithm.log} as it grows. */
  @Override
  public CompletionStage<InputStream> openLiveLog(JobId id) {
    return jobs.openLiveLog(id);
  }

  /**
   * Stops the executor (if this backend created it) and the timeout scheduler. Running processes
   * keep running; a new instance over the same work root recovers them. Stages of {@link #stop} and
   * {@link #delete} still waiting for a job to end fail with an {@link UnavailableException}.
   */
  @Override
  public void close() {
    jobs.close();
  }

  @Override
  public String toString() {
    List<String> ids = new ArrayList<>();
    jobs.environments().forEach(environment -> ids.add(environment.id()));
    return "EmbeddedComputeBackend{workRoot="
        + workRoot
        + ", environments="
        + ids
        + ", sandboxed="
        + sandboxed()
        + '}';
  }

  /**
   * The environment the embedded backend offers by default: {@code maxConcurrentJobs} nominal
   * one-CPU jobs (in bubblewrap memory and disk are enforced as address-space and file-size limits,
   * CPU is not) of at most {@code maxDuration}.
   */
  static ComputeEnvironment defaultEnvironment(
      String id, int maxConcurrentJobs, Duration maxDuration) {
    long n = maxConcurrentJobs;
    return ComputeEnvironment.builder(id)
        .description("local processes of the embedded backend")
        .capacity(Resources.of((double) n, n * 1024, n * 10 * 1024, 0))
        .maxPerJob(Resources.of(1, 1024, 10 * 1024, 0))
        .maxConcurrentJobs(maxConcurrentJobs)
        .maxDuration(maxDuration)
        .build();
  }

  /**
   * Builds an {@link EmbeddedComputeBackend}. Not thread-safe. Setters throw {@link
   * NullPointerException} for null arguments, and {@link IllegalStateException} when a one-time
   * option is set twice.
   */
  public static final class Builder {
    private @Nullable Path workRoot;
    private final Map<String, ComputeEnvironment> environments = new LinkedHashMap<>();
    private @Nullable Clock clock;
    private @Nullable Executor executor;
    private SandboxMode mode = SandboxMode.PREFER;
    private boolean modeSet;
    private @Nullable Path bubblewrap;
    private long pidsLimit = DEFAULT_PIDS_LIMIT;
    private boolean pidsLimitSet;
    private FetchSettings fetchSettings = FetchSettings.defaults();
    private final Map<String, Path> imageRoots = new LinkedHashMap<>();

    private Builder() {}

    /**
     * The root file system of the container image {@code image} ({@code name:tag}, as algorithms
     * name it), unpacked in the directory {@code root} (for instance from {@code docker export}):
     * in bubblewrap, a job naming that image runs over that root, read-only, with the image's own
     * programs and libraries instead of the host's {@code /usr}, in the working directory {@code
     * /}, exactly as on a container backend (its digest is not checked). Without the sandbox the
     * root is not used. Images without a root run over the host's {@code /usr}. Default: none.
     *
     * @throws IllegalArgumentException if {@code root} is not a directory, or the image was given a
     *     root already
     */
    public Builder imageRoot(String image, Path root) {
      requireNonNull(image, "image");
      requireNonNull(root, "root");
      if (!Files.isDirectory(root)) {
        throw new IllegalArgumentException(
            "the root file system of " + image + " must be a directory but " + root + " is not");
      }
      if (imageRoots.putIfAbsent(image, root.toAbsolutePath().normalize()) != null) {
        throw new IllegalArgumentException("image " + image + " was already given a root");
      }
      return this;
    }

    /**
     * How the provider fetches remote inputs (url, IPFS, Arweave) before a job starts: gateways,
     * time limits, size limit, retries, redirects; default {@link FetchSettings#defaults()}.
     */
    public Builder fetchSettings(FetchSettings fetchSettings) {
      this.fetchSettings = requireNonNull(fetchSettings, "fetchSettings");
      return this;
    }

    /** The directory jobs live in (created when the first job is submitted). Required. */
    public Builder workRoot(Path workRoot) {
      requireNonNull(workRoot, "workRoot");
      if (this.workRoot != null) {
        throw new IllegalStateException("workRoot was already set to " + this.workRoot);
      }
      this.workRoot = workRoot;
      return this;
    }

    /**
     * Adds an environment this backend offers; its maximum duration and its output and log caps are
     * enforced, and in bubblewrap a job's memory and disk (its own, else the environment's per-job
     * default) as address-space and file-size limits. Default: one environment {@value
     * EmbeddedComputeBackend#DEFAULT_ENVIRONMENT_ID} of {@value
     * ComputeEnvironment#DEFAULT_MAX_CONCURRENT_JOBS} jobs of at most an hour.
     *
     * @throws IllegalArgumentException if an environment with the same id was added
     */
    public Builder environment(ComputeEnvironment environment) {
      requireNonNull(environment, "environment");
      if (environments.putIfAbsent(environment.id(), environment) != null) {
        throw new IllegalArgumentException(
            "environment '" + environment.id() + "' was already added");
      }
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
     * The executor for staging, collecting and file access; default a pool of 4 daemon threads that
     * the backend shuts down on {@link EmbeddedComputeBackend#close()}. An executor handed in here
     * is never shut down by the backend.
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
     * Whether algorithms run inside bubblewrap; default {@link SandboxMode#PREFER}.
     *
     * @see EmbeddedComputeBackend
     */
    public Builder sandbox(SandboxMode mode) {
      requireNonNull(mode, "mode");
      if (modeSet) {
        throw new IllegalStateException("sandbox was already set to " + this.mode);
      }
      this.mode = mode;
      this.modeSet = true;
      return this;
    }

    /** The {@code bwrap} executable; default the one on {@code PATH} (or in {@code /usr/bin}). */
    public Builder bubblewrap(Path executable) {
      requireNonNull(executable, "executable");
      if (this.bubblewrap != null) {
        throw new IllegalStateException("bubblewrap was already set to " + this.bubblewrap);
      }
      this.bubblewrap = executable.toAbsolutePath();
      return this;
    }

    /**
     * The most processes of one job in bubblewrap ({@code RLIMIT_NPROC}); default {@value
     * EmbeddedComputeBackend#DEFAULT_PIDS_LIMIT}.
     *
     * @throws IllegalArgumentException if below 8
     */
    public Builder pidsLimit(long pidsLimit) {
      if (pidsLimit < 8) {
        throw new IllegalArgumentException("pidsLimit must be at least 8 but was " + pidsLimit);
      }
      if (pidsLimitSet) {
        throw new IllegalStateException("pidsLimit was already set to " + this.pidsLimit);
      }
      this.pidsLimit = pidsLimit;
      this.pidsLimitSet = true;
      return this;
    }

    /**
     * Builds the backend. Unless the sandbox is {@link SandboxMode#OFF} it runs bubblewrap's
     * self-test (a sandbox that prints a word, some milliseconds); otherwise it does no I/O until a
     * job is submitted or recovered.
     *
     * @throws IllegalStateException if no work root was set
     * @throws ConfigurationException if the sandbox is {@link SandboxMode#REQUIRE required} and
     *     bubblewrap is missing or fails its self-test
     */
    public EmbeddedComputeBackend build() {
      if (workRoot == null) {
        throw new IllegalStateException(
            "workRoot is required: the directory the embedded backend keeps its jobs in");
      }
      return new EmbeddedComputeBackend(this, workRoot.toAbsolutePath().normalize());
    }
  }
}
