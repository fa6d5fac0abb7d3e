package io.c2d.backend.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects an ended job's results into its result area: the outputs as the engine's archive of
 * {@code /data/outputs}, the container's log as {@code algorithm.log}, the configuration log, and
 * {@code publish.log} telling what was collected, skipped or cut. Every file is capped.
 *
 * <p>Stateless; thread-safe (one collection per job at a time).
 */
final class ContainerResults {
  private static final Logger logger = LoggerFactory.getLogger(ContainerResults.class);
  private static final Duration LOG_WAIT = Duration.ofMinutes(2);

  private ContainerResults() {}

  /**
   * What collecting produced.
   *
   * @param results the results listed, in order
   * @param cuts one line per result a cap cut or dropped
   * @param outputsFailed why the outputs could not be fetched, or null if they were
   */
  record Collected(List<JobResult> results, List<String> cuts, @Nullable String outputsFailed) {}

  /**
   * Collects the results of job {@code jobId}, replacing any earlier collection.
   *
   * @param containerId the job's container, or null if it never had one (only the logs kept on the
   *     provider's side are collected then)
   * @throws IOException if the result area cannot be written
   */
  static Collected collect(
      Shared shared,
      JobStore store,
      ComputeEnvironment environment,
      JobId jobId,
      @Nullable String containerId)
      throws IOException {
    JobStore.deleteTree(store.results());
    Path outputsArea = store.resultArea(ResultKind.OUTPUT);
    Path logsArea = store.resultArea(ResultKind.ALGORITHM_LOG);
    Files.createDirectories(outputsArea);
    Files.createDirectories(logsArea);
    StringBuilder publish = new StringBuilder();
    long noteRoom = environment.maxLogBytes() + 1;
    Consumer<String> note =
        line -> {
          if (publish.length() < noteRoom) { // bounded: an algorithm may leave millions of links
            publish.append(shared.clock().instant()).append(' ').append(line).append('\n');
          }
        };
    note.accept("collecting the results of job " + jobId);
    List<JobResult> results = new ArrayList<>();
    List<String> cuts = new ArrayList<>();
    String outputsFailed = null;
    if (containerId != null) {
      try (InputStream archive =
          shared.docker().copyArchiveFromContainerCmd(containerId, "/data/outputs").exec()) {
        Tars.Collected outputs =
            Tars.readOutputs(archive, outputsArea, environment.maxOutputBytes(), 0, note);
        results.addAll(outputs.results());
        cuts.addAll(outputs.cuts());
      } catch (IOException | RuntimeException e) {
        logger.warn("could not fetch the outputs of job {}", jobId, e);
        note.accept("could not fetch /data/outputs: " + e.getMessage());
        outputsFailed = "could not fetch the outputs from the container (" + e.getMessage() + ")";
      }
      Path algorithmLog = logsArea.resolve("algorithm.log");
      long logged =
          containerLog(
              shared, jobId, containerId, algorithmLog, environment.maxLogBytes(), cuts, note);
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
        Arrays.copyOf(bytes, kept),
        StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE);
    results.add(new JobResult("publish.log", ResultKind.PUBLISH_LOG, kept, results.size()));
    return new Collected(List.copyOf(results), List.copyOf(cuts), outputsFailed);
  }

  /**
   * Writes the container's stdout and stderr, capped at {@code cap}, to {@code target}; returns the
   * bytes kept or -1 if the engine had no log.
   */
  private static long containerLog(
      Shared shared,
      JobId jobId,
      String containerId,
      Path target,
      long cap,
      List<String> cuts,
      Consumer<String> note) {
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
          .logContainerCmd(containerId)
          .withStdOut(true)
          .withStdErr(true)
          .withFollowStream(false)
          .withTailAll()
          .exec(frames);
      if (!frames.awaitCompletion(LOG_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        JobContainer.closeQuietly(frames);
        note.accept("reading algorithm.log did not finish in time; kept what arrived");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return kept[0];
    } catch (IOException | RuntimeException e) {
      logger.warn("could not read the log of job {}", jobId, e);
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
}
