/**
 * Test support for provider applications and backend authors: fakes of the SPIs ({@link
 * io.c2d.testkit.InMemoryComputeBackend}, {@link io.c2d.testkit.FakeAgreementVerifier}), builders
 * of requests signed with real test keys ({@link io.c2d.testkit.TestRequests}, {@link
 * io.c2d.testkit.EthereumKey}) and an authenticator that recovers their signers ({@link
 * io.c2d.testkit.TestAuthenticator}), both with web3j's crypto artifact, and waiting helpers
 * ({@link io.c2d.testkit.JobWaiter}) instead of sleeps, and a real HTTP file server on loopback
 * that misbehaves on demand, to test the fetching of remote inputs ({@link
 * io.c2d.testkit.LoopbackFileServer}), and scenarios every backend's real-part tests share, such as
 * an algorithm that tries to take its input home past the result filters ({@link
 * io.c2d.testkit.ExfiltrationScenario}).
 */
@NullMarked
package io.c2d.testkit;

import org.jspecify.annotations.NullMarked;
