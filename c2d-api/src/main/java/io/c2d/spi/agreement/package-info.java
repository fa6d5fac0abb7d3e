/**
 * The service-agreement SPI (DESIGN step 3): is this consumer entitled to this compute service of
 * this asset, right now? Implementations check an Ocean Keeper agreement, a v4 datatoken order, or
 * anything else a publisher trusts; c2d-keeper has the on-chain ones.
 */
@NullMarked
package io.c2d.spi.agreement;

import org.jspecify.annotations.NullMarked;
