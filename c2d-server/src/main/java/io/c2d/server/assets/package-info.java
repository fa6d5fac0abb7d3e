/**
 * The publisher's asset directory: how a provider maps the {@code documentId} and {@code serviceId}
 * an Ocean client sends to the asset's DDO (its compute service's terms: trusted algorithms,
 * timeout, datatoken) and to the clear-text locations of its files, which the engine needs to run a
 * job.
 *
 * <p>{@link io.c2d.server.assets.AssetDirectory} is the interface an application may implement
 * itself (over its database, or Aquarius); c2d gives three: {@link
 * io.c2d.server.assets.AssetDirectory#builder() in code}, {@link io.c2d.server.assets.AssetFolder
 * from a directory of DDO files}, and {@link
 * io.c2d.server.assets.AssetDirectory#fromProperties(java.util.Map) from properties}. {@link
 * io.c2d.server.assets.SampleAssets} installs a sample dataset and algorithm.
 */
@NullMarked
package io.c2d.server.assets;

import org.jspecify.annotations.NullMarked;
