/**
 * Ethereum parts of c2d built on web3j: consumer authentication with EIP-191 signatures, and the
 * on-chain service-agreement verifiers ({@link io.c2d.keeper.AgreementVerifier} for Ocean Keeper
 * agreements) over the shared {@link io.c2d.keeper.ChainSettings}.
 */
@NullMarked
package io.c2d.keeper;

import org.jspecify.annotations.NullMarked;
