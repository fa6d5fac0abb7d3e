package io.c2d.spi.backend.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.spi.backend.JobSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class SandboxContractTest {

  @Test
  void inAContainerEverythingIsBelowDataAndTheTemporaryDirectoryIsTmp() {
    JobSpec spec = Specs.spec("a");

    Map<String, String> env = SandboxContract.container().environment(spec);

    assertThat(env)
        .containsEntry("DIDS", "[\"" + Specs.DATASET.id() + "\"]")
        .containsEntry("TRANSFORMATION_DID", "")
        .containsEntry("VOLUME", "/data")
        .containsEntry("INPUTS", "/data/inputs")
        .containsEntry("OUTPUTS", "/data/outputs")
        .containsEntry("LOGS", "/data/logs")
        .containsEntry("ALGO", "/data/transformations/algorithm")
        .containsEntry("HOME", "/tmp")
        .containsEntry("TMPDIR", "/tmp")
        .containsEntry("SEED", "1");
    assertThat(env.keySet()).startsWith("SEED").endsWith("ALGO", "TMPDIR");
  }

  @Test
  void aHostRootNamesItsOwnDirectoriesAndTheContractWinsOverTheAlgorithm() {
    SandboxContract contract = SandboxContract.of("/work/j/data/", "/work/j/data", "/work/j/tmp");

    Map<String, String> env = contract.environment(Specs.spec("a"));

    assertThat(env)
        .containsEntry("VOLUME", "/work/j/data")
        .containsEntry("ALGO", "/work/j/data/transformations/algorithm")
        .containsEntry("HOME", "/work/j/data")
        .containsEntry("TMPDIR", "/work/j/tmp");
    assertThat(contract.path(SandboxContract.CUSTOM_DATA))
        .isEqualTo("/work/j/data/inputs/algoCustomData.json");
  }

  @Test
  void theLayoutNamesDatasetsByTheirIdWithoutPrefix() {
    assertThat(SandboxContract.inputFile(Specs.DATASET, 2))
        .isEqualTo("inputs/" + Specs.DATASET.id() + "/2");
    assertThat(SandboxContract.ddo(Specs.DATASET)).isEqualTo("ddos/" + Specs.DATASET.id());
    assertThat(Specs.DATASET.id()).doesNotStartWith("did:");
  }

  @Test
  void relativeRootsAreRefused() {
    assertThatThrownBy(() -> SandboxContract.of("data", "/h", "/t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("root");
  }

  @Test
  void theEntrypointIsSplitIntoWordsWithAlgoReplacedAndNoShell() {
    assertThat(SandboxContract.container().command("python3 $ALGO"))
        .containsExactly("python3", "/data/transformations/algorithm");
    assertThat(SandboxContract.container().command("  node\t$ALGO   --seed  $HOME 'a b' x;y  "))
        .as("runs of white space are one separator; quotes, $HOME and ; are plain characters")
        .containsExactly(
            "node", "/data/transformations/algorithm", "--seed", "$HOME", "'a", "b'", "x;y");
    assertThat(SandboxContract.container().command("/noshell $ALGO $ALGO"))
        .containsExactly(
            "/noshell", "/data/transformations/algorithm", "/data/transformations/algorithm");
  }

  @Test
  void aSecondWordDashCTakesTheRestOfTheLineAsOneScript() {
    assertThat(
            SandboxContract.container()
                .command("sh -c   cat $ALGO > \"$OUTPUTS/a b\";\n echo 'done'  \n"))
        .containsExactly(
            "sh", "-c", "cat /data/transformations/algorithm > \"$OUTPUTS/a b\";\n echo 'done'");
    assertThat(SandboxContract.container().command("python3 -c print(1 + 1)"))
        .containsExactly("python3", "-c", "print(1 + 1)");
    assertThat(SandboxContract.container().command("sh -x -c echo hi"))
        .as("only a second word -c starts a script")
        .containsExactly("sh", "-x", "-c", "echo", "hi");
  }

  @Test
  void onAHostRootAlgoIsTheHostPathAndAnEmptyEntrypointIsRefused() {
    SandboxContract contract = SandboxContract.of("/work/j/data", "/work/j/data", "/work/j/tmp");

    assertThat(contract.command("sh $ALGO"))
        .containsExactly("sh", "/work/j/data/transformations/algorithm");
    assertThatThrownBy(() -> contract.command(" \t "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no program");
  }
}
