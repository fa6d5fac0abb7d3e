package io.c2d;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.EthAddress;
import io.c2d.model.PhaseTimeouts;
import io.c2d.model.Resources;
import io.c2d.spi.backend.ComputeBackend;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/** An engine over a scripted backend, with the fakes and helpers the engine tests share. */
final class EngineFixture implements AutoCloseable {
  static final long CHAIN_ID = 8996;
  static final EthAddress PROVIDER = TestKey.CAROL.address();
  static final Duration WAIT = Duration.ofSeconds(10);

  final ScriptedBackend backend;
  final ScriptedVerifier verifier;
  final ComputeEngine engine;
  final StatusLog waiter = new StatusLog();
  final SignedRequests requests;

  EngineFixture(ScriptedBackend backend, ScriptedVerifier verifier) {
    this(backend, verifier, builder -> {});
  }

  EngineFixture(
      ScriptedBackend backend,
      ScriptedVerifier verifier,
      Consumer<ComputeEngine.Builder> configure) {
    this(backend, verifier, Clock.systemUTC(), configure);
  }

  /** An engine whose wall and monotonic time is {@code time}; requests expire by it too. */
  EngineFixture(ScriptedBackend backend, ScriptedVerifier verifier, ManualTime time) {
    this(backend, verifier, time, builder -> {});
  }

  EngineFixture(
      ScriptedBackend backend,
      ScriptedVerifier verifier,
      ManualTime time,
      Consumer<ComputeEngine.Builder> configure) {
    this(backend, verifier, (Clock) time, configure.andThen(b -> b.clock(time).ticker(time)));
  }

  private EngineFixture(
      ScriptedBackend backend,
      ScriptedVerifier verifier,
      Clock clock,
      Consumer<ComputeEngine.Builder> configure) {
    this.backend = backend;
    this.verifier = verifier;
    this.requests = new SignedRequests(CHAIN_ID, PROVIDER, clock);
    ComputeEngine.Builder builder = engineBuilder(backend, verifier).addListener(waiter);
    configure.accept(builder);
    this.engine = builder.build();
    engine.ready().toCompletableFuture().join();
  }

  static ComputeEngine.Builder engineBuilder(ComputeBackend backend, ScriptedVerifier verifier) {
    return ComputeEngine.builder()
        .backend(backend)
        .verifier(verifier)
        .authenticator(new RecoveringAuthenticator())
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

  /** The c2d failure {@code stage} ends with; an assertion error if it does not fail so. */
  static C2dException failureOf(CompletionStage<?> stage) {
    try {
      Object value = stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      throw new AssertionError("expected a failure but the stage completed with " + value);
    } catch (ExecutionException e) {
      C2dException failure = C2dException.unwrap(e);
      if (failure == null) {
        throw new AssertionError("failed with something else than a C2dException", e);
      }
      return failure;
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("the stage did not fail in time", e);
    }
  }

  /** The field an {@link InvalidRequestException} names. */
  static String fieldOf(C2dException failure) {
    return ((InvalidRequestException) failure).field();
  }

  @Override
  public void close() {
    engine.close();
  }
}
