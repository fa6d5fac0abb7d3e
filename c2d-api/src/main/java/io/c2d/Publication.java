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
  private volatile @org.jspecify.annotations.Nullable ResultGate gate;

  Publication(DerivedAssetPublisher publisher, Executor executor) {
    this.publisher = publisher;
    this.executor = executor;
  }

  /** Publishes only what the result filters released, as served (redacted where they redacted). */
  void gate(ResultGate gate) {
    this.gate = gate;
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
    ResultGate filtered = gate;
    Verdicts verdicts = filtered == null ? null : filtered.verdicts(record.id());
    List<JobResult> outputs =
        completed.results().stream()
            .filter(r -> r.kind() == ResultKind.OUTPUT)
            .filter(r -> verdicts == null || served(verdicts, r))
            .toList();
    CompletableFuture<List<DerivedAsset.Output>> hashed =
        CompletableFuture.completedFuture(new ArrayList<>(outputs.size()));
    for (JobResult output : outputs) {
      hashed =
          hashed.thenCompose(
              list ->
                  (filtered != null && verdicts != null
                          ? filtered.open(record, output)
                          : record.slot.backend.openResult(record.id(), output))
                      .thenApplyAsync(
                          in -> {
                            list.add(new DerivedAsset.Output(output, sha256Of(in)));
                            return list;
                          },
                          executor));
    }
    return hashed.thenCompose(list -> publisher.publish(derivedAsset(spec, completed, list)));
  }

  private static boolean served(Verdicts verdicts, JobResult result) {
    Verdicts.Decision decision = verdicts.decision(result);
    return decision != null
        && (decision.state() == io.c2d.model.ResultNotice.State.RELEASED
            || decision.state() == io.c2d.model.ResultNotice.State.REDACTED);
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
