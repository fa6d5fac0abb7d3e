/**
 * Ethereum parts of c2d built on web3j: consumer authentication with EIP-191 signatures (and, as
 * the keeper issue lands, the on-chain service-agreement verifiers and derived-asset registration).
 */
@NullMarked
package io.c2d.keeper;

import org.jspecify.annotations.NullMarked;
