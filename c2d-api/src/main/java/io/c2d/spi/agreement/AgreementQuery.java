package io.c2d.spi.agreement;

import static java.util.Objects.requireNonNull;

import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import org.jspecify.annotations.Nullable;

/**
 * One entitlement question: may {@code consumer} use the compute service {@code serviceId} of the
 * asset {@code did} in environment {@code environmentId} at this provider? The engine asks once per
 * input dataset and once for a published algorithm.
 *
 * <p>Immutable and thread-safe; equal queries may share a cached verdict.
 *
 * @param consumer who asks
 * @param did the asset
 * @param serviceId its compute service
 * @param agreementId the Keeper agreement id, or null
 * @param orderTx the v4 order transaction, or null
 * @param environmentId the compute environment
 * @param freeEnvironment whether the environment is free (no provider fee is due)
 * @param algorithm whether the asset is the job's algorithm rather than a dataset
 */
public record AgreementQuery(
    EthAddress consumer,
    Did did,
    String serviceId,
    @Nullable String agreementId,
    @Nullable String orderTx,
    String environmentId,
    boolean freeEnvironment,
    boolean algorithm) {

  /** Validates. */
  public AgreementQuery {
    requireNonNull(consumer, "consumer");
    requireNonNull(did, "did");
    requireNonNull(serviceId, "serviceId");
    requireNonNull(environmentId, "environmentId");
  }
}
