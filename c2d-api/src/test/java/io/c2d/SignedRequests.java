package io.c2d;

import io.c2d.model.Algorithm;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** Start requests signed by a {@link TestKey} for one provider on one chain; fresh nonces. */
final class SignedRequests {
  private static final AtomicLong NONCES = new AtomicLong(System.currentTimeMillis());

  private final long chainId;
  private final EthAddress provider;
  private final Clock clock;

  SignedRequests(long chainId, EthAddress provider, Clock clock) {
    this.chainId = chainId;
    this.provider = provider;
    this.clock = clock;
  }

  static Did did(int n) {
    return Did.of(String.format("did:op:%064x", n));
  }

  /** Dataset {@code n} through its service {@code compute}, with an order transaction. */
  static DatasetInput.Builder dataset(int n) {
    return DatasetInput.builder(did(n), "compute").orderTx(String.format("0x%064x", 0xabc000L + n));
  }

  /** A DDO of dataset {@code n} whose compute service has {@code computeMembers}. */
  static String ddo(int n, String computeMembers) {
    return String.format(
        "{\"id\": \"%s\", \"version\": \"4.1.0\", \"metadata\": {\"type\": \"dataset\"},"
            + " \"services\": [{\"id\": \"compute\", \"type\": \"compute\", \"compute\": {%s}}]}",
        did(n).value(), computeMembers);
  }

  Request by(TestKey key) {
    return new Request(key);
  }

  /** One request being built; environment {@code local} and a raw algorithm unless set. */
  final class Request {
    private final TestKey key;
    private final ComputeRequest.Builder builder = ComputeRequest.builder();
    private Duration validFor = Duration.ofMinutes(10);

    private Request(TestKey key) {
      this.key = key;
      builder
          .consumer(key.address())
          .nonce(Long.toString(NONCES.incrementAndGet()))
          .environment("local")
          .algorithm(
              Algorithm.raw(ContainerSpec.of("busybox", "stable", "sh $ALGO"), "true").build());
    }

    Request dataset(int n) {
      return dataset(
          SignedRequests.dataset(n).ddoJson(ddo(n, "\"allowRawAlgorithm\": true")).build());
    }

    Request dataset(DatasetInput dataset) {
      builder.addDataset(dataset);
      return this;
    }

    Request rawAlgorithm(String script) {
      builder.algorithm(
          Algorithm.raw(ContainerSpec.of("busybox", "stable", "sh $ALGO"), script).build());
      return this;
    }

    Request environment(String id) {
      builder.environment(id);
      return this;
    }

    Request nonce(String nonce) {
      builder.nonce(nonce);
      return this;
    }

    Request validFor(Duration validFor) {
      this.validFor = validFor;
      return this;
    }

    Request configure(Consumer<ComputeRequest.Builder> change) {
      change.accept(builder);
      return this;
    }

    ComputeRequest sign() {
      return signWith(key);
    }

    ComputeRequest signWith(TestKey signer) {
      builder.expiresAt(clock.instant().plus(validFor));
      ComputeRequest unsigned = builder.buildUnsigned();
      return builder
          .signature(signer.personalSign(unsigned.signingMessage(chainId, provider)))
          .build();
    }
  }
}
