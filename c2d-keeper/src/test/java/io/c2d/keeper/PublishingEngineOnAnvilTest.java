package io.c2d.keeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.ComputeEngine;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.Did;
import io.c2d.model.JobStatus;
import io.c2d.model.OutputOptions;
import io.c2d.model.PhaseTimeouts;
import io.c2d.model.Resources;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.InMemoryComputeBackend;
import io.c2d.testkit.JobWaiter;
import io.c2d.testkit.TestRequests;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The engine publishes a completed job through the {@code ocean-nft} provider, selected by the
 * {@code c2d.publisher} property, on Ocean's contracts on anvil: the job ends COMPLETED with the
 * DID of the data NFT the chain holds.
 */
final class PublishingEngineOnAnvilTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void aJobThatAskedToPublishEndsCompletedWithTheDidOfItsDataNft() throws Exception {
    try (AnvilNode node = AnvilNode.start();
        OceanV4Chain chain = OceanV4Chain.deploy(node)) {
      ComputeEnvironment environment =
          ComputeEnvironment.builder("local")
              .capacity(Resources.of(2, 2048, 4096, 0))
              .maxPerJob(Resources.of(1, 1024, 2048, 0))
              .maxConcurrentJobs(2)
              .maxJobsPerConsumer(2)
              .queueCapacity(4)
              .maxDuration(Duration.ofMinutes(10))
              .phaseTimeouts(PhaseTimeouts.DEFAULTS)
              .build();
      InMemoryComputeBackend backend = InMemoryComputeBackend.create(environment);
      TestRequests requests = TestRequests.create(AnvilNode.CHAIN_ID, EthereumKey.CAROL.address());
      ComputeEngine engine =
          ComputeEngine.builder()
              .backend(backend)
              .verifier(FakeAgreementVerifier.allowAll())
              .authenticator(Web3jAuthenticator.create())
              .chainId(AnvilNode.CHAIN_ID)
              .providerAddress(EthereumKey.CAROL.address())
              .properties(
                  Map.of(
                      "c2d.publisher", "ocean-nft",
                      "c2d.keeper.rpc-url", node.rpc().toString(),
                      "c2d.keeper.chain-id", Long.toString(AnvilNode.CHAIN_ID),
                      "c2d.keeper.erc721-factory", chain.factory(),
                      "c2d.keeper.publisher-key",
                          NftAssetPublisherOnAnvilTest.key(OceanV4Chain.PROVIDER)))
              .build();
      try (JobWaiter waiter = JobWaiter.on(engine)) {
        engine.ready().toCompletableFuture().get();
        ComputeJob started =
            engine
                .start(
                    requests
                        .by(EthereumKey.ALICE)
                        .dataset(1)
                        .configure(b -> b.output(new OutputOptions(true, "Regional totals")))
                        .sign())
                .toCompletableFuture()
                .get();
        backend.awaitSubmitted(1, WAIT);
        backend
            .job(started.id())
            .complete(Map.of("summary.csv", "north,42\n".getBytes(StandardCharsets.UTF_8)));

        ComputeJob done = waiter.awaitTerminal(started.id(), WAIT);

        assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
        Did did = done.derivedAssetDid().orElseThrow();
        String nft = onlyNftOf(node, chain, started.id().value());
        assertThat(did).isEqualTo(OceanV4Chain.did(nft));
      } finally {
        engine.close();
      }
    }
  }

  /** The one NFT the factory created with the job's token URI. */
  private static String onlyNftOf(AnvilNode node, OceanV4Chain chain, String jobId)
      throws Exception {
    var logs =
        node.call(
            "eth_getLogs",
            Map.of(
                "address",
                chain.factory(),
                "fromBlock",
                "0x0",
                "toBlock",
                "latest",
                "topics",
                java.util.List.of(NftAssetPublisher.NFT_CREATED)));
    String marker =
        org.web3j.utils.Numeric.toHexStringNoPrefix(
            (NftAssetPublisher.TOKEN_URI_PREFIX + jobId).getBytes(StandardCharsets.UTF_8));
    String found = null;
    for (var entry : logs) {
      String data = entry.path("data").asText();
      if (data.contains(marker)) {
        assertThat(found).as("a second NFT for the job").isNull();
        found = "0x" + data.substring(26, 66);
      }
    }
    assertThat(found).as("the job's NFT").isNotNull();
    return found;
  }
}
