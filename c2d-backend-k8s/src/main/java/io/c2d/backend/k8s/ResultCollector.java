package io.c2d.backend.k8s;

import io.c2d.InvalidRequestException;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.support.JobDirectory;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects an ended job's results with the support layer's {@link
 * io.c2d.spi.backend.support.ResultCollector} (caps, names, links, {@code publish.log}): the
 * containers' logs streamed from the API server ({@code pods/log}), and, once the algorithm
 * succeeded, {@code /data/logs} and {@code /data/outputs} streamed out of the {@value
 * Manifests#PUBLISH} container as a tar archive through {@link PodExec}, read entry by entry
 * straight to disk. Once the outputs' cap is reached the stream is closed: what lies beyond it
 * never crosses the network. With an {@link OutputClaim} the pod has no publish step: the files are
 * taken from the claim instead (linked, not copied). Then decides the job's end from what was
 * collected.
 *
 * <p>Thread-safe (stateless but for its collaborators); blocks on the API server and the file
 * system, so it runs on the I/O threads.
 */
final class ResultCollector {
  private static final Logger log = LoggerFactory.getLogger(ResultCollector.class);

  /** How often a collection whose stream broke is made. */
  private static final int MAX_COLLECT_ATTEMPTS = 3;

  private static final String STREAM_FAILED = "streaming the results out of the pod failed: ";

  /** The wait before a broken results stream is resumed, times the failures in a row. */
  private static final Duration RESUME_PAUSE = Duration.ofSeconds(1);

  /** The most of the staging step's log held in memory (its script writes a few lines). */
  private static final int MAX_STAGING_LOG = 1 << 20;

  /** How deep the output claim's log directory is walked. */
  private static final int MAX_DEPTH = 32;

  /** The prefix of the names of the algorithm's own log files ({@code /data/logs}). */
  static final String ALGORITHM_LOG_PREFIX = "logs/";

  private final Cluster cluster;
  private final PodExec exec;
  private final ResultArea area;
  private final JobSettings settings;
  private final Clock clock;
  private final Executor ioThreads;
  private final PodPidLimits pidLimits;

  ResultCollector(
      Cluster cluster,
      PodExec exec,
      ResultArea area,
      JobSettings settings,
      Clock clock,
      Executor ioThreads) {
    this.cluster = cluster;
    this.exec = exec;
    this.area = area;
    this.settings = settings;
    this.clock = clock;
    this.ioThreads = ioThreads;
    this.pidLimits = new PodPidLimits(cluster);
  }

  /**
   * Collects what job {@code t} left in {@code pod} (null: no pod to collect from) after it was
   * seen ending as {@code seen}; returns its end.
   */
  BackendJobState collect(TrackedJob t, PodObservation seen, @Nullable Pod pod) {
    // A results stream that breaks (the exec WebSocket closed under load) is resumed where it
    // broke;
    // one that could not be resumed is tried again from the start, a few times: the publish step
    // still waits, and a collection replaces the one before.
    for (int attempt = 1; ; attempt++) {
      BackendJobState end = collectOnce(t, seen, pod);
      String detail = end.detail();
      if (attempt >= MAX_COLLECT_ATTEMPTS
          || end.status() != JobStatus.RESULTS_FETCH_FAILED
          || seen.kind() != PodObservation.Kind.COLLECTABLE
          || detail == null
          || !detail.startsWith(STREAM_FAILED)) {
        return end;
      }
      log.warn("collecting job {} again (attempt {}): {}", t.spec.jobId(), attempt + 1, detail);
      LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
    }
  }

  private BackendJobState collectOnce(TrackedJob t, PodObservation seen, @Nullable Pod pod) {
    JobId id = t.spec.jobId();
    ComputeEnvironment env = settings.environment(t.spec.environmentId());
    JobStatus status = seen.status();
    String detail = seen.detail();
    try {
      JobDirectory directory = area.directory(id);
      io.c2d.spi.backend.support.ResultCollector results =
          io.c2d.spi.backend.support.ResultCollector.start(
              directory, env.maxOutputBytes(), env.maxLogBytes(), clock);
      results.note("collecting the results of job " + id + " (" + seen.status() + ")");
      Progress progress = new Progress(env.maxOutputBytes(), env.maxLogBytes());
      String cutWhileRunning = null;
      if (pod != null) {
        String podName = pod.getMetadata().getName();
        // two round trips to the kubelet: the staging step's short log is read beside the
        // algorithm's rather than after it
        CompletableFuture<byte[]> stageLog =
            StagingSteps.hasStagingStep(pod)
                ? CompletableFuture.supplyAsync(() -> stagingLog(podName), ioThreads)
                : CompletableFuture.completedFuture(new byte[0]);
        try (OutputStream out =
            progress.log(results.openLog("algorithm.log", ResultKind.ALGORITHM_LOG))) {
          copyContainerLog(podName, Manifests.ALGORITHM, out);
        }
        try (OutputStream out =
            progress.log(results.openLog("configuration.log", ResultKind.CONFIGURATION_LOG))) {
          if (Files.isRegularFile(directory.configurationLog(), LinkOption.NOFOLLOW_LINKS)) {
            Files.copy(directory.configurationLog(), out);
          }
          String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
          if (node != null) {
            out.write(
                (clock.instant() + " " + pidLimits.describe(node) + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
          }
          out.write(stageLog.join());
        }
        if (seen.kind() == PodObservation.Kind.SUCCEEDED) {
          progress.failure =
              "the pod ended before this backend collected its results (collected by another"
                  + " instance that ended before it recorded the job's end?)";
          results.outputsFailed(progress.failure);
        } else if (seen.kind() == PodObservation.Kind.COLLECTABLE) {
          OutputClaim claim = settings.outputClaim();
          try {
            if (claim != null) {
              takeFromClaim(claim, id, results, directory, progress);
            } else {
              readResults(podName, results, directory, progress);
            }
            status = JobStatus.COMPLETED;
            Containment.Verdict verdict = Containment.verdict(pod);
            if (verdict != null && verdict.quota()) {
              // stopped at a cap: what it wrote up to the caps was collected all the same
              status = JobStatus.DISK_QUOTA_EXCEEDED;
              detail = "stopped at a cap while it ran: " + verdict.detail();
              results.note(detail);
            } else if (verdict != null) {
              progress.cut = true;
              cutWhileRunning = "algorithm.log: " + verdict.detail() + " while the algorithm ran";
              results.note(cutWhileRunning);
            }
          } catch (IOException e) {
            // the kubelet measures a pod's disk late: one that wrote past its limit is often
            // evicted while its results are read, which breaks the stream
            // (the stream looked at the pod before it gave up, unless it broke otherwise)
            PodObservation evicted = progress.evicted;
            if (evicted == null && claim == null) {
              evicted = evictedNow(podName);
            }
            if (evicted != null) {
              status = evicted.status();
              detail = evicted.detail() + " while its results were read (" + e.getMessage() + ")";
              results.note(detail);
            } else {
              log.warn("reading the results of job {} failed", id, e);
              progress.failure =
                  (claim != null
                          ? "taking the results from the output claim failed: "
                          : STREAM_FAILED)
                      + e.getMessage();
              results.outputsFailed(progress.failure);
            }
          }
        }
      } else {
        results.note("no pod to collect from: " + (detail == null ? "" : detail));
      }
      JobStatus expected =
          progress.failure != null
              ? JobStatus.RESULTS_FETCH_FAILED
              : status == JobStatus.COMPLETED && progress.cut
                  ? JobStatus.COMPLETED_TRUNCATED
                  : status;
      String expectedDetail = progress.failure != null ? progress.failure : detail;
      results.note("ends as " + expected + (expectedDetail == null ? "" : ": " + expectedDetail));
      io.c2d.spi.backend.support.ResultCollector.Collected collected = results.finish();
      if (collected.failure() != null) {
        status = JobStatus.RESULTS_FETCH_FAILED;
        detail = collected.failure();
      } else if (status == JobStatus.COMPLETED
          && (collected.truncated() || cutWhileRunning != null)) {
        status = JobStatus.COMPLETED_TRUNCATED;
        detail =
            "cut or dropped at a cap: "
                + (collected.truncated() ? collected.cutSummary() : "")
                + (collected.truncated() && cutWhileRunning != null ? "; " : "")
                + (cutWhileRunning == null ? "" : cutWhileRunning);
      } else if (status == JobStatus.DISK_QUOTA_EXCEEDED && collected.truncated()) {
        detail = detail + "; cut or dropped at a cap: " + collected.cutSummary();
      }
      removeFromClaim(id);
      return new BackendJobState(
          id, status, seen.exitCode(), detail, collected.results(), clock.instant());
    } catch (IOException e) {
      log.warn("collecting the results of job {} failed", id, e);
      return new BackendJobState(
          id,
          seen.kind() == PodObservation.Kind.COLLECTABLE ? JobStatus.RESULTS_FETCH_FAILED : status,
          seen.exitCode(),
          "writing the results failed: " + e.getMessage(),
          List.of(),
          clock.instant());
    }
  }

  /** What an eviction of pod {@code podName} means now, or null if it was not evicted. */
  private @Nullable PodObservation evictedNow(String podName) {
    try {
      Pod now = cluster.client().pods().inNamespace(cluster.namespace()).withName(podName).get();
      return now == null ? null : Containment.evicted(now);
    } catch (RuntimeException e) {
      log.debug("could not read pod {} again", podName, e);
      return null;
    }
  }

  /**
   * What one collection learnt as it went, so that {@code publish.log} can say how the job ends
   * before it is written: whether a cap cut something, and why the outputs could not be fetched.
   */
  private static final class Progress {
    final long maxOutputBytes;
    final long maxLogBytes;
    long outputRoom;
    boolean cut;
    @Nullable String failure;

    /** The pod's eviction, once a broken results stream found it evicted. */
    @Nullable PodObservation evicted;

    Progress(long maxOutputBytes, long maxLogBytes) {
      this.maxOutputBytes = maxOutputBytes;
      this.maxLogBytes = maxLogBytes;
      this.outputRoom = maxOutputBytes;
    }

    /** {@code log}, counting what is written to it: beyond the log cap is a cut. */
    OutputStream log(OutputStream log) {
      return new FilterOutputStream(log) {
        private long written;

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          written += len;
          if (written > maxLogBytes) {
            cut = true;
          }
          out.write(b, off, len);
        }

        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }
      };
    }
  }

  /** Lets the publish step of {@code pod} end: the results are held (best effort). */
  void release(String podName) {
    if (settings.outputClaim() != null) {
      return; // no publish step: the pod ended with its algorithm
    }
    try {
      exec.run(podName, Manifests.PUBLISH, Manifests.RELEASE_COMMAND, Duration.ofSeconds(30));
    } catch (IOException e) {
      log.info(
          "could not release the publish step of pod {}; it ends at its own time limit",
          podName,
          e);
    }
  }

  /**
   * Copies one container's log (the algorithm's is capped as it is written: {@link Containment}).
   */
  private void copyContainerLog(String podName, String container, OutputStream out) {
    readContainerLog(podName, container, in -> in.transferTo(out));
  }

  /** What reads a container's log stream. */
  private interface LogReader {
    void read(InputStream log) throws IOException;
  }

  /** Hands one container's log to {@code reader}; a log the kubelet cannot serve is skipped. */
  private void readContainerLog(String podName, String container, LogReader reader) {
    try (InputStream in =
        cluster
            .client()
            .pods()
            .inNamespace(cluster.namespace())
            .withName(podName)
            .inContainer(container)
            .getLogInputStream()) {
      if (in != null) {
        reader.read(in);
      }
    } catch (IOException | KubernetesClientException e) {
      log.debug("no log of {} in pod {}", container, podName, e);
    }
  }

  /**
   * The staging step's log, up to {@link #MAX_STAGING_LOG}: a few lines of c2d's own script, which
   * the algorithm cannot write to; nothing where there is none.
   */
  private byte[] stagingLog(String podName) {
    ByteArrayOutputStream held = new ByteArrayOutputStream();
    readContainerLog(
        podName, Manifests.STAGE_DATA, in -> held.write(in.readNBytes(MAX_STAGING_LOG)));
    return held.toByteArray();
  }

  /**
   * Reads the archive of {@code /data/logs} then {@code /data/outputs} into {@code results},
   * closing the stream once the outputs' cap is reached. A stream that breaks is resumed where it
   * broke ({@link ResumableOutput}), so the archive is read once, whatever the WebSocket does.
   */
  private void readResults(
      String podName,
      io.c2d.spi.backend.support.ResultCollector results,
      JobDirectory directory,
      Progress progress)
      throws IOException {
    try (ResumableOutput output =
        new ResumableOutput(
            exec,
            podName,
            Manifests.PUBLISH,
            Manifests.COLLECT_COMMAND,
            settings.transferTimeout(),
            RESUME_PAUSE,
            () -> {
              progress.evicted = evictedNow(podName);
              return progress.evicted != null;
            })) {
      boolean whole = readArchive(output, results, directory, progress);
      if (whole) {
        output.finish();
      }
      if (output.streams() > 1) {
        results.note(
            "the results' stream broke and was resumed: "
                + output.position()
                + " bytes in "
                + output.streams()
                + " streams");
      }
    }
  }

  /** Reads the results' archive entry by entry; returns false if it stopped at the outputs' cap. */
  private static boolean readArchive(
      InputStream output,
      io.c2d.spi.backend.support.ResultCollector results,
      JobDirectory directory,
      Progress progress)
      throws IOException {
    TarArchiveInputStream tar = new TarArchiveInputStream(output);
    for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
      String name = entry.getName();
      if (name.startsWith("./")) {
        name = name.substring(2);
      }
      boolean isOutput = name.startsWith("outputs/");
      if (!isOutput && !name.startsWith("logs/")) {
        continue;
      }
      String relative = name.substring(name.indexOf('/') + 1);
      if (entry.isDirectory() || relative.isEmpty()) {
        continue;
      }
      if (entry.isSymbolicLink()
          || entry.isLink()
          || entry.isCharacterDevice()
          || entry.isBlockDevice()
          || entry.isFIFO()
          || !entry.isFile()) {
        results.skip(relative, "not a regular file (links are never followed)");
        continue;
      }
      if (isOutput) {
        long size = entry.getSize();
        if (progress.outputRoom <= 0 && size > 0) {
          progress.cut = true;
          results.addOutput(relative, size, InputStream.nullInputStream());
          results.note(
              "stopped reading the outputs at the cap of "
                  + progress.maxOutputBytes
                  + " bytes: the rest was not transferred");
          return false;
        }
        if (size > progress.outputRoom) {
          progress.cut = true;
        }
        results.addOutput(relative, size, tar);
        progress.outputRoom -= Math.min(progress.outputRoom, size);
      } else {
        if (entry.getSize() > progress.maxLogBytes) {
          progress.cut = true;
        }
        addLogFile(results, directory, relative, tar);
      }
    }
    return true;
  }

  /**
   * Takes job {@code id}'s files from the output claim: the logs' files copied (each cut at the log
   * cap), then the outputs moved into the result area, the output cap applied as they are taken.
   * Links, devices and FIFOs are skipped, never followed.
   */
  private static void takeFromClaim(
      OutputClaim claim,
      JobId id,
      io.c2d.spi.backend.support.ResultCollector results,
      JobDirectory directory,
      Progress progress)
      throws IOException {
    Path job = claim.jobDirectory(id);
    if (!Files.isDirectory(job, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(
          "the job's directory " + job + " on output claim " + claim.claim() + " is gone");
    }
    Path logs = job.resolve(OutputClaim.LOGS);
    if (Files.isDirectory(logs, LinkOption.NOFOLLOW_LINKS)) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(logs, MAX_DEPTH)) {
        files = walk.filter(p -> !p.equals(logs)).sorted().toList();
      }
      for (Path file : files) {
        String relative = relativeName(logs, file);
        BasicFileAttributes attrs =
            Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attrs.isDirectory()) {
          continue;
        }
        if (!attrs.isRegularFile()) {
          results.skip(
              ALGORITHM_LOG_PREFIX + relative, "not a regular file (links are never followed)");
          continue;
        }
        if (attrs.size() > progress.maxLogBytes) {
          progress.cut = true;
        }
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
          addLogFile(results, directory, relative, in);
        }
      }
    }
    results.takeOutputDirectory(job.resolve(OutputClaim.OUTPUTS), "data/outputs");
    if (results.cutSoFar()) {
      progress.cut = true;
    }
  }

  /** Removes what is left of job {@code id}'s directory on the output claim (best effort). */
  private void removeFromClaim(JobId id) {
    OutputClaim claim = settings.outputClaim();
    if (claim == null) {
      return;
    }
    try {
      claim.remove(id);
    } catch (IOException e) {
      log.warn("could not remove the directory of job {} from the output claim", id, e);
    }
  }

  private static String relativeName(Path root, Path file) {
    StringBuilder name = new StringBuilder();
    for (Path segment : root.relativize(file)) {
      if (name.length() > 0) {
        name.append('/');
      }
      name.append(segment);
    }
    return name.toString();
  }

  /** Adds a file the algorithm left in {@code /data/logs} as the log {@code logs/<name>}. */
  private static void addLogFile(
      io.c2d.spi.backend.support.ResultCollector results,
      JobDirectory directory,
      String relative,
      InputStream content)
      throws IOException {
    String name = ALGORITHM_LOG_PREFIX + relative;
    try {
      JobResult.checkName(name);
    } catch (InvalidRequestException e) {
      results.skip(name, "not a safe result name");
      return;
    }
    Path target = directory.resultArea(ResultKind.ALGORITHM_LOG).resolve(name).getParent();
    if (target != null) {
      Files.createDirectories(target);
    }
    try (OutputStream out = results.openLog(name, ResultKind.ALGORITHM_LOG)) {
      content.transferTo(out);
    }
  }
}
