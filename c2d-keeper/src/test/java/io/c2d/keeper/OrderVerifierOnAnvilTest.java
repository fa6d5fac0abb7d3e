package io.c2d.keeper;

import static io.c2d.keeper.OceanV4Chain.CONSUMER;
import static io.c2d.keeper.OceanV4Chain.OTHER_PROVIDER;
import static io.c2d.keeper.OceanV4Chain.PROVIDER;
import static io.c2d.keeper.OceanV4Chain.STRANGER;
import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.keeper.OceanV4Chain.Asset;
import io.c2d.model.EthAddress;
import io.c2d.spi.agreement.AgreementQuery;
import io.c2d.spi.agreement.Verdict;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link OrderVerifier} against real Ocean v4 orders: Ocean's compiled contracts on anvil, orders
 * placed with {@code startOrder} and provider fees signed by the provider's key.
 */
final class OrderVerifierOnAnvilTest {
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final Duration DAY = Duration.ofDays(1);
  private static final int ACCESS = 0;
  private static final int COMPUTE = 1;

  private static AnvilNode node;
  private static OceanV4Chain chain;
  private static Asset dataset;
  private static Asset other;
  private static ServiceDirectory services;

  private final List<OrderVerifier> verifiers = new ArrayList<>();

  @BeforeAll
  static void publish() throws IOException, InterruptedException {
    node = AnvilNode.start();
    chain = OceanV4Chain.deploy(node);
    dataset = chain.publish();
    other = chain.publish();
    services =
        ServiceDirectory.builder()
            .service(dataset.did(), "access", new OrderedService(dataset.datatoken(), ACCESS, DAY))
            .service(
                dataset.did(), "compute", new OrderedService(dataset.datatoken(), COMPUTE, DAY))
            // a service whose orders never expire
            .service(
                other.did(), "compute", new OrderedService(other.datatoken(), 0, Duration.ZERO))
            .build();
  }

