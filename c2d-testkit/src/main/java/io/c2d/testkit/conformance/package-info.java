/**
 * The conformance kits: abstract JUnit 5 classes that prove a {@link
 * io.c2d.spi.backend.ComputeBackend} ({@link
 * io.c2d.testkit.conformance.ComputeBackendConformanceKit}) or a {@link
 * io.c2d.spi.agreement.ServiceAgreementVerifier} ({@link
 * io.c2d.testkit.conformance.ServiceAgreementVerifierConformanceKit}) keeps the promises the engine
 * relies on, and the portable test algorithms they run ({@link
 * io.c2d.testkit.conformance.TestAlgorithms}). A backend module adds one short subclass; each
 * promise is a separately named and reported test, and a promise the backend declares it cannot
 * keep is reported as skipped with a reason starting with {@code "not applicable:"}, never as
 * passed.
 */
@NullMarked
package io.c2d.testkit.conformance;

import org.jspecify.annotations.NullMarked;
