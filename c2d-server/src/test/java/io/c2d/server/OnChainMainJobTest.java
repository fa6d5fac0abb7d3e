package io.c2d.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.keeper.KeeperChain;
import io.c2d.keeper.OceanV4Chain;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;

/**
 * The README's main job on a chain: anvil, Ocean's v4 contracts, a real order, and the embedded
 * backend behind the {@code ocean-orders} verifier.
 */
final class OnChainMainJobTest {
  /** A funded anvil account that holds no datatokens (c2d-keeper's {@code OceanV4Chain}'s). */
  private static final Credentials STRANGER =
      Credentials.create("0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a");

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
        run("--work-dir", dir.toString(), "--consumer-key", OnChainMainJob.privateKey(STRANGER));

    assertThat(exitCode).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("agreement_refused")
        .containsIgnoringCase(STRANGER.getAddress());
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
            OnChainMainJob.privateKey(STRANGER));

    assertThat(exitCode).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("agreement_refused");
    assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("Job finished");
  }

  @Test
  void aNodeThatDoesNotAnswerIsReportedNotRetriedForEver() throws Exception {
    int exitCode = run("--rpc-url", closedLoopbackPort().toString());

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

  /** A loopback URL nobody listens on (its port bound, then released). */
  private static URI closedLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }
  }

  private int run(String... args) throws InterruptedException {
    return OnChainMainJob.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }
}