  @AfterAll
  static void stop() {
    if (chain != null) {
      chain.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @AfterEach
  void closeVerifiers() {
    verifiers.forEach(OrderVerifier::close);
  }

  @Test
  void allowsTheConsumerWhoOrderedTheComputeServiceUntilTheOrderExpires() throws Exception {
    String tx = chain.order(dataset, COMPUTE, PROVIDER);
    OrderVerifier verifier = verifier(settings());

    Verdict verdict = answer(verifier, query(dataset, "compute", tx));

    assertThat(verdict.decision()).as("%s", verdict).isEqualTo(Verdict.Decision.ALLOW);
    // ordered in the latest block: the whole day of the service's timeout is left
    assertThat(verdict.validUntil()).contains(NOW.plus(DAY));
  }

  @Test
  void oneVerificationIsOneRoundTripIncludingTheChainCheck() throws Exception {
    String tx = chain.order(dataset, COMPUTE, PROVIDER);
    OrderVerifier verifier = verifier(settings());

    answer(verifier, query(dataset, "compute", tx));
    long first = verifier.roundTrips();
    answer(verifier, query(dataset, "compute", tx));
    long second = verifier.roundTrips() - first;

    assertThat(first).as("round trips of the first verification (with eth_chainId)").isOne();
    assertThat(second).as("round trips of a later verification").isOne();
  }

  @Test
  void anOrderThatNeverExpiresIsAllowedForTheLongestVerdictValidity() throws Exception {
    String tx = chain.order(other, 0, PROVIDER);
    OrderVerifier verifier =
        track(
            OrderVerifier.builder(settings().build(), services)
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .maxVerdictValidity(Duration.ofMinutes(10))
                .build());

    Verdict verdict = answer(verifier, query(other, "compute", tx));

    assertThat(verdict.decision()).as("%s", verdict).isEqualTo(Verdict.Decision.ALLOW);
    assertThat(verdict.validUntil()).contains(NOW.plus(Duration.ofMinutes(10)));
  }

  @Test
  void refusesAnOrderOfAnotherServiceOfTheAsset() throws Exception {
    String tx = chain.order(dataset, ACCESS, PROVIDER);

    Verdict verdict = answer(verifier(settings()), query(dataset, "compute", tx));

    assertRefused(verdict, "the order is for service index 0, not for index 1");
  }

  @Test
  void refusesAConsumerWhoIsNotTheOneTheOrderWasFor() throws Exception {
    String tx = chain.order(dataset, COMPUTE, PROVIDER);
    AgreementQuery byStranger =
        new AgreementQuery(
            EthAddress.of(STRANGER.getAddress()),
            dataset.did(),
            "compute",
            null,
            tx,
            "paid-env",
            false,
            false);

    Verdict verdict = answer(verifier(settings()), byStranger);

    assertRefused(verdict, "the order was placed for consumer " + CONSUMER.getAddress());
  }

  @Test
  void refusesAnOrderOfAnotherAsset() throws Exception {
    String tx = chain.order(other, COMPUTE, PROVIDER);

    Verdict verdict = answer(verifier(settings()), query(dataset, "compute", tx));

    assertRefused(
        verdict,
        "the order is for datatoken "
            + other.datatoken()
            + ", not for "
            + dataset.datatoken()
            + " of "
            + dataset.did());
  }

  @Test
  void refusesAnOrderPastTheServiceTimeout() throws Exception {
    String tx = chain.order(dataset, COMPUTE, PROVIDER);
    OrderVerifier verifier = verifier(settings());
    assertThat(answer(verifier, query(dataset, "compute", tx)).isAllowed()).isTrue();

    node.increaseTime(DAY.plusMinutes(1));

    assertRefused(answer(verifier, query(dataset, "compute", tx)), "expired at");
  }

  @Test
  void refusesAnOrderTransactionThatReverted() throws Exception {
    String tx = chain.revertedOrder(dataset, COMPUTE, STRANGER);

    assertRefused(
        answer(verifier(settings()), query(dataset, "compute", tx)), "failed (status 0x0)");
  }

  @Test
  void refusesATransactionThatIsNoOrder() throws Exception {
    String tx = chain.mint(dataset);

    assertRefused(
        answer(verifier(settings()), query(dataset, "compute", tx)), "is not a datatoken order");
  }

  @Test
  void refusesAQueryWithoutOrderOrForAServiceThisProviderDoesNotOffer() throws Exception {
    String tx = chain.order(dataset, COMPUTE, PROVIDER);
    OrderVerifier verifier = verifier(settings());

    assertRefused(
        answer(
            verifier,
            new AgreementQuery(
                EthAddress.of(CONSUMER.getAddress()),
                dataset.did(),
                "compute",
                null,
                null,
                "paid-env",
                false,
                false)),
        "names no order transaction");
    assertRefused(
        answer(verifier, query(dataset, "download", tx)), "is not offered by this provider");
    assertThat(verifier.roundTrips())
        .as("round trips for answers known without the chain")
        .isZero();
  }

  @Test
  void waitsForTheConfiguredConfirmations() throws Exception {
    String tx = chain.order(dataset, COMPUTE, PROVIDER);
    OrderVerifier verifier = verifier(settings().confirmations(3));

    Verdict early = answer(verifier, query(dataset, "compute", tx));
    node.mine(2);
    Verdict confirmed = answer(verifier, query(dataset, "compute", tx));

    assertThat(early.decision()).as("%s", early).isEqualTo(Verdict.Decision.UNKNOWN);
    assertThat(early.reason()).isEqualTo("the order transaction has 1 of 3 confirmations");
    assertThat(confirmed.decision()).as("%s", confirmed).isEqualTo(Verdict.Decision.ALLOW);
  }

  @Test
  void aProviderFeePaidToAnotherProviderIsRefusedOnAPaidEnvironmentOnly() throws Exception {
    String tx = chain.order(dataset, COMPUTE, OTHER_PROVIDER);
    OrderVerifier verifier = verifier(settings());
    AgreementQuery free =
        new AgreementQuery(
            EthAddress.of(CONSUMER.getAddress()),
            dataset.did(),
            "compute",
            null,
            tx,
            "free-env",
            true,
            false);

    Verdict paid = answer(verifier, query(dataset, "compute", tx));
    Verdict onFree = answer(verifier, free);

    assertRefused(
        paid,
        "the provider fee was paid to "
            + OTHER_PROVIDER.getAddress()
            + ", not to this provider "
            + PROVIDER.getAddress());
    assertThat(onFree.decision()).as("%s", onFree).isEqualTo(Verdict.Decision.ALLOW);
  }

  @Test
  void aTransactionTheChainDoesNotKnowIsUnknown() throws Exception {
    Verdict verdict =
        answer(verifier(settings()), query(dataset, "compute", "0x" + "ab".repeat(32)));

    assertThat(verdict.decision()).as("%s", verdict).isEqualTo(Verdict.Decision.UNKNOWN);
    assertThat(verdict.reason()).contains("is not in a block (yet)");
  }

  @Test
  void anUnreachableChainIsUnknown() throws Exception {
    int closed;
    try (ServerSocket socket =
        new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
      closed = socket.getLocalPort();
    }
    OrderVerifier verifier = verifier(settings().rpcUrl(URI.create("http://127.0.0.1:" + closed)));

    Verdict verdict = answer(verifier, query(dataset, "compute", "0x" + "cd".repeat(32)));

    assertThat(verdict.decision()).as("%s", verdict).isEqualTo(Verdict.Decision.UNKNOWN);
    assertThat(verdict.reason()).startsWith("the chain is unreachable: connection refused");
  }

  @Test
  void aChainThatNeverAnswersIsUnknownWithinTheRpcTimeout() throws Exception {
    try (SilentServer silent = SilentServer.start()) {
      OrderVerifier verifier =
          verifier(settings().rpcUrl(silent.uri()).rpcTimeout(Duration.ofMillis(700)));
      long start = System.nanoTime();

      Verdict verdict =
          verifier
              .verify(query(dataset, "compute", "0x" + "ef".repeat(32)))
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(verdict.decision()).as("%s", verdict).isEqualTo(Verdict.Decision.UNKNOWN);
      assertThat(verdict.reason()).isEqualTo("the chain did not answer within the RPC timeout");
      assertThat(took)
          .isGreaterThanOrEqualTo(Duration.ofMillis(600))
          .isLessThan(Duration.ofSeconds(3));
      assertThat(silent.accepted()).as("connections the verifier opened").isPositive();
    }
  }

  @Test
  void anEndpointOfAnotherChainIsUnknown() throws Exception {
    String tx = chain.order(dataset, COMPUTE, PROVIDER);
    OrderVerifier verifier = verifier(settings().chainId(1));

    Verdict verdict = answer(verifier, query(dataset, "compute", tx));

    assertThat(verdict.decision()).as("%s", verdict).isEqualTo(Verdict.Decision.UNKNOWN);
    assertThat(verdict.reason())
        .isEqualTo("the RPC endpoint serves chain id 8996 but chain id 1 is configured");
  }

  private static ChainSettings.Builder settings() {
    return ChainSettings.builder()
        .rpcUrl(node.rpc())
        .chainId(AnvilNode.CHAIN_ID)
        .rpcTimeout(Duration.ofSeconds(5))
        .providerAddress(EthAddress.of(PROVIDER.getAddress()));
  }

  private OrderVerifier verifier(ChainSettings.Builder settings) {
    return track(
        OrderVerifier.builder(settings.build(), services)
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .maxVerdictValidity(Duration.ofDays(7))
            .build());
  }

  private OrderVerifier track(OrderVerifier verifier) {
    verifiers.add(verifier);
    return verifier;
  }

  /** The consumer asks about {@code serviceId} of {@code asset} in a paid environment. */
  private static AgreementQuery query(Asset asset, String serviceId, String tx) {
    return new AgreementQuery(
        EthAddress.of(CONSUMER.getAddress()),
        asset.did(),
        serviceId,
        null,
        tx,
        "paid-env",
        false,
        false);
  }

  private static Verdict answer(OrderVerifier verifier, AgreementQuery query) throws Exception {
    return verifier.verify(query).toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static void assertRefused(Verdict verdict, String reason) {
    assertThat(verdict.decision()).as("%s", verdict).isEqualTo(Verdict.Decision.REFUSE);
    assertThat(verdict.reason()).contains(reason);
  }

  /** A loopback server that accepts connections and never answers. */
  static final class SilentServer implements AutoCloseable {
    private final ServerSocket socket;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private SilentServer(ServerSocket socket) {
      this.socket = socket;
      this.acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    accepted.add(socket.accept());
                  }
                } catch (IOException closed) {
                  // the server was closed
                }
              },
              "silent-rpc");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    static SilentServer start() throws IOException {
      return new SilentServer(
          new ServerSocket(0, 50, InetAddress.getByAddress(new byte[] {127, 0, 0, 1})));
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    int accepted() {
      return accepted.size();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket s : accepted) {
        s.close();
      }
    }
  }
}
