package io.c2d.keeper;

import io.c2d.model.EthAddress;
import io.c2d.spi.agreement.AgreementQuery;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.testkit.conformance.ServiceAgreementVerifierConformanceKit;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The testkit's conformance kit on {@link AgreementVerifier}: the kit's direct question is a real,
 * paid and granted agreement on anvil; the refusing verifier is one configured as a provider that
 * does not serve the asset.
 */
final class AgreementVerifierConformanceTest extends ServiceAgreementVerifierConformanceKit {
  private static AnvilNode node;
  private static KeeperChain chain;
  private static KeeperChain.Agreement agreement;
  private static ServerSocket silent;

  @BeforeAll
  static void deploy() throws IOException, InterruptedException {
    node = AnvilNode.start();
    chain = KeeperChain.deploy(node);
    agreement =
        chain.createAgreement(chain.registerDid(KeeperChain.PROVIDER), KeeperChain.CONSUMER, 0);
    chain.lockReward(agreement);
    chain.fulfilCompute(agreement);
    silent = LoopbackEndpoints.silent();
  }

  @AfterAll
  static void stop() throws IOException {
    if (silent != null) {
      silent.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Override
  protected AgreementQuery query() {
    return AgreementVerifierTest.query(agreement);
  }

  @Override
  protected ServiceAgreementVerifier allowingVerifier() {
    return chain.verifier(chain.settings(KeeperChain.PROVIDER, 1), chain.templateStore).build();
  }

  @Override
  protected ServiceAgreementVerifier refusingVerifier() {
    return chain.verifier(chain.settings(KeeperChain.STRANGER, 1), chain.templateStore).build();
  }

  @Override
  protected ServiceAgreementVerifier unreachableVerifier() throws IOException {
    return chain
        .verifier(
            ChainSettings.builder()
                .rpcUrl(LoopbackEndpoints.closed())
                .chainId(AnvilNode.CHAIN_ID)
                .providerAddress(EthAddress.of(KeeperChain.PROVIDER))
                .build(),
            chain.templateStore)
        .build();
  }

  @Override
  protected ServiceAgreementVerifier hangingVerifier() {
    return chain
        .verifier(
            ChainSettings.builder()
                .rpcUrl(LoopbackEndpoints.uri(silent))
                .chainId(AnvilNode.CHAIN_ID)
                .rpcTimeout(Duration.ofSeconds(2))
                .providerAddress(EthAddress.of(KeeperChain.PROVIDER))
                .build(),
            chain.templateStore)
        .build();
  }
}
