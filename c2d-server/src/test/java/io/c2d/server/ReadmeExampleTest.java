package io.c2d.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.ComputeEngine;
import io.c2d.backend.local.EmbeddedComputeBackend;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.EthAddress;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.TestAuthenticator;
import io.c2d.testkit.TestRequests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's embedding example, compiled and run. {@link ReadmeTest} checks that the README shows
 * exactly the code between the markers.
 */
final class ReadmeExampleTest {
  @TempDir Path dir;

  @Test
  void theEmbeddingExampleRuns() throws Exception {
    Path data = Files.writeString(dir.resolve("sales.csv"), "region,units\nnorth,3\nsouth,4\n");
    EthAddress providerAddress = EthereumKey.CAROL.address();
    ComputeRequest request =
        TestRequests.create(8996, providerAddress)
            .by(EthereumKey.ALICE)
            .dataset(1, data.toUri())
            .rawAlgorithm("cat \"$INPUTS\"/*/0 | wc -l > \"$OUTPUTS/lines.txt\"")
            .sign();
    List<String> printed = new ArrayList<>();

    // README:embedding:start
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

    try (ComputeEngine engine =
        ComputeEngine.builder()
            .backend(backend)
            .verifier(FakeAgreementVerifier.allowAll()) // c2d-keeper checks the chain instead
            .authenticator(TestAuthenticator.create()) // Web3jAuthenticator in production
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
