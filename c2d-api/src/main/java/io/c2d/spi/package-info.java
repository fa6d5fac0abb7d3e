/**
 * What the service provider interfaces share: {@link io.c2d.spi.ProviderConfig}, the typed view of
 * the string properties a provider is created from.
 */
@NullMarked
package io.c2d.spi;

import org.jspecify.annotations.NullMarked;
