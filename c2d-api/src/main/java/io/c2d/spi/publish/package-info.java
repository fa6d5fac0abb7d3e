/**
 * The derived-asset SPI (DESIGN step 9): when a completed job asked for it, its outputs become a
 * new asset whose DDO names the inputs, the algorithm and the job as provenance. c2d-keeper has the
 * on-chain implementations; the testkit has an in-memory one.
 */
@NullMarked
package io.c2d.spi.publish;

import org.jspecify.annotations.NullMarked;
