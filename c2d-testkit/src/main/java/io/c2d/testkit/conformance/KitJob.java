package io.c2d.testkit.conformance;

import io.c2d.model.DatasetInput;
import io.c2d.model.JobId;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A job the conformance kit submitted, with what it expects of it. Its recorder may be read from
 * any thread.
 */
final class KitJob {
  final JobSpec spec;
  final Recorder recorder;
  final String secret;
  private final Duration timeout;

  KitJob(JobSpec spec, Recorder recorder, String secret, Duration timeout) {
    this.spec = spec;
    this.recorder = recorder;
    this.secret = secret;
    this.timeout = timeout;
  }

  JobId id() {
    return spec.jobId();
  }

  BackendJobState awaitTerminal() {
    return recorder.awaitTerminal(timeout);
  }

  /** The outputs echo-inputs writes for the inputs: {@code input-<did>-<n>} to bytes. */
  Map<String, byte[]> inputCopies() {
    Map<String, byte[]> copies = new TreeMap<>();
    for (DatasetInput dataset : spec.datasets()) {
      for (int n = 0; n < dataset.files().size(); n++) {
        try {
          copies.put(
              String.format(Locale.ROOT, "input-%s-%d", dataset.did().id(), n),
              Files.readAllBytes(Path.of(dataset.files().get(n))));
        } catch (IOException e) {
          throw new AssertionError(
              "could not read the kit's own input " + dataset.files().get(n), e);
        }
      }
      copies.put(
          "ddo-" + dataset.did().id(),
          dataset.ddoJson().orElseThrow().getBytes(StandardCharsets.UTF_8));
    }
    return copies;
  }
}
