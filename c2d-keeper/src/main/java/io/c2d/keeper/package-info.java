/**
 * Ethereum parts of c2d built on web3j: consumer authentication with EIP-191 signatures ({@link
 * io.c2d.keeper.Web3jAuthenticator}) and the on-chain service-agreement verifiers.
 *
 * <p>{@link io.c2d.keeper.OrderVerifier} checks Ocean v4 datatoken orders ({@code startOrder}
 * transactions) against the order terms of a {@link io.c2d.keeper.ServiceDirectory}; {@link
 * io.c2d.keeper.ChainSettings} says where the chain is ({@code c2d.keeper.*} properties). A
 * verifier's JSON-RPC traffic goes through one package-private client that batches each
 * verification into a single HTTP round trip and turns every transport failure into an unknown
 * verdict, never an allow.
 */
@NullMarked
package io.c2d.keeper;

import org.jspecify.annotations.NullMarked;
