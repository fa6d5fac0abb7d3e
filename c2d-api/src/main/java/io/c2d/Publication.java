package io.c2d;

import io.c2d.model.Did;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import io.c2d.spi.publish.DerivedAsset;
import io.c2d.spi.publish.DerivedAssetPublisher;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * DESIGN step 9: a completed job that asked for it becomes a derived asset. Hashes the job's
 * outputs (read from its backend, on the engine's executor) and hands the asset with its provenance
 * to the publisher; the state machine ends the job with the answer. Thread-safe.
 */
final class Publication {
  private final DerivedAssetPublisher publisher;
  private final Executor executor;

  Publication(DerivedAssetPublisher publisher, Executor executor) {
    this.publisher = publisher;
    this.executor = executor;
  }

  /** Whether a job whose backend reports {@code state} must be published before it ends. */
  static boolean wanted(JobRecord record, BackendJobState state) {
    JobSpec spec = record.spec;
    return spec != null
        && spec.output().publishAsAsset()
        && state.status().outcome() == JobStatus.Outcome.SUCCEEDED
        && !record.snapshot().isTerminal();
  }

  /** Publishes the outputs listed in {@code completed}; the stage ends with the new DID. */
  CompletionStage<Did> publish(JobRecord record, JobSpec spec, BackendJobState completed) {
    List<JobResult> outputs =
        completed.results().stream().filter(r -> r.kind() == ResultKind.OUTPUT).toList();
    CompletableFuture<List<DerivedAsset.Output>> hashed =
        CompletableFuture.completedFuture(new ArrayList<>(outputs.size()));
    for (JobResult output : outputs) {
      hashed =
          hashed.thenCompose(
              list ->
                  record
                      .slot
                      .backend
                      .openResult(record.id(), output)
                      .thenApplyAsync(
                          in -> {
                            list.add(new DerivedAsset.Output(output, sha256Of(in)));
                            return list;
                          },
                          executor));
    }
    return hashed.thenCompose(list -> publisher.publish(derivedAsset(spec, completed, list)));
  }

  private static DerivedAsset derivedAsset(
      JobSpec spec, BackendJobState completed, List<DerivedAsset.Output> outputs) {
    String name = spec.output().assetName();
    return new DerivedAsset(
        spec.jobId(),
        spec.owner(),
        name != null ? name : "Results of job " + spec.jobId(),
        spec.inputDids(),
        spec.algorithm().did().orElse(null),
        spec.algorithm().container(),
        spec.environmentId(),
        completed.at(),
        outputs);
  }

  private static String sha256Of(InputStream in) {
    try (in) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("reading an output to hash it failed", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
