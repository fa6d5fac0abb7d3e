package io.c2d.jmh;

import io.c2d.keeper.Web3jAuthenticator;
import io.c2d.model.ComputeRequest;
import io.c2d.model.EthAddress;
import io.c2d.spi.auth.ConsumerAuthenticator;
import io.c2d.testkit.EthereumKey;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Signature recovery, the one cryptographic step of a start (DESIGN step 2, once per request): the
 * signer's address from an EIP-191 {@code personal_sign} over a real start request's signing
 * message, by c2d-keeper's {@link Web3jAuthenticator} (web3j and Bouncy Castle), the authenticator
 * both {@code c2d.authenticator=web3j} and {@code eip191} select.
 *
 * <p>Run: {@code java -jar c2d-jmh/target/benchmarks.jar SignatureBenchmark -rf json -rff
 * c2d-jmh/target/signature.json}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class SignatureBenchmark {
  private final ConsumerAuthenticator web3j = Web3jAuthenticator.create();
  private byte[] message;
  private String signature;

  /** Alice signs one start request for the benchmark provider. */
  @Setup(Level.Trial)
  public void sign() {
    EthAddress alice = EthereumKey.ALICE.address();
    ComputeRequest request =
        Fixtures.request(alice, Fixtures.signatureOf(alice), 1, Fixtures.expiry());
    message = request.signingMessage(Fixtures.CHAIN_ID, Fixtures.PROVIDER);
    signature = EthereumKey.ALICE.personalSign(message);
    if (!web3j.recoverSigner(message, signature).equals(alice)) {
      throw new IllegalStateException("the recovery does not give Alice back");
    }
  }

  /** c2d-keeper's recovery through web3j. */
  @Benchmark
  public EthAddress web3j() {
    return web3j.recoverSigner(message, signature);
  }
}
