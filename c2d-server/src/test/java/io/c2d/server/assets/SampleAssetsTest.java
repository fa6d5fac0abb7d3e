package io.c2d.server.assets;

import static io.c2d.testkit.assertj.C2dAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.C2dException;
import io.c2d.ComputeEngine;
import io.c2d.ErrorCode;
import io.c2d.PolicyViolationException;
import io.c2d.backend.local.EmbeddedComputeBackend;
import io.c2d.keeper.Web3jAuthenticator;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.FileLocator;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.ocean.OceanJson;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.JobWaiter;
import io.c2d.testkit.TestRequests;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample assets, resolved by the directory and run by a real engine on the embedded backend:
 * the sample algorithm passes the dataset's policy and runs on the sample data; an untrusted
 * algorithm, a tampered one and a raw one are refused by the engine's policy check.
 */
final class SampleAssetsTest {
  private static final long CHAIN_ID = 8996;
  private static final EthAddress PROVIDER =
      EthAddress.of("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
  private static final String ORDER = "0x" + "0a".repeat(32);

  @TempDir Path temp;
  private AssetFolder assets;
  private ComputeEngine engine;
  private JobWaiter waiter;
  private final TestRequests requests = TestRequests.create(CHAIN_ID, PROVIDER);

  @BeforeEach
  void start() throws Exception {
    assets = SampleAssets.install(temp.resolve("assets"));
    engine =
        ComputeEngine.builder()
            .backend(
                EmbeddedComputeBackend.builder()
                    .workRoot(temp.resolve("jobs"))
                    .environment(ComputeEnvironment.builder("local").build())
                    .build())
            .verifier(FakeAgreementVerifier.allowAll())
            .authenticator(Web3jAuthenticator.create())
            .chainId(CHAIN_ID)
            .providerAddress(PROVIDER)
            .build();
    waiter = JobWaiter.on(engine);
  }

  @AfterEach
  void stop() {
    waiter.close();
    engine.close();
  }

  @Test
  void theSamplesResolveToTheirDdosAndFiles() throws Exception {
    Path root = assets.directory();
    AssetService dataset =
        assets.computeService(SampleAssets.DATASET_DID, SampleAssets.DATASET_SERVICE_ID);
    assertThat(dataset.files()).containsExactly(FileLocator.file(root.resolve("data/sales.csv")));
    assertThat(dataset.terms().policy().allowRawAlgorithm()).isFalse();
    assertThat(dataset.terms().policy().trustedAlgorithms()).hasSize(1);
    assertThat(dataset.terms().timeout()).isEqualTo(Duration.ofDays(1));
    assertThat(dataset.terms().datatokenAddress()).isPresent();
    assertThat(Files.readString(root.resolve("data/sales.csv"))).startsWith("region,");

    assertThat(assets.containerOf(SampleAssets.ALGORITHM_DID))
        .contains(SampleAssets.ALGORITHM_CONTAINER);
    Algorithm algorithm = assets.resolve(publishedSample());
    assertThat(algorithm.files()).containsExactly(root.resolve("algorithms/aggregate.sh").toUri());
    assertThat(algorithm.ddoJson()).isPresent();
  }

  @Test
  void anOceanStartBodyNamingTheSamplesRunsTheSampleAlgorithmOnTheSampleData() throws Exception {
    String body =
        """
        {"consumerAddress": "%s", "signature": "0x%s", "nonce": "1", "environment": "local",
         "datasets": [{"documentId": "%s", "serviceId": "%s", "transferTxId": "%s"}],
         "algorithm": {"documentId": "%s", "serviceId": "%s"}}
        """
            .formatted(
                EthereumKey.ALICE.address().value(),
                "00".repeat(65),
                SampleAssets.DATASET_DID.value(),
                SampleAssets.DATASET_SERVICE_ID,
                ORDER,
                SampleAssets.ALGORITHM_DID.value(),
                SampleAssets.ALGORITHM_SERVICE_ID);
    // what the HTTP layer does: the algorithm's container from its DDO, then files and DDOs
    ComputeRequest.Builder parsed = OceanJson.parseStartRequest(body, assets::containerOf);
    ComputeRequest unsigned =
        parsed.expiresAt(java.time.Instant.now().plusSeconds(600)).buildUnsigned();
    DatasetInput dataset = assets.resolve(unsigned.datasets().get(0));
    Algorithm algorithm = assets.resolve(unsigned.algorithm());

    ComputeJob job = start(dataset, algorithm);
    ComputeJob done = waiter.awaitTerminal(job.id(), Duration.ofSeconds(60));

    assertThat(done).hasStatus(JobStatus.COMPLETED).hasResultNamed("summary.csv");
    assertThat(read(done, "summary.csv"))
        .isEqualTo(
            "region,units,revenue\neast,150,97.50\nnorth,220,146.00\nsouth,310,184.50\nwest,190,189.00\n");
  }

  @Test
  void anAlgorithmTheDatasetDoesNotTrustIsRefusedByTheEngine() throws Exception {
    Path root = assets.directory();
    Did other = Did.of("did:op:" + "0f".repeat(32));
    String ddo =
        Files.readString(root.resolve("aggregate.json"))
            .replace(SampleAssets.ALGORITHM_DID.value(), other.value())
            .replace("\"chainId\": 8996,", "");
    Files.writeString(root.resolve("other.json"), ddo);
    Files.copy(root.resolve("aggregate.files.json"), root.resolve("other.files.json"));
    assets.reload();
    Algorithm untrusted =
        assets.resolve(
            Algorithm.published(other, SampleAssets.ALGORITHM_SERVICE_ID, container()).build());

    assertRefused(sampleDataset(), untrusted, ErrorCode.ALGORITHM_NOT_TRUSTED);
  }

  @Test
  void aTamperedSampleAlgorithmNoLongerMatchesItsPinnedChecksum() throws Exception {
    Files.writeString(
        assets.directory().resolve("algorithms/aggregate.sh"),
        "cat /etc/passwd > \"$OUTPUTS/leak\"\n",
        java.nio.file.StandardOpenOption.APPEND);

    assertRefused(
        sampleDataset(), assets.resolve(publishedSample()), ErrorCode.ALGORITHM_NOT_TRUSTED);
  }

  @Test
  void aRawAlgorithmIsRefusedByTheSampleDataset() {
    Algorithm raw = Algorithm.raw(container(), "cat \"$INPUTS\"/*/0").build();

    assertRefused(sampleDataset(), raw, ErrorCode.RAW_ALGORITHM_NOT_ALLOWED);
  }

  private static Algorithm publishedSample() {
    return Algorithm.published(
            SampleAssets.ALGORITHM_DID, SampleAssets.ALGORITHM_SERVICE_ID, container())
        .build();
  }

  private static io.c2d.model.ContainerSpec container() {
    return SampleAssets.ALGORITHM_CONTAINER;
  }

  private DatasetInput sampleDataset() {
    return assets.resolve(
        DatasetInput.builder(SampleAssets.DATASET_DID, SampleAssets.DATASET_SERVICE_ID)
            .orderTx(ORDER)
            .build());
  }

  private ComputeJob start(DatasetInput dataset, Algorithm algorithm) {
    ComputeRequest request =
        requests.by(EthereumKey.ALICE).dataset(dataset).algorithm(algorithm).sign();
    try {
      return engine.start(request).toCompletableFuture().join();
    } catch (CompletionException e) {
      C2dException failure = C2dException.unwrap(e);
      throw failure != null ? failure : e;
    }
  }

  private void assertRefused(DatasetInput dataset, Algorithm algorithm, ErrorCode code) {
    assertThatThrownBy(() -> start(dataset, algorithm))
        .isInstanceOfSatisfying(
            PolicyViolationException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  private String read(ComputeJob job, String name) throws Exception {
    for (JobResult result : job.results()) {
      if (result.name().equals(name)) {
        try (InputStream in =
            engine
                .openResult(job.id(), EthereumKey.ALICE.address(), result.index())
                .toCompletableFuture()
                .join()) {
          return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
    }
    throw new AssertionError("no result " + name + " in " + job.results());
  }
}
