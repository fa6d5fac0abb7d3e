package io.c2d.testkit.engine;

import io.c2d.ComputeEngine;
import io.c2d.model.EthAddress;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.testkit.FakeAgreementVerifier;
import io.c2d.testkit.crypto.Eip191Authenticator;
import io.c2d.testkit.crypto.EthereumKey;

/**
 * What the end-to-end test shares with the engine's own tests (which live in c2d-api): the chain,
 * the provider and an engine builder over the testkit's fakes.
 */
final class EngineFixture {
  static final long CHAIN_ID = 8996;
  static final EthAddress PROVIDER = EthereumKey.CAROL.address();

  private EngineFixture() {}

  static ComputeEngine.Builder engineBuilder(
      ComputeBackend backend, FakeAgreementVerifier verifier) {
    return ComputeEngine.builder()
        .backend(backend)
        .verifier(verifier)
        .authenticator(Eip191Authenticator.create())
        .chainId(CHAIN_ID)
        .providerAddress(PROVIDER);
  }
}
