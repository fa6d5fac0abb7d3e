/**
 * The consumer-authentication SPI (DESIGN step 2): recovering the Ethereum address that signed a
 * request, in c2d's format ({@link io.c2d.spi.auth.ConsumerAuthenticator#recoverSigner}) or Ocean's
 * ({@link io.c2d.spi.auth.ConsumerAuthenticator#recoverDigestSigner}), and keeping the nonces
 * ({@link io.c2d.spi.auth.NonceStore}: used-once nonces and Ocean's per-consumer counters). The
 * engine builds the message, compares the signer with the consumer and decides on the nonce; an
 * authenticator only does the cryptography.
 */
@NullMarked
package io.c2d.spi.auth;

import org.jspecify.annotations.NullMarked;
