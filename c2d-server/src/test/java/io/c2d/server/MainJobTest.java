package io.c2d.server;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;

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
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.JobWaiter;
import io.c2d.testkit.TestRequests;
import io.c2d.testkit.junit.AlgorithmImages;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * The whole path on the embedded default backend (a real process, real files, real results), and
 * the main job a user runs first.
 */
final class MainJobTest {
  private static final long CHAIN_ID = 8996;

  /** Anvil's development account #2, the main job's default provider. */
  private static final EthAddress PROVIDER =
      EthAddress.of("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");

  /** Anvil's development account #1. */
  private static final EthAddress BOB = EthAddress.of("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");

  @TempDir Path dir;

  @Test
  void aSignedRequestRunsARealAlgorithmOnTheDataset() throws Exception {
    Path csv = Files.writeString(dir.resolve("numbers.csv"), "n\n1\n2\n3\n4\n");
    EmbeddedComputeBackend backend =
        EmbeddedComputeBackend.builder()
            .workRoot(dir.resolve("jobs"))
            .environment(ComputeEnvironment.builder("local").build())
            .build();
    try (ComputeEngine engine =
            ComputeEngine.builder()
                .backend(backend)
                .verifier(FakeAgreementVerifier.allowAll())
                .authenticator(Web3jAuthenticator.create())
                .chainId(CHAIN_ID)
                .providerAddress(PROVIDER)
                .build();
        JobWaiter waiter = JobWaiter.on(engine)) {
      ComputeRequest.Builder request =
          ComputeRequest.builder()
              .addDataset(
                  TestRequests.dataset(1)
                      .addFile(csv.toUri())
                      .ddoJson(TestRequests.openDdo(1))
                      .build())
              .algorithm(
                  Algorithm.raw(
                          ContainerSpec.of("busybox", "stable", "sh $ALGO"),
                          "awk -F, 'NR > 1 { s += $1 } END { print s }' \"$INPUTS\"/*/0 > \"$OUTPUTS/sum.txt\"\n"
                              + "echo summed")
                      .build())
              .environment("local")
              .nonce("1")
              .expiresAt(Instant.now().plus(Duration.ofMinutes(10)));
      ComputeJob job =
          engine
              .start(
                  ConsumerKey.of(ConsumerKey.DEMO_CONSUMER_PRIVATE_KEY)
                      .sign(request, CHAIN_ID, PROVIDER))
              .toCompletableFuture()
              .join();

      ComputeJob done = waiter.awaitTerminal(job.id(), Duration.ofSeconds(30));

      assertThat(done)
          .hasStatus(JobStatus.COMPLETED)
          .hasResultNamed("sum.txt")
          .hasResultNamed("algorithm.log");
      assertThat(read(engine, done, "sum.txt")).isEqualTo("10\n");
      assertThat(read(engine, done, "algorithm.log")).contains("summed");
      assertThat(waiter.statusesOf(job.id()))
          .containsSubsequence(
              JobStatus.WARMING_UP,
              JobStatus.JOB_STARTED,
              JobStatus.CONFIGURING_VOLUMES,
              JobStatus.PROVISIONING_SUCCESS,
              JobStatus.RUNNING_ALGORITHM,
              JobStatus.COMPLETED);
    }
  }

  @Test
  void theMainJobRunsEndToEnd() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int exitCode =
        MainJob.run(
            new String[] {"--work-dir", dir.toString()},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(exitCode).as("exit code; stderr: %s", err).isZero();
    assertThat(printed)
        .contains("Running algorithm", "Job finished", "summary.csv", "algorithm.log")
        .contains("north,220,146.00", "south,310,184.50");
    // the Python algorithm where .ci/algo-images built its image (and bubblewrap runs its root)
    if (Files.isExecutable(AlgorithmImages.root(AlgorithmImages.PYTHON).resolve("usr/bin/python3"))
        && !printed.contains("has no sandbox here")) {
      assertThat(printed).contains("aggregate.py", "c2d-algo/python:1", "revenue.png");
    } else {
      assertThat(printed).contains("aggregate.sh");
    }
  }

