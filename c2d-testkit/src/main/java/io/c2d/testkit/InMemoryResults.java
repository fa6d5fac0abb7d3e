package io.c2d.testkit;

import static java.util.Objects.requireNonNull;

import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A set of results of {@link InMemoryComputeBackend} jobs and their bytes: the outputs in name
 * order, then the three logs. Built once and shared by the jobs that end with it, so it is
 * immutable (the bytes are copied in and never handed out for writing); thread-safe.
 */
final class InMemoryResults {
  private static final byte[] ALGORITHM_LOG =
      "in-memory backend: no algorithm runs here\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] CONFIGURATION_LOG =
      "in-memory backend: nothing to stage\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] PUBLISH_LOG =
      "in-memory backend: results kept in memory\n".getBytes(StandardCharsets.UTF_8);

  static final InMemoryResults LOGS_ONLY = of(Map.of());

  final List<JobResult> list;
  private final byte[][] bytes;

  private InMemoryResults(List<JobResult> list, byte[][] bytes) {
    this.list = list;
    this.bytes = bytes;
  }

  /**
   * The results of {@code outputs} (copied) and the three logs.
   *
   * @throws io.c2d.InvalidRequestException if an output name is not a safe result name
   */
  static InMemoryResults of(Map<String, byte[]> outputs) {
    requireNonNull(outputs, "outputs");
    TreeMap<String, byte[]> sorted = new TreeMap<>();
    outputs.forEach(
        (name, content) ->
            sorted.put(JobResult.checkName(name), requireNonNull(content, name).clone()));
    List<JobResult> list = new ArrayList<>(sorted.size() + 3);
    List<byte[]> bytes = new ArrayList<>(sorted.size() + 3);
    sorted.forEach(
        (name, content) -> {
          list.add(new JobResult(name, ResultKind.OUTPUT, content.length, list.size()));
          bytes.add(content);
        });
    list.add(
        new JobResult(
            "algorithm.log", ResultKind.ALGORITHM_LOG, ALGORITHM_LOG.length, list.size()));
    bytes.add(ALGORITHM_LOG);
    list.add(
        new JobResult(
            "configuration.log",
            ResultKind.CONFIGURATION_LOG,
            CONFIGURATION_LOG.length,
            list.size()));
    bytes.add(CONFIGURATION_LOG);
    list.add(new JobResult("publish.log", ResultKind.PUBLISH_LOG, PUBLISH_LOG.length, list.size()));
    bytes.add(PUBLISH_LOG);
    return new InMemoryResults(List.copyOf(list), bytes.toArray(new byte[0][]));
  }

  /** The bytes of the listed result matching {@code wanted} by kind and name, or null. */
  byte @Nullable [] find(JobResult wanted) {
    for (int i = 0; i < list.size(); i++) {
      JobResult result = list.get(i);
      if (result.kind() == wanted.kind() && result.name().equals(wanted.name())) {
        return bytes[i];
      }
    }
    return null;
  }
}
