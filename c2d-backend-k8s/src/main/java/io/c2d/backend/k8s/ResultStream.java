package io.c2d.backend.k8s;

import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How results leave the pod: the {@code publish} container prints every file of {@code
 * /data/outputs}, then every file the algorithm left in {@code /data/logs}, to its standard output
 * as text, and the backend reads that container's log through the API server (no network in the
 * pod, no {@code pods/exec}, no shared storage).
 *
 * <p>The format is line based: {@code C2D-FILE <base64 of the relative name>}, then the file's
 * content in base64 lines, then {@code C2D-END}; the line {@code C2D-LOGS} separates the outputs
 * from the files of {@code /data/logs}; after the last file, {@code C2D-DONE}. A log without {@code
 * C2D-DONE} was cut (the kubelet rotates container logs at its {@code containerLogMaxSize}, 10 MiB
 * by default, so about 7 MiB of results fit) and the job's results count as truncated. Symbolic
 * links are never followed ({@code find -type f} lists regular files only).
 *
 * <p>Stateless and thread-safe.
 */
final class ResultStream {
  /** The publish container's shell script (busybox {@code sh}, {@code find}, {@code base64}). */
  static final String PUBLISH_SCRIPT =
      "publish() { find . -type f | while IFS= read -r f; do"
          + " printf 'C2D-FILE %s\\n' \"$(printf '%s' \"${f#./}\" | base64 | tr -d '\\n')\";"
          + " base64 \"$f\"; printf 'C2D-END\\n'; done; };"
          + " if cd /data/outputs; then publish; fi; printf 'C2D-LOGS\\n';"
          + " if cd /data/logs 2>/dev/null; then publish; fi; printf 'C2D-DONE\\n'";

  /** The prefix of the names of the algorithm's own log files ({@code /data/logs}). */
  static final String LOG_FILE_PREFIX = "logs/";

  private ResultStream() {}

  /** The publish container's log for {@code files} (name to content): what the script prints. */
  static String encode(List<String> names, List<byte[]> contents) {
    return encode(names, contents, List.of(), List.of());
  }

  /** The publish container's log for outputs and the algorithm's own log files. */
  static String encode(
      List<String> names, List<byte[]> contents, List<String> logNames, List<byte[]> logs) {
    StringBuilder log = new StringBuilder();
    appendFiles(log, names, contents);
    log.append("C2D-LOGS\n");
    appendFiles(log, logNames, logs);
    return log.append("C2D-DONE\n").toString();
  }

  private static void appendFiles(StringBuilder log, List<String> names, List<byte[]> contents) {
    for (int i = 0; i < names.size(); i++) {
      log.append("C2D-FILE ")
          .append(Base64.getEncoder().encodeToString(names.get(i).getBytes(StandardCharsets.UTF_8)))
          .append('\n');
      String body = Base64.getMimeEncoder().encodeToString(contents.get(i));
      if (!body.isEmpty()) {
        log.append(body.replace("\r\n", "\n")).append('\n');
      }
      log.append("C2D-END\n");
    }
  }

  /**
   * Writes the outputs of {@code log} below {@code outputs}, at most {@code maxOutputBytes} in all,
   * and the algorithm's log files below {@code logs} (named {@value #LOG_FILE_PREFIX}{@code
   * <name>}), at most {@code maxLogBytes} in all.
   *
   * @return the results written, and what was cut
   * @throws IOException if a file cannot be written or the log is malformed
   */
  static Decoded decode(String log, Path outputs, long maxOutputBytes, Path logs, long maxLogBytes)
      throws IOException {
    Files.createDirectories(outputs);
    List<JobResult> results = new ArrayList<>();
    List<String> cuts = new ArrayList<>();
    boolean done = false;
    boolean inLogs = false;
    long outputTotal = 0;
    long logTotal = 0;
    @Nullable String name = null;
    StringBuilder body = new StringBuilder();
    try (BufferedReader reader = new BufferedReader(new StringReader(log))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (line.startsWith("C2D-FILE ")) {
          name =
              new String(
                  Base64.getDecoder().decode(line.substring("C2D-FILE ".length()).trim()),
                  StandardCharsets.UTF_8);
          body.setLength(0);
        } else if (line.equals("C2D-END") && name != null) {
          byte[] content = Base64.getMimeDecoder().decode(body.toString());
          String checked = JobResult.checkName(inLogs ? LOG_FILE_PREFIX + name : name);
          long total = inLogs ? logTotal : outputTotal;
          long max = inLogs ? maxLogBytes : maxOutputBytes;
          if (total + content.length > max) {
            cuts.add(
                (inLogs ? "log file " : "output ")
                    + checked
                    + " dropped: over the cap of "
                    + max
                    + " bytes");
          } else {
            Path area = inLogs ? logs : outputs;
            Path target = area.resolve(checked).normalize();
            if (!target.startsWith(area)) {
              throw new IOException("result name leaves the result area: " + checked);
            }
            Files.createDirectories(target.getParent());
            try (OutputStream out = Files.newOutputStream(target)) {
              out.write(content);
            }
            if (inLogs) {
              logTotal += content.length;
            } else {
              outputTotal += content.length;
            }
            results.add(
                new JobResult(
                    checked,
                    inLogs ? ResultKind.ALGORITHM_LOG : ResultKind.OUTPUT,
                    content.length,
                    results.size()));
          }
          name = null;
        } else if (line.equals("C2D-LOGS")) {
          inLogs = true;
          name = null;
        } else if (line.equals("C2D-DONE")) {
          done = true;
        } else if (name != null) {
          body.append(line).append('\n');
        }
      }
    } catch (IllegalArgumentException e) {
      throw new IOException("malformed publish log: " + e.getMessage(), e);
    }
    if (!done) {
      cuts.add("the publish step's log was cut before its end (the kubelet's log size limit)");
    }
    return new Decoded(results, cuts);
  }

  /** The results of a publish log, and what was cut or dropped at a cap (empty: nothing). */
  record Decoded(List<JobResult> results, List<String> cuts) {
    boolean truncated() {
      return !cuts.isEmpty();
    }
  }
}