  @Test
  void theMainJobRefusesUnknownOptionsAndBackends() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    assertThat(MainJob.run(new String[] {"--colour", "red"}, quiet, errors)).isEqualTo(2);
    assertThat(
            MainJob.run(
                new String[] {"--backend", "mainframe", "--work-dir", dir.toString()},
                quiet,
                errors))
        .isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("unknown option --colour")
        .contains("provider_not_found")
        .contains("embedded");
  }

  @Test
  void theMainJobPassesPropertyArgumentsToTheEngine() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    int exitCode =
        MainJob.run(
            new String[] {"--work-dir", dir.toString(), "c2d.verifier=notary"}, quiet, errors);

    assertThat(exitCode).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("'notary'").contains("allow-all");
  }

  @Test
  void thePublisherTokenPropertyOpensTheReviewEndpointsToThatTokenOnly() throws Exception {
    String token = "main-job-publisher-secret-0123456789abcdef";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream printed = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream errors = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    int[] exitCode = {-1};
    Thread main =
        new Thread(
            () ->
                exitCode[0] =
                    MainJob.run(
                        new String[] {
                          "--work-dir",
                          dir.toString(),
                          "--serve",
                          MainJob.PUBLISHER_TOKEN + "=" + token
                        },
                        printed,
                        errors),
            "main-job");
    main.start();
    try {
      Matcher serving = Pattern.compile("serving (http://\\S+) until").matcher("");
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (!serving.reset(out.toString(StandardCharsets.UTF_8)).find()) {
        assertThat(main.isAlive()).as("the main job serves; it printed %s", out).isTrue();
        assertThat(System.nanoTime()).as("serving within 2 minutes").isLessThan(deadline);
        Thread.sleep(100);
      }
      assertThat(out.toString(StandardCharsets.UTF_8))
          .contains("publisher's review endpoints: on")
          .doesNotContain(token);
      URI reviews = URI.create(serving.group(1) + "/api/services/c2d/reviews");
      HttpClient http = HttpClient.newHttpClient();

      HttpResponse<String> right =
          http.send(
              HttpRequest.newBuilder(reviews).header("Authorization", "Bearer " + token).build(),
              HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> wrong =
          http.send(
              HttpRequest.newBuilder(reviews)
                  .header("Authorization", "Bearer " + token.replace('0', '1'))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(right.statusCode()).as(right.body()).isEqualTo(200);
      assertThat(right.body()).isEqualTo("[]");
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(wrong.body()).contains("publisher_unauthorized");
    } finally {
      main.interrupt();
      main.join(Duration.ofMinutes(1).toMillis());
    }
    assertThat(main.isAlive()).isFalse();
    assertThat(exitCode[0]).as("interrupted while serving").isEqualTo(1);
  }

  @Test
  void aPublisherTokenShorterThan32CharactersIsATypedConfigurationError() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int exitCode =
        MainJob.run(
            new String[] {"--work-dir", dir.toString(), MainJob.PUBLISHER_TOKEN + "=too-short"},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(exitCode).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("error [configuration_invalid]")
        .contains("c2d.review.publisher-token must have at least 32 characters but has 9")
        .doesNotContain("too-short");
    assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("provider listening");
  }

  @Test
  void theMainJobSignsAsTheNamedConsumerForTheNamedDatasetAndOrder() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String did = "did:op:" + "ab".repeat(32);

    int exitCode =
        MainJob.run(
            new String[] {
              "--work-dir",
              dir.toString(),
              "--consumer-key",
              "0x" + "0".repeat(63) + "7",
              "--dataset-did",
              did,
              "--order-tx",
              "0x" + "cd".repeat(32),
              "--service-id",
              "compute-1",
              "c2d.provider-address=" + BOB.value()
            },
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(exitCode).as("exit code; stderr: %s", err).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("consumer 0x" + Keys.getAddress(ECKeyPair.create(BigInteger.valueOf(7))))
        .contains("north,220,146.00");
  }

  @Test
  void theMainJobRefusesAnIncompleteOrMalformedDatasetIdentity() {
    String did = "did:op:" + "ab".repeat(32);
    String tx = "0x" + "cd".repeat(32);

    String together = "--dataset-did goes with one of --order-tx and --agreement-id";
    assertThat(usageError("--dataset-did", did)).contains(together);
    assertThat(usageError("--order-tx", tx)).contains(together);
    assertThat(usageError("--agreement-id", tx)).contains(together);
    assertThat(usageError("--dataset-did", did, "--order-tx", tx, "--agreement-id", tx))
        .contains("exclude each other");
    assertThat(usageError("--service-id", "compute")).contains("--service-id needs --dataset-did");
    assertThat(usageError("--dataset-did", "did:op:12", "--order-tx", tx)).contains("did");
    assertThat(usageError("--dataset-did", did, "--order-tx", "0x12")).contains("transferTxId");
    assertThat(usageError("--dataset-did", did, "--agreement-id", "0x12")).contains("agreementId");
    assertThat(usageError("--consumer-key", "not-hex")).contains("private key");
  }

  /** Runs the main job with {@code args}, expects exit code 2, and returns what it printed. */
  private String usageError(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] withDir = new String[args.length + 2];
    withDir[0] = "--work-dir";
    withDir[1] = dir.toString();
    System.arraycopy(args, 0, withDir, 2, args.length);
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    int exitCode = MainJob.run(withDir, quiet, new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(exitCode).as("exit code of %s", String.join(" ", args)).isEqualTo(2);
    return err.toString(StandardCharsets.UTF_8);
  }

  private static String read(ComputeEngine engine, ComputeJob job, String name) throws Exception {
    JobResult result =
        job.results().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    try (InputStream in =
        engine.openResult(job.id(), job.owner(), result.index()).toCompletableFuture().join()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
