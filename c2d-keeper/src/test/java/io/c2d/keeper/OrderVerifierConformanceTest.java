package io.c2d.keeper;

import static io.c2d.keeper.OceanV4Chain.CONSUMER;
import static io.c2d.keeper.OceanV4Chain.PROVIDER;

import io.c2d.keeper.OceanV4Chain.Asset;
import io.c2d.model.EthAddress;
import io.c2d.spi.agreement.AgreementQuery;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.testkit.TestRequests;
import io.c2d.testkit.conformance.ServiceAgreementVerifierConformanceKit;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The testkit's verifier conformance kit against {@link OrderVerifier} with a real order on anvil:
 * allowing (the order's terms), refusing (the directory names another service index), unreachable
 * (a closed loopback port) and hanging (a loopback server that never answers).
 */
final class OrderVerifierConformanceTest extends ServiceAgreementVerifierConformanceKit {
  private static AnvilNode node;
  private static OceanV4Chain chain;
  private static Asset dataset;
  private static String order;
  private static OrderVerifierOnAnvilTest.SilentServer silent;

  @BeforeAll
  static void order() throws IOException, InterruptedException {
    node = AnvilNode.start();
    chain = OceanV4Chain.deploy(node);
    dataset = chain.publish();
    order = chain.order(dataset, 1, PROVIDER);
    silent = OrderVerifierOnAnvilTest.SilentServer.start();
  }

  @AfterAll
  static void stop() throws IOException {
    if (silent != null) {
      silent.close();
    }
    if (chain != null) {
      chain.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Override
  protected AgreementQuery query() {
    return new AgreementQuery(
        EthAddress.of(CONSUMER.getAddress()),
        dataset.did(),
        "compute",
        null,
        order,
        "paid-env",
        false,
        false);
  }

  @Override
  protected ServiceAgreementVerifier allowingVerifier() {
    return OrderVerifier.create(settings(node.rpc()), directory(1));
  }

  @Override
  protected ServiceAgreementVerifier refusingVerifier() {
    // the order is for service index 1; this provider's DDO says the service is at index 0
    return OrderVerifier.create(settings(node.rpc()), directory(0));
  }

  @Override
  protected ServiceAgreementVerifier unreachableVerifier() throws IOException {
    int closed;
    try (ServerSocket socket =
        new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
      closed = socket.getLocalPort();
    }
    return OrderVerifier.create(
        settings(URI.create("http://127.0.0.1:" + closed)), withEngineDataset(directory(1)));
  }

  @Override
  protected ServiceAgreementVerifier hangingVerifier() {
    return OrderVerifier.create(settings(silent.uri()), withEngineDataset(directory(1)));
  }

  private static ChainSettings settings(URI rpc) {
    return ChainSettings.builder()
        .rpcUrl(rpc)
        .chainId(AnvilNode.CHAIN_ID)
        .rpcTimeout(Duration.ofSeconds(5))
        .providerAddress(EthAddress.of(PROVIDER.getAddress()))
        .build();
  }

  private static ServiceDirectory directory(int computeIndex) {
    return ServiceDirectory.builder()
        .service(
            dataset.did(),
            "compute",
            new OrderedService(dataset.datatoken(), computeIndex, Duration.ZERO))
        .build();
  }

  /**
   * The kit's engine checks ask about the testkit's dataset 1: the unreachable and hanging
   * verifiers must get as far as the chain for it, so their directory knows it.
   */
  private static ServiceDirectory withEngineDataset(ServiceDirectory directory) {
    return (did, serviceId) ->
        did.equals(TestRequests.did(1))
            ? java.util.Optional.of(new OrderedService(dataset.datatoken(), 1, Duration.ZERO))
            : directory.lookup(did, serviceId);
  }
}
