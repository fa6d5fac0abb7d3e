package io.c2d.backend.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ComputeEngine;
import io.c2d.ResultWithheldException;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.model.ResultNotice;
import io.c2d.model.ResultPolicy;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.JobWaiter;
import io.c2d.testkit.TestAuthenticator;
import io.c2d.testkit.TestRequests;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 end to end through the engine on the real Kubernetes node: a job whose algorithm takes
 * its input home (a whole copy, a gzipped and a base64 copy, a copy printed to its log) next to an
 * honest count passes the publisher's {@code input-copy} filter in status 50; the copies and the
 * log are withheld with their reason, which the consumer reads in the job's notices and in {@code
 * publish.log}, and the honest output is served unchanged.
 */
@ExtendWith(RequiresKubeconfig.class)
final class KubernetesRealClusterExfiltrationEngineTest {
  private static final long CHAIN_ID = 8996;
  private static final long MIB = 1L << 20;

  @TempDir static Path dir;
  private static ComputeEngine engine;
  private static JobWaiter waiter;
  private static Path data;

  @BeforeAll
  static void start() throws Exception {
    data = dir.resolve("sales.csv");
    RealCluster.ensureImage();
    KubernetesRealClusterExfiltrationTest.salesData(data, 40_000);
    ComputeEnvironment environment =
        ComputeEnvironment.builder(TestRequests.DEFAULT_ENVIRONMENT)
            .capacity(Resources.of(2, 2048, 4096, 0))
            .maxPerJob(Resources.of(1, 1024, 2048, 0))
            .maxOutputBytes(16 * MIB)
            .maxLogBytes(8 * MIB)
            .build();
    engine =
        ComputeEngine.builder()
            .backend(
                RealCluster.backend(environment, dir.resolve("results"))
                    .transferTimeout(Duration.ofMinutes(3))
                    .build())
            .verifier(FakeAgreementVerifier.allowAll())
            .authenticator(TestAuthenticator.create())
            .chainId(CHAIN_ID)
            .providerAddress(EthereumKey.CAROL.address())
            .resultPolicy(ResultPolicy.of(List.of(ResultPolicy.Filter.named("input-copy")), false))
            .build();
    waiter = JobWaiter.on(engine);
    engine.ready().toCompletableFuture().join();
  }

  @AfterAll
  static void stop() {
    if (waiter != null) {
      waiter.close();
    }
    if (engine != null) {
      engine.close();
    }
  }

  @Test
  void copiesAreWithheldWithTheirReasonAndAnHonestCountIsReleased() throws Exception {
    String in = "\"$(ls -d /data/inputs/*/)0\"";
    String script =
        "cat "
            + in
            + " > /data/outputs/copy.csv\n"
            + "gzip -c "
            + in
            + " > /data/outputs/copy.csv.gz\n"
            + "base64 "
            + in
            + " > /data/outputs/copy.b64\n"
            + "cat "
            + in
            + "\n"
            + "wc -l < "
            + in
            + " > /data/outputs/count.txt\n";
    ComputeJob started =
        engine
            .start(
                TestRequests.create(CHAIN_ID, EthereumKey.CAROL.address())
                    .by(EthereumKey.ALICE)
                    .dataset(
                        TestRequests.dataset(1)
                            .addFile(data.toUri())
                            .ddoJson(TestRequests.openDdo(1))
                            .build())
                    .algorithm(
                        io.c2d.model.Algorithm.raw(RealCluster.container("sh $ALGO"), script)
                            .build())
                    .sign())
            .toCompletableFuture()
            .join();
    JobId id = started.id();

    ComputeJob job = waiter.awaitTerminal(id, Duration.ofMinutes(4));
    assertThat(job.status()).as(job.detail().orElse("")).isEqualTo(JobStatus.COMPLETED);
    assertThat(waiter.statusesOf(id)).contains(JobStatus.FILTERING_RESULTS);
    for (String copy : List.of("copy.csv", "copy.csv.gz", "copy.b64", "algorithm.log")) {
      assertThat(job.notices())
          .as(copy)
          .anySatisfy(
              n -> {
                assertThat(n.name()).isEqualTo(copy);
                assertThat(n.state()).isEqualTo(ResultNotice.State.WITHHELD);
                assertThat(n.reason()).startsWith("input-copy: carries a copy of input");
              });
      assertThatThrownBy(
              () -> engine.openResult(id, EthereumKey.ALICE.address(), copy).toCompletableFuture())
          .as(copy)
          .isInstanceOf(ResultWithheldException.class);
    }
    String lines;
    try (InputStream count =
        engine
            .openResult(id, EthereumKey.ALICE.address(), "count.txt")
            .toCompletableFuture()
            .join()) {
      lines = new String(count.readAllBytes(), StandardCharsets.US_ASCII).trim();
    }
    assertThat(lines).isEqualTo(String.valueOf(Files.readAllLines(data).size()));
    try (InputStream log =
        engine
            .openResult(id, EthereumKey.ALICE.address(), "publish.log")
            .toCompletableFuture()
            .join()) {
      String text = new String(log.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(text).contains("copy.csv: withheld (input-copy: carries a copy of input");
      assertThat(text).doesNotContain("region,product,units");
    }
    engine.delete(id, EthereumKey.ALICE.address()).toCompletableFuture().join();
  }
}
