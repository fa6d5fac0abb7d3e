package io.c2d.testkit;

import static java.util.Objects.requireNonNull;

import io.c2d.model.Algorithm;
import io.c2d.model.ComputeRequest;
import io.c2d.model.ContainerSpec;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Builds compute requests signed with real secp256k1 test keys, the way a consumer's client signs
 * them for one provider on one chain.
 *
 * <pre>{@code
 * TestRequests requests = TestRequests.create(8996, providerAddress);
 * ComputeRequest request = requests.by(EthereumKey.ALICE)
 *     .dataset(TestRequests.dataset(1).addFile(csv.toUri()).ddoJson(TestRequests.openDdo(1)).build())
 *     .rawAlgorithm("ls -R \"$INPUTS\" > \"$OUTPUTS/listing.txt\"")
 *     .sign();
 * }</pre>
 *
 * <p>Each request gets a fresh nonce. Thread-safe; the builders it hands out are not.
 */
public final class TestRequests {
  /** The default environment id requests name: {@value}. */
  public static final String DEFAULT_ENVIRONMENT = "local";

  private final long chainId;
  private final EthAddress provider;
  private final Clock clock;
  private final AtomicLong nonces;

  private TestRequests(long chainId, EthAddress provider, Clock clock) {
    this.chainId = chainId;
    this.provider = requireNonNull(provider, "provider");
    this.clock = requireNonNull(clock, "clock");
    this.nonces = new AtomicLong(clock.millis());
  }

  /** Requests for the provider {@code provider} on chain {@code chainId}, with the system clock. */
  public static TestRequests create(long chainId, EthAddress provider) {
    return new TestRequests(chainId, provider, Clock.systemUTC());
  }

  /** Requests whose expiries follow {@code clock}. */
  public static TestRequests create(long chainId, EthAddress provider, Clock clock) {
    return new TestRequests(chainId, provider, clock);
  }

  /** A DID for test dataset or algorithm number {@code n}: {@code did:op:} and 64 hex digits. */
  public static Did did(int n) {
    return Did.of(String.format("did:op:%064x", n));
  }

  /** A builder of dataset {@link #did(int) n} through its compute service {@code "compute"}. */
  public static DatasetInput.Builder dataset(int n) {
    return DatasetInput.builder(did(n), "compute").orderTx(String.format("0x%064x", 0xabc000L + n));
  }

  /**
   * The DDO of test dataset {@code n} whose compute service allows raw algorithms (and nothing
   * else): the policy most examples need.
   */
  public static String openDdo(int n) {
    return ddo(n, "\"allowRawAlgorithm\": true");
  }

  /** The DDO of test dataset {@code n} with the given {@code compute} object members. */
  public static String ddo(int n, String computeMembers) {
    return "{\"@context\": [\"https://w3id.org/did/v1\"], \"id\": \""
        + did(n).value()
        + "\", \"version\": \"4.1.0\", \"metadata\": {\"type\": \"dataset\", \"name\": \"test"
        + " dataset "
        + n
        + "\"}, \"services\": [{\"id\": \"compute\", \"type\": \"compute\", \"compute\": {"
        + computeMembers
        + "}}]}";
  }

  /** A request builder for the consumer holding {@code key}. */
  public Builder by(EthereumKey key) {
    return new Builder(requireNonNull(key, "key"));
  }

  /** Builds one signed request. Not thread-safe. */
  public final class Builder {
    private final EthereumKey key;
    private final ComputeRequest.Builder request = ComputeRequest.builder();
    private boolean hasAlgorithm;
    private boolean hasEnvironment;
    private Duration validFor = Duration.ofMinutes(10);

    private Builder(EthereumKey key) {
      this.key = key;
      request.consumer(key.address()).nonce(Long.toString(nonces.incrementAndGet()));
    }

    /** Adds an input dataset. */
    public Builder dataset(DatasetInput dataset) {
      request.addDataset(dataset);
      return this;
    }

    /** Adds test dataset {@code n} with its files and an open DDO. */
    public Builder dataset(int n, URI... files) {
      DatasetInput.Builder dataset = TestRequests.dataset(n).ddoJson(openDdo(n));
      for (URI file : files) {
        dataset.addFile(file);
      }
      return dataset(dataset.build());
    }

    /** A raw algorithm run as {@code sh $ALGO} in the {@code busybox} image. */
    public Builder rawAlgorithm(String script) {
      return algorithm(
          Algorithm.raw(ContainerSpec.of("busybox", "stable", "sh $ALGO"), script).build());
    }

    /** The algorithm. */
    public Builder algorithm(Algorithm algorithm) {
      request.algorithm(algorithm);
      hasAlgorithm = true;
      return this;
    }

    /** The environment; default {@value TestRequests#DEFAULT_ENVIRONMENT}. */
    public Builder environment(String environmentId) {
      request.environment(environmentId);
      hasEnvironment = true;
      return this;
    }

    /** A specific nonce instead of a fresh one. */
    public Builder nonce(String nonce) {
      request.nonce(nonce);
      return this;
    }

    /** How long the signature stays valid; default 10 minutes. */
    public Builder validFor(Duration validFor) {
      this.validFor = requireNonNull(validFor, "validFor");
      return this;
    }

    /** Sets anything else on the underlying request builder. */
    public Builder configure(Consumer<ComputeRequest.Builder> change) {
      change.accept(request);
      return this;
    }

    /** Builds the request and signs it with the consumer's key. */
    public ComputeRequest sign() {
      return signWith(key);
    }

    /** Builds the request but signs it with another key: a request the engine must refuse. */
    public ComputeRequest signWith(EthereumKey signer) {
      if (!hasAlgorithm) {
        rawAlgorithm("echo hello > \"$OUTPUTS/hello.txt\"");
      }
      if (!hasEnvironment) {
        request.environment(DEFAULT_ENVIRONMENT);
      }
      request.expiresAt(clock.instant().plus(validFor));
      ComputeRequest unsigned = request.buildUnsigned();
      String signature = signer.personalSign(unsigned.signingMessage(chainId, provider));
      return request.signature(signature).build();
    }
  }
}
