package io.c2d.spi.publish;

import static java.util.Objects.requireNonNull;

import io.c2d.model.ContainerSpec;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a completed job hands to a {@link DerivedAssetPublisher}: the new asset's owner and name,
 * and its provenance (the job, its inputs, its algorithm and a checksum of every output).
 *
 * <p>Immutable and thread-safe. Equal jobs give equal values, so a publisher may use {@link
 * #jobId()} to recognise a job it has already published.
 *
 * @param jobId the job whose outputs these are
 * @param owner the job's owner, who becomes the owner of the new asset
 * @param name the asset's name: the consumer's choice, or the engine's {@code "Results of job
 *     <id>"}
 * @param inputs the input assets, in the job's order
 * @param algorithmDid the published algorithm, or null for a raw algorithm
 * @param algorithmContainer the container the algorithm ran in
 * @param environmentId the compute environment the job ran in
 * @param finishedAt when the algorithm's results were complete
 * @param outputs the job's outputs (logs excluded), in result order
 */
public record DerivedAsset(
    JobId jobId,
    EthAddress owner,
    String name,
    List<Did> inputs,
    @Nullable Did algorithmDid,
    ContainerSpec algorithmContainer,
    String environmentId,
    Instant finishedAt,
    List<Output> outputs) {

  /** Validates and copies the lists. */
  public DerivedAsset {
    requireNonNull(jobId, "jobId");
    requireNonNull(owner, "owner");
    requireNonNull(name, "name");
    inputs = List.copyOf(inputs);
    requireNonNull(algorithmContainer, "algorithmContainer");
    requireNonNull(environmentId, "environmentId");
    requireNonNull(finishedAt, "finishedAt");
    outputs = List.copyOf(outputs);
  }

  /**
   * One output file of the job.
   *
   * @param result the result as the job lists it
   * @param sha256 the SHA-256 of its bytes, 64 lower-case hex digits
   */
  public record Output(JobResult result, String sha256) {
    /** Validates the checksum's form. */
    public Output {
      requireNonNull(result, "result");
      requireNonNull(sha256, "sha256");
      if (!sha256.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits: " + sha256);
      }
    }
  }
}
