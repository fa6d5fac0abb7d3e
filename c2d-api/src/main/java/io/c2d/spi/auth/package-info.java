/**
 * The consumer-authentication SPI (DESIGN step 2): recovering the Ethereum address that signed a
 * request. The engine builds the message, compares the signer with the consumer and owns the nonce
 * bookkeeping; an implementation only does the cryptography.
 */
@NullMarked
package io.c2d.spi.auth;

import org.jspecify.annotations.NullMarked;
