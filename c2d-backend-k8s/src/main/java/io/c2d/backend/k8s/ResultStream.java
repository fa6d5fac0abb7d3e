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
 * /data/outputs} to its standard output as text, and the backend reads that container's log through
 * the API server (no network in the pod, no {@code pods/exec}, no shared storage).
 *
 * <p>The format is line based: {@code C2D-FILE <base64 of the relative name>}, then the file's
 * content in base64 lines, then {@code C2D-END}; after the last file, {@code C2D-DONE}. A log
 * without {@code C2D-DONE} was cut (the kubelet rotates container logs at its {@code
 * containerLogMaxSize}, 10 MiB by default, so about 7 MiB of results fit) and the job's results
 * count as truncated.
 *
 * <p>Stateless and thread-safe.
 */
final class ResultStream {
  /** The publish container's shell script (busybox {@code sh}, {@code find}, {@code base64}). */
  static final String PUBLISH_SCRIPT =
      "cd /data/outputs && find . -type f | while IFS= read -r f; do"
          + " printf 'C2D-FILE %s\\n' \"$(printf '%s' \"${f#./}\" | base64 | tr -d '\\n')\";"
          + " base64 \"$f\"; printf 'C2D-END\\n'; done; printf 'C2D-DONE\\n'";

  private ResultStream() {}

  /** The publish container's log for {@code files} (name to content): what the script prints. */
  static String encode(List<String> names, List<byte[]> contents) {
    StringBuilder log = new StringBuilder();
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
    return log.append("C2D-DONE\n").toString();
  }

  /**
   * Writes the files of {@code log} below {@code outputs}, at most {@code maxBytes} in all.
   *
   * @return the outputs written, and whether anything was cut
   * @throws IOException if a file cannot be written or the log is malformed
   */
  static Decoded decode(String log, Path outputs, long maxBytes) throws IOException {
    Files.createDirectories(outputs);
    List<JobResult> results = new ArrayList<>();
    boolean truncated = false;
    boolean done = false;
    long total = 0;
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
          String checked = JobResult.checkName(name);
          if (total + content.length > maxBytes) {
            truncated = true;
          } else {
            Path target = outputs.resolve(checked).normalize();
            if (!target.startsWith(outputs)) {
              throw new IOException("result name leaves the result area: " + checked);
            }
            Files.createDirectories(target.getParent());
            try (OutputStream out = Files.newOutputStream(target)) {
              out.write(content);
            }
            total += content.length;
            results.add(new JobResult(checked, ResultKind.OUTPUT, content.length, results.size()));
          }
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
    return new Decoded(results, truncated || !done);
  }

  /** The outputs of a publish log. */
  record Decoded(List<JobResult> outputs, boolean truncated) {}
}
