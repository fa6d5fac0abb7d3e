package io.c2d.testkit.conformance;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;

import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.testkit.conformance.ComputeBackendConformanceKit.Promise;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The tests of the conformance kit's {@link ComputeBackendConformanceKit.Entrypoint} group: the
 * entrypoint is started as {@link io.c2d.spi.backend.support.SandboxContract#command} says ({@code
 * $ALGO} replaced, split on white space, executed without a shell) in the image's own working
 * directory, as ocean-node starts it. Run only through that nested class, which hands in the kit's
 * fixture.
 */
abstract class EntrypointPromises extends PromiseGroup {
  EntrypointPromises(ConformanceFixture fixture) {
    super(fixture);
  }

  @Test
  @DisplayName("the entrypoint's words reach the program as they are: no shell reads the line")
  @Keeps(Promise.ENTRYPOINT)
  void wordsReachTheProgramAsTheyAre() {
    KitJob job =
        submitWithEntrypoint(
            TestAlgorithms.PRINT_ARGS,
            TestAlgorithms.ENTRYPOINT + "  one \"two words\" $HOME a;b|c > x *  ");
    Map<String, byte[]> outputs = outputsOfCompleted(job);

    assertThat(text(outputs, "args.txt"))
        .as("the arguments after $ALGO, one a line (a shell would have expanded or split them)")
        .isEqualTo("one\n\"two\nwords\"\n$HOME\na;b|c\n>\nx\n*\n");
  }

  @Test
  @DisplayName("a program that is not a shell is the entrypoint itself")
  @Keeps(Promise.ENTRYPOINT)
  void aProgramThatIsNotAShellRuns() {
    KitJob job = submitWithEntrypoint(TestAlgorithms.PRINT_ARGS, "echo c2d-words $HOME a;b 'q'");
    BackendJobState end = job.awaitTerminal();

    assertThat(end.status())
        .as("end of %s", job.recorder.statuses())
        .isEqualTo(JobStatus.COMPLETED);
    assertThat(text(readAll(job.id(), end, ResultKind.ALGORITHM_LOG), "algorithm.log"))
        .as("echo's output in the algorithm log")
        .contains("c2d-words $HOME a;b 'q'");
  }

  @Test
  @DisplayName("an entrypoint 'sh -c <script>' runs the rest of the line as a shell script")
  @Keeps(Promise.ENTRYPOINT)
  void shDashCRunsAScript() {
    KitJob job =
        submitWithEntrypoint(
            TestAlgorithms.PRINT_ARGS,
            "sh -c sh $ALGO \"two words\" && echo \"$((6 * 7))\" > \"$OUTPUTS/sum.txt\"");
    Map<String, byte[]> outputs = outputsOfCompleted(job);

    assertThat(text(outputs, "sum.txt")).as("the script's arithmetic").isEqualTo("42\n");
    assertThat(text(outputs, "args.txt")).as("the script's quoting").isEqualTo("two words\n");
  }

  @Test
  @DisplayName("it runs in the image's working directory, where data/inputs/<did>/0 is the input")
  @Keeps(Promise.ENTRYPOINT)
  void runsInTheImagesWorkingDirectory() {
    KitJob job = submitWithEntrypoint(TestAlgorithms.PRINT_ARGS, TestAlgorithms.ENTRYPOINT);
    Map<String, byte[]> outputs = outputsOfCompleted(job);

    Optional<String> expected = algorithmWorkingDirectory();
    if (expected.isPresent()) {
      assertThat(text(outputs, "cwd.txt"))
          .as("the working directory (cwd.txt)")
          .isEqualTo(expected.get() + "\n");
    }
    Path first = Path.of(job.spec.datasets().get(0).files().get(0));
    byte[] input;
    try {
      input = Files.readAllBytes(first);
    } catch (java.io.IOException e) {
      throw new AssertionError("could not read the kit's input " + first, e);
    }
    assertThat(outputs.get("relative-input"))
        .as(
            "the first input, opened as data/inputs/<did>/0 from the working directory %s",
            text(outputs, "cwd.txt").strip())
        .isEqualTo(input);
  }

  private Map<String, byte[]> outputsOfCompleted(KitJob job) {
    BackendJobState end = job.awaitTerminal();
    assertThat(end.status())
        .as(
            "end of %s (algorithm log: %s)",
            job.recorder.statuses(),
            text(readAll(job.id(), end, ResultKind.ALGORITHM_LOG), "algorithm.log"))
        .isEqualTo(JobStatus.COMPLETED);
    return readAll(job.id(), end, ResultKind.OUTPUT);
  }

  private static String text(Map<String, byte[]> files, String name) {
    return new String(files.getOrDefault(name, new byte[0]), StandardCharsets.UTF_8);
  }
}
