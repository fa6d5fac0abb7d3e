/**
 * Pure-Java Ethereum signing and signature recovery for tests: Keccak-256, secp256k1 with RFC 6979
 * deterministic nonces, EIP-191 {@code personal_sign}, EIP-55 addresses, a few well-known test
 * keys, and an EIP-191 {@link io.c2d.spi.auth.ConsumerAuthenticator} registered under the name
 * {@code "eip191"}.
 *
 * <p>Nothing here is constant-time and no key material is protected; it is for tests and local
 * development only. Production deployments use the web3j-based implementation in {@code
 * c2d-keeper}.
 */
@org.jspecify.annotations.NullMarked
package io.c2d.testkit.crypto;
