package io.c2d.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.c2d.C2dException;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing (Jazzer) of the readers of a backend's state files ({@code job.json} and
 * the job's state beside it), which a crash, a full disk or a hand edit can leave in any shape.
 * {@link JobSpec#fromJson} and {@link BackendJobState#fromJson} document {@link
 * IllegalArgumentException} for text that is not such a file, so that and a {@link C2dException}
 * are accepted refusals; any other exception fails the target. Corpus: {@code
 * src/test/resources/io/c2d/fuzz/BackendStateFuzzTestInputs/}.
 */
final class BackendStateFuzzTest {
  @FuzzTest
  void jobSpec(byte[] input) {
    try {
      JobSpec spec = JobSpec.fromJson(new String(input, StandardCharsets.UTF_8));
      JobSpec.fromJson(spec.toJson());
    } catch (C2dException | IllegalArgumentException expected) {
      // a documented refusal
    }
  }

  @FuzzTest
  void jobState(byte[] input) {
    try {
      BackendJobState state = BackendJobState.fromJson(new String(input, StandardCharsets.UTF_8));
      BackendJobState.fromJson(state.toJson());
    } catch (C2dException | IllegalArgumentException expected) {
      // a documented refusal
    }
  }
}
