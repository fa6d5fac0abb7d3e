package io.c2d.testkit.engine;

import io.c2d.ComputeEngine;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.EthAddress;
import io.c2d.model.PhaseTimeouts;
import io.c2d.model.Resources;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.InMemoryComputeBackend;
import io.c2d.testkit.JobWaiter;
import io.c2d.testkit.TestAuthenticator;
import io.c2d.testkit.TestRequests;
import java.time.Duration;
import java.util.function.Consumer;

/** An engine over an in-memory backend, with the fakes and helpers the engine tests share. */
final class EngineFixture implements AutoCloseable {
  static final long CHAIN_ID = 8996;
  static final EthAddress PROVIDER = EthereumKey.CAROL.address();
  static final Duration WAIT = Duration.ofSeconds(10);

  final InMemoryComputeBackend backend;
  final FakeAgreementVerifier verifier;
  final ComputeEngine engine;
  final JobWaiter waiter;
  final TestRequests requests = TestRequests.create(CHAIN_ID, PROVIDER);

  EngineFixture(InMemoryComputeBackend backend, FakeAgreementVerifier verifier) {
    this(backend, verifier, builder -> {});
  }

  EngineFixture(
      InMemoryComputeBackend backend,
      FakeAgreementVerifier verifier,
      Consumer<ComputeEngine.Builder> configure) {
    this.backend = backend;
    this.verifier = verifier;
    ComputeEngine.Builder builder = engineBuilder(backend, verifier);
    configure.accept(builder);
    this.engine = builder.build();
    this.waiter = JobWaiter.on(engine);
    engine.ready().toCompletableFuture().join();
  }

  static ComputeEngine.Builder engineBuilder(
      ComputeBackend backend, FakeAgreementVerifier verifier) {
    return ComputeEngine.builder()
        .backend(backend)
        .verifier(verifier)
        .authenticator(TestAuthenticator.create())
        .chainId(CHAIN_ID)
        .providerAddress(PROVIDER);
  }

  /** An environment of {@code slots} one-CPU jobs, at most {@code perConsumer} each at once. */
  static ComputeEnvironment environment(String id, int slots, int perConsumer, int queue) {
    return ComputeEnvironment.builder(id)
        .capacity(Resources.of(slots, slots * 1024L, slots * 2048L, 0))
        .maxPerJob(Resources.of(1, 1024, 2048, 0))
        .maxConcurrentJobs(slots)
        .maxJobsPerConsumer(perConsumer)
        .queueCapacity(queue)
        .maxDuration(Duration.ofMinutes(10))
        .phaseTimeouts(PhaseTimeouts.DEFAULTS)
        .build();
  }

  @Override
  public void close() {
    waiter.close();
    engine.close();
  }
}
