package io.c2d.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.keeper.KeeperChain;
import io.c2d.keeper.LoopbackEndpoints;
import io.c2d.keeper.OceanV4Chain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main job on a chain: anvil, Ocean's v4 contracts, a real order, and the embedded
 * backend behind the {@code ocean-orders} verifier.
 */
final class OnChainMainJobTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  void theConsumerWhoOrderedRunsTheJobThroughTheOrderVerifier() throws Exception {
    int exitCode = run("--work-dir", dir.toString());

    assertCompleted(
        exitCode,
        "ocean-orders",
        "consumer " + OceanV4Chain.CONSUMER.getAddress() + " ordered service 0");
  }

  @Test
  void aConsumerWithoutTheOrderIsRefusedByTheChain() throws Exception {
    int exitCode =
        run(
            "--work-dir",
            dir.toString(),
            "--consumer-key",
            OnChainMainJob.privateKey(OceanV4Chain.STRANGER));

    assertThat(exitCode).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("agreement_refused")
        .containsIgnoringCase(OceanV4Chain.STRANGER.getAddress());
    assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("Job finished");
  }

  @Test
  void theConsumerOfAKeeperAgreementRunsTheJobOnceTheProviderGrantsIt() throws Exception {
    int exitCode = run("--keeper", "--work-dir", dir.toString());

    assertCompleted(exitCode, "keeper", "consumer " + KeeperChain.CONSUMER + " created agreement");
  }

  @Test
  void aConsumerOutsideTheKeeperAgreementIsRefusedByTheChain() throws Exception {
    int exitCode =
        run(
            "--keeper",
            "--work-dir",
            dir.toString(),
            "--consumer-key",
            OnChainMainJob.privateKey(OceanV4Chain.STRANGER));

    assertThat(exitCode).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("agreement_refused");
    assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("Job finished");
  }

  @Test
  void aNodeThatDoesNotAnswerIsReportedNotRetriedForEver() throws Exception {
    int exitCode = run("--rpc-url", LoopbackEndpoints.closed().toString());

    assertThat(exitCode).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("could not set up the chain");
  }

  @Test
  void anRpcUrlWithoutAValueIsAUsageError() throws Exception {
    assertThat(run("--rpc-url")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--rpc-url needs a value");
  }

  /** The job ran through {@code verifier} after the chain said {@code entitled}, and completed. */
  private void assertCompleted(int exitCode, String verifier, String entitled) {
    assertThat(exitCode).as("exit code; stderr: %s", err).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains(entitled)
        .contains("verifier=" + verifier)
        .contains("Job finished")
        .contains("north,220,146.00", "south,310,184.50");
  }

  private int run(String... args) throws InterruptedException {
    return OnChainMainJob.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }
}
