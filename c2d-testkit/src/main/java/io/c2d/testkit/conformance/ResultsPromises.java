package io.c2d.testkit.conformance;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;

import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.testkit.conformance.ComputeBackendConformanceKit.Promise;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The tests of the conformance kit's {@link ComputeBackendConformanceKit.Results} group: results
 * and logs are exactly what the algorithm wrote. Run only through that nested class, which hands in
 * the kit's fixture.
 */
abstract class ResultsPromises extends PromiseGroup {
  ResultsPromises(ConformanceFixture fixture) {
    super(fixture);
  }

  @Test
  @DisplayName("results are exactly what the algorithm wrote to /data/outputs: names, sizes, bytes")
  @Keeps(Promise.RESULTS)
  void resultsAreExactlyTheOutputs() {
    KitJob job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
    BackendJobState end = job.awaitTerminal();
    assertThat(end.status())
        .as("end of %s", job.recorder.statuses())
        .isEqualTo(JobStatus.COMPLETED);

    Map<String, byte[]> expected = new TreeMap<>(job.inputCopies());
    expected.put("hello.txt", utf8("hello from the conformance kit\n"));
    expected.put("nested/deeper/deep.txt", utf8("deep"));
    expected.put("bytes.bin", new byte[] {0, 1, 2, (byte) 0xff});
    expected.put("empty.txt", new byte[0]);

    Map<String, byte[]> outputs = readAll(job.id(), end, ResultKind.OUTPUT);
    assertThat(outputs.keySet())
        .as("output names")
        .containsExactlyInAnyOrderElementsOf(expected.keySet());
    expected.forEach(
        (name, bytes) ->
            assertThat(outputs.get(name)).as("bytes of output %s", name).isEqualTo(bytes));
    for (JobResult result : end.results()) {
      if (result.kind() == ResultKind.OUTPUT) {
        assertThat(result.size())
            .as("listed size of %s", result.name())
            .isEqualTo(expected.getOrDefault(result.name(), new byte[0]).length);
      }
    }
  }

  @Test
  @DisplayName("every listed result can be opened and has its listed size")
  @Keeps(Promise.RESULTS)
  void listedSizesAreTrue() {
    KitJob job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
    BackendJobState end = job.awaitTerminal();

    assertThat(end.results()).as("results").isNotEmpty();
    for (JobResult result : end.results()) {
      assertThat((long) read(job.id(), result).length)
          .as("bytes of %s %s", result.kind(), result.name())
          .isEqualTo(result.size());
    }
  }

  @Test
  @DisplayName("the algorithm log holds the algorithm's standard output and standard error")
  @Keeps(Promise.ALGORITHM_LOG)
  void algorithmLogHoldsStdoutAndStderr() {
    KitJob job = submit(TestAlgorithms.ECHO_INPUTS, spec -> {});
    BackendJobState end = job.awaitTerminal();

    String log =
        new String(read(job.id(), only(end, ResultKind.ALGORITHM_LOG)), StandardCharsets.UTF_8);
    assertThat(log)
        .contains("c2d-conformance: this line went to stdout")
        .contains("c2d-conformance: this line went to stderr");
  }
}
