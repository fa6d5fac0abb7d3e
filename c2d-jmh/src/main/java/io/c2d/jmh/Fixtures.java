package io.c2d.jmh;

import io.c2d.ComputeEngine;
import io.c2d.model.Algorithm;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.EthAddress;
import io.c2d.model.Resources;
import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.spi.agreement.Verdict;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.testkit.EthereumKey;
import io.c2d.testkit.TestRequests;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the benchmarks share: environments, engines, consumers and requests. Requests share their
 * dataset and algorithm objects (only the nonce differs), so a batch of a few hundred thousand
 * requests stays small beside the jobs the engine tracks.
 */
final class Fixtures {
  static final long CHAIN_ID = 8996;
  static final EthAddress PROVIDER = EthereumKey.CAROL.address();
  static final String ENVIRONMENT = "bench";

  private static final DatasetInput DATASET =
      TestRequests.dataset(1).ddoJson(TestRequests.openDdo(1)).build();
  private static final Algorithm ALGORITHM =
      Algorithm.raw(ContainerSpec.of("busybox", "stable", "sh $ALGO"), "echo hi").build();

  /** Signature text to the consumer it stands for: the trusting authenticator's whole state. */
  private static final ConcurrentHashMap<String, EthAddress> SIGNERS = new ConcurrentHashMap<>();

  private static final ConcurrentHashMap<EthAddress, String> SIGNATURES = new ConcurrentHashMap<>();

  private static final CompletionStage<Verdict> ALLOW_ONCE =
      CompletableFuture.completedFuture(Verdict.allowOnce());

  private Fixtures() {}

  /**
   * Requests per batch: {@code standard}, or the system property {@code c2d.jmh.batch} (the smoke
   * test makes batches small, since it runs each benchmark for a few milliseconds).
   */
  static int batch(int standard) {
    return Integer.getInteger("c2d.jmh.batch", standard);
  }

  /** An environment holding {@code maxConcurrentJobs} jobs at once, any number per consumer. */
  static ComputeEnvironment environment(int maxConcurrentJobs, int queueCapacity) {
    return ComputeEnvironment.builder(ENVIRONMENT)
        // A job takes a thousandth of a core: a million jobs fit at once.
        .capacity(Resources.of(1024, 1L << 29, 1L << 29, 0))
        .maxPerJob(Resources.of(0.001, 1, 1, 0))
        .defaultPerJob(Resources.of(0.001, 1, 1, 0))
        .maxConcurrentJobs(maxConcurrentJobs)
        .maxJobsPerConsumer(maxConcurrentJobs)
        .queueCapacity(queueCapacity)
        .build();
  }

  /** An environment whose capacity never runs out in a benchmark. */
  static ComputeEnvironment roomyEnvironment() {
    return environment(100_000_000, 1);
  }

  /**
   * An engine over {@code backend} that trusts each request's consumer (no signature recovery),
   * runs on the calling thread, and asks {@code verifier}.
   */
  static ComputeEngine engine(ComputeBackend backend, ServiceAgreementVerifier verifier) {
    ComputeEngine engine =
        ComputeEngine.builder()
            .backend(backend)
            .verifier(verifier)
            .authenticator(trustingAuthenticator())
            .executor(Runnable::run)
            .chainId(CHAIN_ID)
            .providerAddress(PROVIDER)
            .build();
    engine.ready().toCompletableFuture().join();
    return engine;
  }

  /** A verifier that allows every query at once, without a validity (never cached). */
  static ServiceAgreementVerifier allowOnce() {
    return query -> ALLOW_ONCE;
  }

  /**
   * An authenticator that does no cryptography: it maps the signature text back to the consumer
   * {@link #signatureOf} made it for, so that signature recovery stays out of the engine's figures.
   */
  static ConsumerAuthenticator trustingAuthenticator() {
    return (message, signature) -> {
      EthAddress signer = SIGNERS.get(signature);
      if (signer == null) {
        throw new IllegalArgumentException("not a benchmark signature: " + signature);
      }
      return signer;
    };
  }

  /** Benchmark consumer number {@code n}. */
  static EthAddress consumer(int n) {
    return EthAddress.of(String.format(Locale.ROOT, "0x%040x", 0xc2d0000L + n));
  }

  /** The stand-in signature of {@code consumer}'s requests: 0x and 130 hex digits. */
  static String signatureOf(EthAddress consumer) {
    // One String instance per consumer, so its hash is computed once.
    return SIGNATURES.computeIfAbsent(
        consumer,
        c -> {
          String signature = "0x" + c.value().substring(2) + "0".repeat(88) + "1b";
          SIGNERS.put(signature, c);
          return signature;
        });
  }

  /** An expiry well inside the engine's default signature lifetime. */
  static Instant expiry() {
    return Instant.now().plus(Duration.ofMinutes(30));
  }

  /** One start request of {@code consumer} with {@code nonce}. */
  static ComputeRequest request(
      EthAddress consumer, String signature, long nonce, Instant expiresAt) {
    return ComputeRequest.builder()
        .consumer(consumer)
        .addDataset(DATASET)
        .algorithm(ALGORITHM)
        .environment(ENVIRONMENT)
        .nonce(Long.toString(nonce))
        .expiresAt(expiresAt)
        .signature(signature)
        .build();
  }

  /** {@code count} distinct requests of {@code consumer}, nonces from {@code firstNonce}. */
  static ComputeRequest[] requests(EthAddress consumer, int count, long firstNonce) {
    String signature = signatureOf(consumer);
    Instant expiresAt = expiry();
    ComputeRequest[] requests = new ComputeRequest[count];
    for (int i = 0; i < count; i++) {
      requests[i] = request(consumer, signature, firstNonce + i, expiresAt);
    }
    return requests;
  }
}
