/**
 * Ethereum parts of c2d built on web3j: consumer authentication with EIP-191 signatures ({@link
 * io.c2d.keeper.Web3jAuthenticator}) and the on-chain service-agreement verifiers.
 *
 * <p>{@link io.c2d.keeper.OrderVerifier} checks Ocean v4 datatoken orders ({@code startOrder}
 * transactions) against the order terms of a {@link io.c2d.keeper.ServiceDirectory}; {@link
 * io.c2d.keeper.AgreementVerifier} checks Ocean Keeper service agreements (template, DID, provider,
 * lock-reward and compute-execution conditions). {@link io.c2d.keeper.ChainSettings} says where the
 * chain is ({@code c2d.keeper.*} properties). A verifier's JSON-RPC traffic goes through one
 * package-private client that batches each verification into as few HTTP round trips as it can and
 * turns every transport failure into an unknown verdict, never an allow.
 *
 * <p>Derived assets (DESIGN step 9): {@link io.c2d.keeper.NftAssetPublisher} registers a completed
 * job's outputs as an Ocean v4 data NFT whose metadata is the derived DDO (provider {@code
 * ocean-nft}); {@link io.c2d.keeper.DidRegistryPublisher} registers them as a DID in the Keeper's
 * DIDRegistry (provider {@code keeper-did}). Both sign with a configured publisher key, find a
 * job's asset again before creating one (idempotent per job id) and resume a publication a restart
 * interrupted.
 *
 * <p>Paid compute: {@link io.c2d.keeper.ProviderFeeSigner} signs Ocean's {@code providerFee} as the
 * datatoken checks it; {@link io.c2d.keeper.EscrowClient} locks, claims and releases a payer's
 * deposit in Ocean's Escrow contract; {@link io.c2d.keeper.ComputePayments} (implemented by {@link
 * io.c2d.keeper.EscrowPayments}) is what the HTTP layer calls around a paid job's life, with the
 * environment's {@link io.c2d.model.ComputePricing}.
 */
@NullMarked
package io.c2d.keeper;

import org.jspecify.annotations.NullMarked;
