package io.c2d.backend.docker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.Ulimit;
import com.github.dockerjava.api.model.WaitResponse;
import io.c2d.ErrorCode;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.BackendListener;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job of the {@link DockerComputeBackend}: checks the image, stages the job's files into a
 * fresh volume of a closed container, starts it, waits for it through the engine's wait API,
 * enforces the phase time limits and the maximum duration, collects outputs and logs, removes the
 * container and volume, persists every status in {@code state.json} and reports it.
 *
 * <p>Thread-safe. State changes happen under {@code lock}; listener calls happen outside it, one at
 * a time and in order, through {@code outbox}.
 */
final class DockerJob {
  private static final Logger logger = LoggerFactory.getLogger(DockerJob.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration LOG_WAIT = Duration.ofMinutes(2);
  private static final Duration REWATCH_DELAY = Duration.ofSeconds(1);

  private final JobSpec spec;
  private final JobStore store;
  private final ComputeEnvironment environment;
  private final Shared shared;
  private final String name;
  private final Object lock = new Object();
  private final ArrayDeque<BackendJobState> outbox = new ArrayDeque<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final AtomicBoolean resumed;

  // guarded by lock
  private BackendJobState state;
  private @Nullable BackendListener listener;
  private boolean draining;
  private @Nullable String containerId;
  private boolean started;
  private boolean stopRequested;
  private String stopDetail = "stopped on request";
  private @Nullable String timedOut;
  private boolean concluding;
  private boolean deleted;
  private @Nullable ScheduledFuture<?> timeout;

  private DockerJob(
      JobSpec spec,
      JobStore store,
      ComputeEnvironment environment,
      Shared shared,
      BackendJobState state,
      boolean resumed) {
    this.spec = spec;
    this.store = store;
    this.environment = environment;
    this.shared = shared;
    this.state = state;
    this.name = Labels.name(shared.sandbox().instance(), spec.jobId());
    this.resumed = new AtomicBoolean(resumed);
    if (state.status().isTerminal()) {
      ended.complete(null);
    }
  }

  static DockerJob create(
      JobSpec spec,
      JobStore store,
      ComputeEnvironment environment,
      Shared shared,
      BackendListener listener) {
    BackendJobState first =
        BackendJobState.of(spec.jobId(), JobStatus.WARMING_UP, shared.clock().instant());
    DockerJob job = new DockerJob(spec, store, environment, shared, first, true);
    job.listener = listener;
    return job;
  }

  /**
   * A job found in the result root, as an earlier instance left it; {@link #resume} decides what
   * happens next.
   */
  static DockerJob load(
      JobStore store, Function<String, ComputeEnvironment> environments, Shared shared)
      throws IOException {
    JobSpec spec = store.readSpec();
    BackendJobState state;
    try {
      state = store.readState();
    } catch (NoSuchFileException e) {
      state = BackendJobState.of(spec.jobId(), JobStatus.WARMING_UP, shared.clock().instant());
    }
    return new DockerJob(
        spec, store, environments.apply(spec.environmentId()), shared, state, false);
  }

  JobId id() {
    return spec.jobId();
  }

  JobSpec spec() {
    return spec;
  }

  BackendJobState state() {
    synchronized (lock) {
      return state;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Listener delivery

  void bind(BackendListener target, boolean sendCurrent) {
    synchronized (lock) {
      listener = target;
      if (sendCurrent) {
        outbox.add(state);
      }
    }
    flush();
  }

  private boolean report(
      JobStatus status,
      @Nullable Integer exitCode,
      @Nullable String detail,
      List<JobResult> results) {
    BackendJobState next;
    synchronized (lock) {
      if (deleted || shared.closed().getAsBoolean() || !state.status().canMoveTo(status)) {
        return false;
      }
      next = new BackendJobState(id(), status, exitCode, detail, results, shared.clock().instant());
      try {
        store.writeState(next);
      } catch (IOException e) {
        logger.warn("could not persist status {} of job {}", status, id(), e);
      }
      state = next;
      outbox.add(next);
      if (status.isTerminal()) {
        cancelTimeout();
      }
    }
    flush();
    if (status.isTerminal()) {
      ended.complete(null);
    }
    return true;
  }

  private boolean report(JobStatus status) {
    return report(status, null, null, List.of());
  }

  private void flush() {
    synchronized (lock) {
      if (draining) {
        return;
      }
      draining = true;
    }
    while (true) {
      BackendJobState next;
      BackendListener target;
      synchronized (lock) {
        next = outbox.poll();
        if (next == null) {
          draining = false;
          return;
        }
        target = listener;
      }
      if (target != null) {
        try {
          target.onUpdate(next);
        } catch (RuntimeException e) {
          logger.warn("the listener of job {} threw on {}; it must not", id(), next.status(), e);
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Submitting, staging, starting

  /** Durably accepts the job: creates its directory and writes job.json and state.json. */
  void accept() throws IOException {
    try {
      store.createDir();
    } catch (IOException e) {
      ended.completeExceptionally(e);
      throw e;
    }
    try {
      store.writeSpec(spec);
      store.writeState(state());
    } catch (IOException e) {
      try {
        JobStore.deleteTree(store.dir());
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      ended.completeExceptionally(e);
      throw e;
    }
  }

  void abandon(RuntimeException because) {
    ended.completeExceptionally(because);
  }

  /** Stages and starts the job; runs on the backend's executor. */
  void run() {
    try {
      stageAndStart();
    } catch (Abort e) {
      // stopped, timed out (already concluded), deleted or closed
    } catch (RuntimeException e) {
      logger.error("the Docker backend failed running job {}", id(), e);
      conclude(JobStatus.FAILED, null, "the Docker backend failed: " + e, false);
    }
  }

  private void stageAndStart() throws Abort {
    report(JobStatus.JOB_STARTED);
    checkpoint();
    report(JobStatus.CONFIGURING_VOLUMES);
    armTimeout(environment.phaseTimeouts().staging(), "staging");
    ContainerSpec container = spec.algorithm().container();
    configLog(
        "job " + id() + " in environment " + environment.id() + " (Docker backend, " + name + ")");
    try {
      checkImage(container);
      checkpoint();
      writeStaging();
      checkpoint();
      createObjects();
      checkpoint();
      upload();
    } catch (StageFailure failure) {
      configLog("staging failed: " + failure.getMessage());
      conclude(failure.status, null, failure.getMessage(), false);
      return;
    }
    report(JobStatus.PROVISIONING_SUCCESS);
    checkpoint();
    start();
  }

  private void checkImage(ContainerSpec container) throws StageFailure {
    DockerClient docker = shared.docker();
    String reference = container.image() + ":" + container.tag();
    InspectImageResponse image;
    try {
      image = docker.inspectImageCmd(reference).exec();
    } catch (NotFoundException missing) {
      if (!shared.sandbox().pullMissingImages()) {
        throw new StageFailure(
            JobStatus.IMAGE_PULL_FAILED,
            "image " + reference + " is not on the engine, and this backend does not pull images");
      }
      configLog("pulling " + reference);
      try {
        ResultCallback.Adapter<PullResponseItem> pull =
            docker
                .pullImageCmd(container.image())
                .withTag(container.tag())
                .exec(new ResultCallback.Adapter<>());
        if (!pull.awaitCompletion(
            environment.phaseTimeouts().staging().toMillis(), TimeUnit.MILLISECONDS)) {
          closeQuietly(pull);
          throw new StageFailure(
              JobStatus.IMAGE_PULL_FAILED, "pulling " + reference + " did not finish in time");
        }
        image = docker.inspectImageCmd(reference).exec();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StageFailure(JobStatus.IMAGE_PULL_FAILED, "interrupted pulling " + reference);
      } catch (RuntimeException e) {
        throw new StageFailure(
            JobStatus.IMAGE_PULL_FAILED, "could not pull " + reference + ": " + e.getMessage());
      }
    }
    String digest = container.digest();
    if (digest != null) {
      List<String> repoDigests =
          image.getRepoDigests() == null ? List.of() : image.getRepoDigests();
      boolean matches =
          digest.equals(image.getId())
              || repoDigests.stream().anyMatch(d -> d.endsWith("@" + digest));
      if (!matches) {
        throw new StageFailure(
            JobStatus.ALGORITHM_PROVISIONING_FAILED,
            "image "
                + reference
                + " is "
                + image.getId()
                + (repoDigests.isEmpty() ? "" : " " + repoDigests)
                + ", not the digest "
                + digest
                + " the algorithm names");
      }
      configLog("image " + reference + " has the digest " + digest);
    } else {
      configLog("image " + reference + " is " + image.getId());
    }
  }

  private void writeStaging() throws StageFailure, Abort {
    Path tarFile = store.stagingTar();
    Shared.Sandbox sandbox = shared.sandbox();
    try {
      Files.deleteIfExists(tarFile);
    } catch (IOException e) {
      throw new StageFailure(JobStatus.DATA_PROVISIONING_FAILED, "could not clear staging.tar");
    }
    try (Tars.Staging tar = new Tars.Staging(tarFile, sandbox.uid(), sandbox.gid())) {
      tar.directory("inputs");
      tar.directory("ddos");
      tar.directory("transformations");
      tar.writableDirectory("outputs");
      tar.writableDirectory("logs");
      for (DatasetInput dataset : spec.datasets()) {
        checkpoint();
        Did did = dataset.did();
        tar.directory("inputs/" + did.id());
        List<URI> uris = dataset.files();
        for (int n = 0; n < uris.size(); n++) {
          String what = "dataset " + did + " file " + n;
          Path source = localFile(uris.get(n), what, JobStatus.DATA_PROVISIONING_FAILED);
          tar.file("inputs/" + did.id() + "/" + n, List.of(source), 0444);
          configLog("staged " + what + " (" + Files.size(source) + " bytes)");
        }
        if (dataset.ddoJson().isPresent()) {
          tar.text("ddos/" + did.id(), dataset.ddoJson().get(), 0444);
        }
      }
      Algorithm algorithm = spec.algorithm();
      tar.text("inputs/algoCustomData.json", algorithm.customData(), 0444);
      if (algorithm.rawCode().isPresent()) {
        tar.text("transformations/algorithm", algorithm.rawCode().get(), 0555);
        configLog("staged the raw algorithm");
      } else {
        List<Path> sources = new ArrayList<>();
        for (int n = 0; n < algorithm.files().size(); n++) {
          sources.add(
              localFile(
                  algorithm.files().get(n),
                  "algorithm file " + n,
                  JobStatus.ALGORITHM_PROVISIONING_FAILED));
        }
        tar.file("transformations/algorithm", sources, 0555);
        if (algorithm.ddoJson().isPresent() && algorithm.did().isPresent()) {
          tar.text("ddos/" + algorithm.did().get().id(), algorithm.ddoJson().get(), 0444);
        }
        configLog("staged the published algorithm from " + sources.size() + " file(s)");
      }
    } catch (IOException e) {
      logger.warn("could not write the staging archive of job {}", id(), e);
      throw new StageFailure(
          JobStatus.DATA_PROVISIONING_FAILED,
          "the inputs could not be staged (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** The local path of a {@code file:} URI, or a staging failure naming {@code what}. */
  private static Path localFile(URI uri, String what, JobStatus failure) throws StageFailure {
    String scheme = uri.getScheme();
    if (scheme == null || !scheme.equalsIgnoreCase("file")) {
      throw new StageFailure(
          failure,
          what
              + ": the Docker backend stages only file: URIs, not "
              + (scheme == null ? "a relative URI" : scheme + ": URIs"));
    }
    Path path;
    try {
      path = Path.of(uri);
    } catch (IllegalArgumentException | FileSystemNotFoundException e) {
      throw new StageFailure(failure, what + ": not a usable file: URI");
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new StageFailure(failure, what + " is not a readable regular file");
    }
    return path;
  }

  private void createObjects() throws StageFailure, Abort {
    DockerClient docker = shared.docker();
    Map<String, String> labels = Labels.of(spec, shared.sandbox().instance());
    try {
      docker.createVolumeCmd().withName(name).withLabels(labels).exec();
    } catch (RuntimeException e) {
      throw new StageFailure(
          JobStatus.VOLUME_CREATION_FAILED,
          "could not create volume " + name + ": " + e.getMessage());
    }
    CreateContainerResponse created;
    try {
      ContainerSpec container = spec.algorithm().container();
      created =
          docker
              .createContainerCmd(container.image() + ":" + container.tag())
              .withName(name)
              .withLabels(labels)
              .withUser(shared.sandbox().uid() + ":" + shared.sandbox().gid())
              .withWorkingDir("/data")
              .withEnv(environmentVariables())
              .withEntrypoint("/bin/sh", "-c", container.entrypoint())
              .withCmd(List.of())
              .withStdinOpen(false)
              .withTty(false)
              .withHostConfig(hostConfig())
              .exec();
    } catch (RuntimeException e) {
      throw new StageFailure(
          JobStatus.CONTAINER_CREATION_FAILED,
          "could not create container " + name + ": " + e.getMessage());
    }
    boolean abandon;
    synchronized (lock) {
      containerId = created.getId();
      abandon = concluding || deleted || state.status().isTerminal();
    }
    configLog("created container " + name + " (" + created.getId() + ")");
    if (abandon) {
      removeObjects();
      throw new Abort();
    }
  }

  private void upload() throws StageFailure {
    String id = requireContainer();
    try (InputStream tar = Files.newInputStream(store.stagingTar())) {
      shared
          .docker()
          .copyArchiveToContainerCmd(id)
          .withRemotePath("/data")
          .withTarInputStream(tar)
          .exec();
    } catch (IOException | RuntimeException e) {
      throw new StageFailure(
          JobStatus.DATA_UPLOAD_FAILED,
          "could not copy the staged files into the container: " + e.getMessage());
    }
    try {
      Files.deleteIfExists(store.stagingTar());
    } catch (IOException e) {
      logger.warn("could not delete the staging archive of job {}", id(), e);
    }
    configLog("copied the staged files into the container's /data");
  }

  private List<String> environmentVariables() {
    Map<String, String> env = new LinkedHashMap<>(spec.algorithm().environment());
    ArrayNode dids = JSON.createArrayNode();
    for (Did did : spec.inputDids()) {
      dids.add(did.id());
    }
    env.put("DIDS", dids.toString());
    env.put("TRANSFORMATION_DID", spec.algorithm().did().map(Did::id).orElse(""));
    env.put("VOLUME", "/data");
    env.put("INPUTS", "/data/inputs");
    env.put("OUTPUTS", "/data/outputs");
    env.put("LOGS", "/data/logs");
    env.put("ALGO", "/data/transformations/algorithm");
    env.put("HOME", "/tmp");
    env.put("TMPDIR", "/tmp");
    List<String> list = new ArrayList<>(env.size());
    env.forEach((key, value) -> list.add(key + "=" + value));
    return list;
  }

  /** The closed sandbox: see {@link DockerComputeBackend}'s documentation of each setting. */
  HostConfig hostConfig() {
    Shared.Sandbox sandbox = shared.sandbox();
    long memory = limits().memoryBytes();
    long nanoCpus = limits().milliCpus() * 1_000_000L;
    long disk = limits().diskBytes();
    List<Ulimit> ulimits = new ArrayList<>();
    ulimits.add(new Ulimit("nofile", 1024L, 1024L));
    ulimits.add(new Ulimit("core", 0L, 0L));
    if (disk > 0) {
      ulimits.add(new Ulimit("fsize", disk, disk));
    }
    long logFile = Math.max(1L << 20, environment.maxLogBytes() + (64L << 10));
    HostConfig host =
        HostConfig.newHostConfig()
            .withNetworkMode(spec.networkAccess() ? "bridge" : "none")
            .withCapDrop(Capability.ALL)
            .withSecurityOpts(List.of("no-new-privileges"))
            .withPrivileged(false)
            .withReadonlyRootfs(true)
            .withTmpFs(Map.of("/tmp", "rw,noexec,nosuid,nodev,size=" + sandbox.tmpBytes()))
            .withMounts(
                List.of(
                    new Mount().withType(MountType.VOLUME).withSource(name).withTarget("/data")))
            .withPidsLimit(sandbox.pidsLimit())
            .withUlimits(ulimits)
            .withLogConfig(
                new LogConfig(
                    LogConfig.LoggingType.JSON_FILE,
                    Map.of("max-size", Long.toString(logFile), "max-file", "1")));
    if (memory > 0) {
      host.withMemory(memory).withMemorySwap(memory);
    }
    if (nanoCpus > 0) {
      host.withNanoCPUs(nanoCpus);
    }
    return host;
  }

  /** The job's resources, the environment's defaults filling in what the job left at 0. */
  private io.c2d.model.Resources limits() {
    io.c2d.model.Resources asked = spec.resources();
    io.c2d.model.Resources fallback = environment.defaultPerJob();
    return new io.c2d.model.Resources(
        asked.milliCpus() > 0 ? asked.milliCpus() : fallback.milliCpus(),
        asked.memoryBytes() > 0 ? asked.memoryBytes() : fallback.memoryBytes(),
        asked.diskBytes() > 0 ? asked.diskBytes() : fallback.diskBytes(),
        asked.gpus());
  }

  private void start() throws Abort {
    String id = requireContainer();
    boolean kill;
    synchronized (lock) {
      if (concluding || deleted || state.status().isTerminal()) {
        throw new Abort();
      }
      started = true;
      kill = stopRequested;
    }
    if (kill) {
      checkpoint();
    }
    try {
      shared.docker().startContainerCmd(id).exec();
    } catch (RuntimeException e) {
      configLog("could not start the container: " + e.getMessage());
      conclude(
          JobStatus.ALGORITHM_FAILED,
          null,
          "the container could not be started: " + e.getMessage(),
          false);
      return;
    }
    configLog("started the algorithm");
    report(JobStatus.RUNNING_ALGORITHM);
    armTimeout(spec.maxDuration(), "running");
    synchronized (lock) {
      kill = stopRequested || deleted;
    }
    if (kill) {
      writeEnding(JobStore.ENDING_STOPPED);
      killContainer(id);
    }
    watch(id);
  }

  /** Waits for the container to end with the engine's wait API; no polling. */
  private void watch(String id) {
    AtomicBoolean once = new AtomicBoolean();
    Runnable ended =
        () -> {
          if (once.compareAndSet(false, true)) {
            try {
              shared.executor().execute(this::containerEnded);
            } catch (RejectedExecutionException e) {
              // closed: a later instance recovers the job
            }
          }
        };
    try {
      var unused =
          shared
              .docker()
              .waitContainerCmd(id)
              .exec(
                  new ResultCallback.Adapter<WaitResponse>() {
                    @Override
                    public void onComplete() {
                      super.onComplete();
                      ended.run();
                    }

                    @Override
                    public void onError(Throwable throwable) {
                      // no super call: it logs at ERROR what is routine here (a closed client);
                      // containerEnded() inspects the container and waits again if it still runs
                      logger.debug(
                          "waiting for the container of job {}: {}", id(), throwable.toString());
                      closeQuietly(this);
                      ended.run();
                    }
                  });
    } catch (RuntimeException e) {
      logger.warn("could not wait for the container of job {}", id(), e);
      ended.run();
    }
  }

  /**
   * Continues a job loaded from the result root: finished jobs stay as they are; a running
   * container is waited for again; one that ended unwatched is collected. Runs once.
   */
  void resume() {
    if (!resumed.compareAndSet(false, true)) {
      return;
    }
    BackendJobState current = state();
    JobStatus status = current.status();
    if (status.isTerminal()) {
      ended.complete(null);
      return;
    }
    InspectContainerResponse inspected;
    try {
      inspected = shared.docker().inspectContainerCmd(name).exec();
    } catch (NotFoundException e) {
      conclude(
          JobStatus.FAILED,
          null,
          status.rank() >= JobStatus.RUNNING_ALGORITHM.rank()
              ? "the job's container is gone: it was removed while no backend instance watched it"
              : "the backend restarted while the job was at '"
                  + status.text().trim()
                  + "'; its algorithm never ran",
          false);
      return;
    }
    String id = inspected.getId();
    InspectContainerResponse.ContainerState containerState = inspected.getState();
    boolean running = Boolean.TRUE.equals(containerState.getRunning());
    boolean kill;
    synchronized (lock) {
      containerId = id;
      started = running || status.rank() >= JobStatus.RUNNING_ALGORITHM.rank();
      kill = stopRequested || deleted;
    }
    if (running) {
      Instant now = shared.clock().instant();
      Instant since = status == JobStatus.RUNNING_ALGORITHM ? current.at() : now;
      if (status.rank() < JobStatus.RUNNING_ALGORITHM.rank()) {
        report(JobStatus.RUNNING_ALGORITHM);
      }
      Duration left = spec.maxDuration().minus(Duration.between(since, now));
      armTimeout(left.isNegative() ? Duration.ZERO : left, "running");
      if (kill) {
        writeEnding(JobStore.ENDING_STOPPED);
        killContainer(id);
      }
      watch(id);
    } else if (status.rank() >= JobStatus.RUNNING_ALGORITHM.rank()
        || !"created".equals(containerState.getStatus())) {
      containerEnded();
    } else {
      conclude(
          JobStatus.FAILED,
          null,
          "the backend restarted while the job was at '"
              + status.text().trim()
              + "'; its algorithm never ran",
          false);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Ending

  /** Reacts to the end of the container; runs on the backend's executor. */
  void containerEnded() {
    if (shared.closed().getAsBoolean()) {
      return;
    }
    boolean stop;
    String timed;
    String stoppedBecause;
    String id;
    synchronized (lock) {
      if (deleted || concluding || state.status().isTerminal() || containerId == null) {
        return;
      }
      stop = stopRequested;
      timed = timedOut;
      stoppedBecause = stopDetail;
      id = containerId;
    }
    InspectContainerResponse.ContainerState ended;
    try {
      ended = shared.docker().inspectContainerCmd(id).exec().getState();
    } catch (NotFoundException e) {
      conclude(JobStatus.FAILED, null, "the job's container vanished while it ran", false);
      return;
    } catch (RuntimeException e) {
      logger.warn("could not inspect the container of job {}; waiting again", id(), e);
      rewatch(id);
      return;
    }
    if (Boolean.TRUE.equals(ended.getRunning())) {
      rewatch(id);
      return;
    }
    String ending = store.readEnding();
    Long code = ended.getExitCodeLong();
    Integer exitCode = code == null ? null : (int) code.longValue();
    boolean oom = Boolean.TRUE.equals(ended.getOOMKilled());
    if (stop || JobStore.ENDING_STOPPED.equals(ending)) {
      conclude(JobStatus.STOPPED, exitCode, stoppedBecause, false);
    } else if (timed != null || JobStore.ENDING_TIMED_OUT.equals(ending)) {
      conclude(
          JobStatus.TIMED_OUT,
          exitCode,
          "ran longer than its maximum duration of " + spec.maxDuration() + " and was killed",
          false);
    } else if (oom) {
      conclude(
          JobStatus.OUT_OF_MEMORY,
          exitCode,
          "the algorithm ran out of its "
              + limits().memoryBytes()
              + " bytes of memory and was killed",
          true);
    } else if (exitCode == null) {
      conclude(JobStatus.FAILED, null, "the container ended without an exit code", false);
    } else if (exitCode != 0) {
      conclude(
          JobStatus.ALGORITHM_FAILED, exitCode, "the algorithm exited with code " + exitCode, true);
    } else {
      conclude(JobStatus.COMPLETED, 0, null, true);
    }
  }

  private void rewatch(String id) {
    try {
      var unused =
          shared
              .scheduler()
              .schedule(() -> watch(id), REWATCH_DELAY.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed: a later instance recovers the job
    }
  }

  /**
   * Collects the results, removes the container and the volume, and reports the terminal status
   * (COMPLETED becomes COMPLETED_TRUNCATED when a cap cut something). Only the first call does
   * anything.
   */
  private void conclude(
      JobStatus status, @Nullable Integer exitCode, @Nullable String detail, boolean publishing) {
    String id;
    synchronized (lock) {
      if (concluding || deleted || state.status().isTerminal()) {
        return;
      }
      concluding = true;
      cancelTimeout();
      id = containerId;
    }
    armCollectingLimit(exitCode);
    if (publishing) {
      report(JobStatus.PUBLISHING_RESULTS);
    }
    JobStatus end = status;
    String why = detail;
    List<JobResult> results;
    try {
      Collected collected = collect(id);
      results = collected.results();
      if (!collected.cuts().isEmpty()) {
        if (end == JobStatus.COMPLETED) {
          end = JobStatus.COMPLETED_TRUNCATED;
        }
        why = join(why, "results cut at their caps: " + summary(collected.cuts()));
      }
      if (collected.outputsFailed() != null && end == JobStatus.COMPLETED) {
        end = JobStatus.RESULTS_FETCH_FAILED;
        why = join(why, collected.outputsFailed());
      }
    } catch (IOException | RuntimeException e) {
      logger.warn("collecting the results of job {} failed", id(), e);
      results = List.of();
      if (end == JobStatus.COMPLETED) {
        end = JobStatus.RESULTS_FETCH_FAILED;
      }
      why = join(why, "collecting the results failed (" + e.getClass().getSimpleName() + ")");
    }
    removeObjects();
    if (!report(end, exitCode, why, results)) {
      synchronized (lock) {
        concluding = false;
      }
    }
  }

  private record Collected(
      List<JobResult> results, List<String> cuts, @Nullable String outputsFailed) {}

  private Collected collect(@Nullable String id) throws IOException {
    JobStore.deleteTree(store.results());
    Path outputsArea = store.resultArea(ResultKind.OUTPUT);
    Path logsArea = store.resultArea(ResultKind.ALGORITHM_LOG);
    Files.createDirectories(outputsArea);
    Files.createDirectories(logsArea);
    StringBuilder publish = new StringBuilder();
    long noteRoom = environment.maxLogBytes() + 1;
    java.util.function.Consumer<String> note =
        line -> {
          if (publish.length() < noteRoom) { // bounded: an algorithm may leave millions of links
            publish.append(shared.clock().instant()).append(' ').append(line).append('\n');
          }
        };
    note.accept("collecting the results of job " + id());
    List<JobResult> results = new ArrayList<>();
    List<String> cuts = new ArrayList<>();
    String outputsFailed = null;
    if (id != null) {
      try (InputStream archive =
          shared.docker().copyArchiveFromContainerCmd(id, "/data/outputs").exec()) {
        Tars.Collected outputs =
            Tars.readOutputs(archive, outputsArea, environment.maxOutputBytes(), 0, note);
        results.addAll(outputs.results());
        cuts.addAll(outputs.cuts());
      } catch (IOException | RuntimeException e) {
        logger.warn("could not fetch the outputs of job {}", id(), e);
        note.accept("could not fetch /data/outputs: " + e.getMessage());
        outputsFailed = "could not fetch the outputs from the container (" + e.getMessage() + ")";
      }
      Path algorithmLog = logsArea.resolve("algorithm.log");
      long logged = containerLog(id, algorithmLog, cuts, note);
      if (logged >= 0) {
        results.add(
            new JobResult("algorithm.log", ResultKind.ALGORITHM_LOG, logged, results.size()));
      }
    }
    Path configuration = store.configurationLog();
    if (Files.isRegularFile(configuration, LinkOption.NOFOLLOW_LINKS)) {
      long copied;
      long size = Files.size(configuration);
      try (InputStream in = Files.newInputStream(configuration)) {
        copied =
            Tars.copyCapped(in, logsArea.resolve("configuration.log"), environment.maxLogBytes());
      }
      if (copied < size) {
        String cut = "configuration.log cut at " + copied + " bytes (the log cap)";
        note.accept(cut);
        cuts.add(cut);
      }
      results.add(
          new JobResult("configuration.log", ResultKind.CONFIGURATION_LOG, copied, results.size()));
    }
    note.accept(
        "listed "
            + results.size()
            + " results"
            + (cuts.isEmpty() ? "" : "; cut or dropped at a cap: " + String.join("; ", cuts)));
    byte[] bytes = publish.toString().getBytes(StandardCharsets.UTF_8);
    int kept = (int) Math.min(bytes.length, environment.maxLogBytes());
    if (kept < bytes.length) {
      cuts.add("publish.log cut at " + kept + " bytes");
    }
    Files.write(
        logsArea.resolve("publish.log"),
        java.util.Arrays.copyOf(bytes, kept),
        StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE);
    results.add(new JobResult("publish.log", ResultKind.PUBLISH_LOG, kept, results.size()));
    return new Collected(List.copyOf(results), List.copyOf(cuts), outputsFailed);
  }

  /**
   * Writes the container's stdout and stderr, capped, to {@code target}; returns the bytes kept or
   * -1 if the engine had no log.
   */
  private long containerLog(
      String id, Path target, List<String> cuts, java.util.function.Consumer<String> note) {
    long cap = environment.maxLogBytes();
    long[] kept = {0};
    boolean[] cut = {false};
    try (OutputStream out =
        Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ResultCallback.Adapter<Frame> frames =
          new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
              byte[] payload = frame.getPayload();
              if (payload == null) {
                return;
              }
              long room = cap - kept[0];
              int n = (int) Math.min(room, payload.length);
              if (n < payload.length) {
                cut[0] = true;
              }
              if (n > 0) {
                try {
                  out.write(payload, 0, n);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
                kept[0] += n;
              }
            }
          };
      shared
          .docker()
          .logContainerCmd(id)
          .withStdOut(true)
          .withStdErr(true)
          .withFollowStream(false)
          .withTailAll()
          .exec(frames);
      if (!frames.awaitCompletion(LOG_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        closeQuietly(frames);
        note.accept("reading algorithm.log did not finish in time; kept what arrived");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return kept[0];
    } catch (IOException | RuntimeException e) {
      logger.warn("could not read the log of job {}", id(), e);
      note.accept("could not read the algorithm's log: " + e.getMessage());
      return Files.exists(target) ? kept[0] : -1;
    }
    if (cut[0]) {
      String line = "algorithm.log cut at " + kept[0] + " bytes (the log cap)";
      note.accept(line);
      cuts.add(line);
    }
    return kept[0];
  }

  private static String join(@Nullable String first, String second) {
    return first == null ? second : first + "; " + second;
  }

  private static String summary(List<String> cuts) {
    int shown = Math.min(3, cuts.size());
    String text = String.join("; ", cuts.subList(0, shown));
    return cuts.size() > shown
        ? text + "; and " + (cuts.size() - shown) + " more (see publish.log)"
        : text;
  }

  /** Stops the job if it is under way; the stage completes once it has ended. */
  CompletableFuture<Void> stop(String detail) {
    String target;
    boolean running;
    synchronized (lock) {
      if (state.status().isTerminal()) {
        return CompletableFuture.completedFuture(null);
      }
      if (concluding) {
        return ended.copy();
      }
      if (!stopRequested) {
        stopRequested = true;
        stopDetail = detail;
      }
      target = containerId;
      running = started;
    }
    if (running && target != null) {
      Runnable kill =
          () -> {
            writeEnding(JobStore.ENDING_STOPPED);
            killContainer(target);
          };
      try {
        shared.executor().execute(kill);
      } catch (RejectedExecutionException e) {
        kill.run();
      }
    }
    return ended.copy();
  }

  /** Stops the job, then removes its container, volume and directory. */
  CompletableFuture<Void> delete() {
    return stop("deleted")
        .handle((ignored, failure) -> null)
        .thenRunAsync(
            () -> {
              synchronized (lock) {
                deleted = true;
                cancelTimeout();
              }
              removeObjects();
              try {
                JobStore.deleteTree(store.dir());
              } catch (IOException e) {
                throw new UncheckedIOException("could not remove the directory of job " + id(), e);
              }
            },
            shared.executor());
  }

  private void armTimeout(Duration after, String phase) {
    ScheduledFuture<?> scheduled;
    try {
      scheduled =
          shared
              .scheduler()
              .schedule(
                  () -> timeUp(phase, after), Math.max(0, after.toMillis()), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return;
    }
    synchronized (lock) {
      cancelTimeout();
      timeout = scheduled;
      if (state.status().isTerminal() || concluding) {
        cancelTimeout();
      }
    }
  }

  /**
   * Collecting has its environment's time limit too: past it the job ends as TIMED_OUT with no
   * results, whatever the collecting thread still does (its own report then comes too late).
   */
  private void armCollectingLimit(@Nullable Integer exitCode) {
    Duration limit = environment.phaseTimeouts().collecting();
    ScheduledFuture<?> scheduled;
    try {
      scheduled =
          shared
              .scheduler()
              .schedule(
                  () -> {
                    if (report(
                        JobStatus.TIMED_OUT,
                        exitCode,
                        "collecting the results took longer than its limit of " + limit,
                        List.of())) {
                      removeObjects();
                    }
                  },
                  limit.toMillis(),
                  TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return;
    }
    synchronized (lock) {
      timeout = scheduled;
      if (state.status().isTerminal()) {
        cancelTimeout();
      }
    }
  }

  private void cancelTimeout() {
    // called with lock held
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
  }

  private void timeUp(String phase, Duration limit) {
    String target;
    boolean running;
    synchronized (lock) {
      if (state.status().isTerminal()
          || concluding
          || stopRequested
          || shared.closed().getAsBoolean()) {
        return;
      }
      timedOut = phase;
      target = containerId;
      running = started;
    }
    if (running && target != null) {
      writeEnding(JobStore.ENDING_TIMED_OUT);
      killContainer(target);
    } else {
      try {
        shared
            .executor()
            .execute(
                () ->
                    conclude(
                        JobStatus.TIMED_OUT,
                        null,
                        "staging took longer than its limit of " + limit,
                        false));
      } catch (RejectedExecutionException e) {
        // closed
      }
    }
  }

  private void killContainer(String id) {
    try {
      shared.docker().killContainerCmd(id).exec();
    } catch (RuntimeException e) {
      // already ended, or gone: the wait reports what happened
      logger.debug("kill of the container of job {}: {}", id(), e.toString());
    }
  }

  /** Removes the job's container (with force) and volume; whatever is already gone is fine. */
  private void removeObjects() {
    DockerClient docker = shared.docker();
    try {
      docker.removeContainerCmd(name).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (RuntimeException e) {
      logger.warn("could not remove the container of job {}", id(), e);
    }
    try {
      docker.removeVolumeCmd(name).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (RuntimeException e) {
      logger.warn("could not remove the volume of job {}", id(), e);
    }
  }

  /**
   * Opens one listed result of the ended job, from its result area only.
   *
   * @throws io.c2d.NotFoundException if the job has not ended or did not list {@code wanted}
   */
  InputStream open(JobResult wanted) throws IOException {
    BackendJobState current = state();
    if (!current.status().isTerminal()) {
      throw new io.c2d.NotFoundException(
          ErrorCode.RESULT_NOT_FOUND, "job " + id() + " has not ended; its results are not ready");
    }
    JobResult listed = null;
    for (JobResult result : current.results()) {
      if (result.name().equals(wanted.name()) && result.kind() == wanted.kind()) {
        listed = result;
        break;
      }
    }
    if (listed == null) {
      throw new io.c2d.NotFoundException(
          ErrorCode.RESULT_NOT_FOUND,
          "job " + id() + " has no " + wanted.kind().oceanType() + " result " + wanted.name());
    }
    Path area = store.resultArea(listed.kind()).toAbsolutePath().normalize();
    Path file = area.resolve(listed.name()).normalize();
    if (!file.startsWith(area) || !file.toRealPath().startsWith(area.toRealPath())) {
      throw new io.c2d.NotFoundException(
          ErrorCode.RESULT_NOT_FOUND, "result " + listed.name() + " leaves the result area");
    }
    return Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
  }

  // ---------------------------------------------------------------------------------------------

  private String requireContainer() {
    synchronized (lock) {
      if (containerId == null) {
        throw new IllegalStateException("job " + id() + " has no container yet");
      }
      return containerId;
    }
  }

  private void checkpoint() throws Abort {
    boolean stop;
    String because;
    synchronized (lock) {
      if (deleted || concluding || state.status().isTerminal() || shared.closed().getAsBoolean()) {
        throw new Abort();
      }
      stop = stopRequested;
      because = stopDetail;
    }
    if (stop) {
      configLog("stopped before the algorithm ran");
      conclude(JobStatus.STOPPED, null, because, false);
      throw new Abort();
    }
  }

  private void configLog(String line) {
    try {
      JobStore.appendLine(store.configurationLog(), shared.clock().instant() + " " + line);
    } catch (IOException e) {
      logger.warn("could not write the configuration log of job {}", id(), e);
    }
  }

  private void writeEnding(String ending) {
    try {
      store.writeEnding(ending);
    } catch (IOException e) {
      logger.warn("could not record that job {} {}", id(), ending, e);
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // best effort
    }
  }

  /** The task ends here; whatever had to be reported was reported. */
  private static final class Abort extends Exception {
    private static final long serialVersionUID = 1L;

    Abort() {
      super(null, null, false, false);
    }
  }

  /** Staging failed with {@code status}; the message is the job's detail. */
  private static final class StageFailure extends Exception {
    private static final long serialVersionUID = 1L;
    final JobStatus status;

    StageFailure(JobStatus status, String detail) {
      super(detail, null, false, false);
      this.status = status;
    }
  }
}
