package io.c2d.testkit.conformance;

import io.c2d.ComputeEngine;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputeRequest;
import io.c2d.model.DatasetInput;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.JobWaiter;
import io.c2d.testkit.TestRequests;
import io.c2d.testkit.crypto.Eip191Authenticator;
import io.c2d.testkit.crypto.EthereumKey;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * An engine over the backend under test, with a fake verifier and a waiter, for the promises about
 * admission and capacity. Confined to the test's thread; close it after the test.
 */
final class KitEngine implements AutoCloseable {
  private static final long CHAIN_ID = 8996;

  final RecordingBackend backend;
  final ComputeEngine engine;
  final JobWaiter waiter;
  final TestRequests requests = TestRequests.create(CHAIN_ID, EthereumKey.CAROL.address());
  private final ConformanceFixture fixture;

  KitEngine(RecordingBackend backend, ConformanceFixture fixture) {
    this.backend = backend;
    this.fixture = fixture;
    this.engine =
        ComputeEngine.builder()
            .backend(backend)
            .verifier(FakeAgreementVerifier.allowAll())
            .authenticator(Eip191Authenticator.create())
            .chainId(CHAIN_ID)
            .providerAddress(EthereumKey.CAROL.address())
            .build();
    this.waiter = JobWaiter.on(engine);
    fixture.join(engine.ready());
  }

  ComputeRequest request(String algorithm, Consumer<ComputeRequest.Builder> customize) {
    String requestId = "conformance-" + UUID.randomUUID();
    List<DatasetInput> datasets;
    try {
      datasets = fixture.datasets(requestId, "engine");
    } catch (IOException e) {
      throw new AssertionError("could not write the kit's input files", e);
    }
    TestRequests.Builder request =
        requests
            .by(ConformanceFixture.OWNER)
            .environment(fixture.environment().id())
            .algorithm(TestAlgorithms.raw(algorithm, fixture.algorithmImage(), Map.of()))
            .configure(builder -> builder.requestId(requestId))
            .configure(customize);
    datasets.forEach(request::dataset);
    return request.sign();
  }

  ComputeJob start(String algorithm) {
    return fixture.join(engine.start(request(algorithm, r -> {})));
  }

  @Override
  public void close() {
    waiter.close();
    engine.close();
  }
}
