package io.c2d.backend.k8s;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects an ended job's results into its {@link ResultArea}: the containers' logs through the API
 * server, and on success the outputs and the algorithm's own log files from the {@code publish}
 * container's log ({@link ResultStream}), each kind capped by the job's environment; then writes
 * {@code publish.log}, what was collected and cut, and decides the job's end from it.
 *
 * <p>Thread-safe (stateless but for its collaborators); blocks on the API server and the file
 * system, so it runs on the I/O threads.
 */
final class ResultCollector {
  private static final Logger log = LoggerFactory.getLogger(ResultCollector.class);

  private final Cluster cluster;
  private final ResultArea area;
  private final JobSettings settings;
  private final Clock clock;

  ResultCollector(Cluster cluster, ResultArea area, JobSettings settings, Clock clock) {
    this.cluster = cluster;
    this.area = area;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * Collects what job {@code t} left in {@code pod} (null: no pod to collect from) after it was
   * seen ending as {@code seen}; returns its end.
   */
  BackendJobState collect(TrackedJob t, PodObservation seen, @Nullable Pod pod) {
    JobId id = t.spec.jobId();
    Path jobDir = area.jobDir(id);
    ComputeEnvironment env = settings.environment(t.spec.environmentId());
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
          String published = cluster.podLog(podName, Manifests.PUBLISH);
          ResultStream.Decoded decoded =
              ResultStream.decode(
                  published,
                  jobDir.resolve(ResultArea.OUTPUTS),
                  env.maxOutputBytes(),
                  jobDir.resolve(ResultArea.LOGS),
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
        text.append(cluster.podLog(podName, container));
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
  private static long writeText(
      Path jobDir,
      String name,
      ResultKind kind,
      ComputeEnvironment env,
      List<JobResult> results,
      String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > env.maxLogBytes()) {
      bytes = Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE, env.maxLogBytes()));
    }
    try {
      Path dir = Files.createDirectories(jobDir.resolve(ResultArea.LOGS));
      Files.write(dir.resolve(name), bytes);
      results.add(new JobResult(name, kind, bytes.length, results.size()));
      return bytes.length;
    } catch (IOException e) {
      log.warn("writing {} of {} failed", name, jobDir, e);
      return -1;
    }
  }
}
