/**
 * The Ocean-compatible wire format: {@link io.c2d.ocean.OceanJson} reads the compute start body
 * that Ocean's provider (v4) and ocean-node accept, and writes the job status list, the results
 * list and the compute environments listing in the shapes their clients read, so that a provider
 * application built on c2d can answer existing Ocean clients (ocean.js, ocean.py, the Ocean market)
 * unchanged.
 *
 * <p>Only JDK and c2d types appear in this package's signatures; the JSON library is an
 * implementation detail. Malformed input is refused with an {@link io.c2d.InvalidRequestException}
 * whose {@link io.c2d.InvalidRequestException#field() field} names the offending member in Ocean's
 * dotted form, such as {@code "dataset.documentId"} or {@code "algorithm.meta.container.image"}.
 */
@NullMarked
package io.c2d.ocean;

import org.jspecify.annotations.NullMarked;
