package io.c2d.testkit.conformance;

import io.c2d.spi.agreement.ServiceAgreementVerifier;
import io.c2d.testkit.FakeAgreementVerifier;

/** The testkit's fake verifier keeps the verifier promises in each of its modes. */
final class FakeVerifierConformanceTest extends ServiceAgreementVerifierConformanceKit {

  @Override
  protected ServiceAgreementVerifier allowingVerifier() {
    return FakeAgreementVerifier.allowAll();
  }

  @Override
  protected ServiceAgreementVerifier refusingVerifier() {
    return FakeAgreementVerifier.refuseAll("no order for this consumer");
  }

  @Override
  protected ServiceAgreementVerifier unreachableVerifier() {
    return FakeAgreementVerifier.unknownAll("chain unreachable");
  }

  @Override
  protected ServiceAgreementVerifier hangingVerifier() {
    return FakeAgreementVerifier.allowAll().hang();
  }
}
