package io.c2d.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.ComputeEngine;
import io.c2d.backend.local.EmbeddedComputeBackend;
import io.c2d.keeper.Web3jAuthenticator;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.EthAddress;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.Verdict;
import io.c2d.testkit.TestRequests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's embedding example, compiled and run. {@link ReadmeTest} checks that the README shows
 * exactly the code between the markers. The example uses production parts only (c2d-api,
 * c2d-backend-local, c2d-keeper) and a verifier the application writes itself.
 */
final class ReadmeExampleTest {
  @TempDir Path dir;

  @Test
  void theEmbeddingExampleRuns() throws Exception {
    Path data = Files.writeString(dir.resolve("sales.csv"), "region,units\nnorth,3\nsouth,4\n");
    EthAddress providerAddress = EthAddress.of("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
    ComputeRequest request =
        ConsumerKey.of(ConsumerKey.DEMO_CONSUMER_PRIVATE_KEY)
            .sign(
                ComputeRequest.builder()
                    .addDataset(
                        TestRequests.dataset(1)
                            .addFile(data.toUri())
                            .ddoJson(TestRequests.openDdo(1))
                            .build())
                    .algorithm(
                        Algorithm.raw(
                                ContainerSpec.of("busybox", "stable", "sh $ALGO"),
                                "cat \"$INPUTS\"/*/0 | wc -l > \"$OUTPUTS/lines.txt\"")
                            .build())
                    .environment("local")
                    .nonce("1")
                    .expiresAt(Instant.now().plus(Duration.ofMinutes(10))),
                8996,
                providerAddress);
    Set<EthAddress> trustedConsumers = Set.of(request.consumer());
    List<String> printed = new ArrayList<>();

    // README:embedding:start
    // Not a sandbox: DockerComputeBackend or KubernetesComputeBackend run untrusted algorithms.
    EmbeddedComputeBackend backend =
        EmbeddedComputeBackend.builder()
            .workRoot(dir.resolve("jobs"))
            .environment(
                ComputeEnvironment.builder("local")
                    .capacity(Resources.of(2, 2048, 10_240, 0))
                    .maxConcurrentJobs(2)
                    .maxDuration(Duration.ofMinutes(5))
                    .build())
            .build();

    // Who may compute on what is the application's decision: here, consumers it already trusts.
    // c2d-keeper's OrderVerifier and AgreementVerifier check Ocean orders and agreements on chain.
    ServiceAgreementVerifier verifier =
        query ->
            CompletableFuture.completedStage(
                trustedConsumers.contains(query.consumer())
                    ? Verdict.allowOnce()
                    : Verdict.refuse("not a trusted consumer"));

    try (ComputeEngine engine =
        ComputeEngine.builder()
            .backend(backend)
            .verifier(verifier)
            .authenticator(Web3jAuthenticator.create()) // EIP-191 signatures, with web3j
            .chainId(8996)
            .providerAddress(providerAddress)
            .build()) {

      CompletableFuture<ComputeJob> finished = new CompletableFuture<>();
      engine.addListener(
          (job, previous) -> {
            if (job.isTerminal()) {
              finished.complete(job);
            }
          });

      // The consumer's signed request, as the provider application received it.
      ComputeJob job = engine.start(request).toCompletableFuture().join();
      ComputeJob done = finished.get(30, TimeUnit.SECONDS);

      for (JobResult result : engine.results(job.id(), request.consumer())) {
        try (InputStream in =
            engine
                .openResult(job.id(), request.consumer(), result.index())
                .toCompletableFuture()
                .join()) {
          printed.add(result.name() + ": " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
      assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
    }
    // README:embedding:end

    assertThat(printed)
        .anySatisfy(line -> assertThat(line).startsWith("lines.txt: ").contains("3"));
  }

  static String exampleSource() throws IOException {
    Path source = Path.of("src/test/java/io/c2d/server/ReadmeExampleTest.java").toAbsolutePath();
    String text = Files.readString(source);
    int start = text.indexOf("// README:embedding:start");
    int end = text.indexOf("    // README:embedding:end");
    return text.substring(text.indexOf('\n', start) + 1, end);
  }
}
