package io.c2d;

import io.c2d.model.ComputePolicy;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import io.c2d.model.ResultNotice;
import io.c2d.model.ResultNotice.State;
import io.c2d.model.ResultPolicy;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.JobSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The gate between a job's collected results and its owner (DESIGN step 8): which result policy
 * applies to a job (the publisher's, then its assets'), the filter chain's run, the verdicts per
 * result (in memory, rebuilt from the {@link AuditJournal} after a restart), the redactions' files,
 * and serving: a withheld or pending result is refused with {@link ResultWithheldException}, a
 * redacted one serves its replacement, {@code publish.log} always carries the decisions and their
 * reasons. Thread-safe: verdicts are guarded by one lock, never held while calling out.
 */
final class ResultGate {
  static final String UNREADABLE_POLICY = "unreadable-result-policy";

  private final Object lock = new Object();
  private final FilterRegistry filters;
  private final ResultPolicy publisherPolicy;
  private final AuditJournal journal;
  private final Path replacements;
  private final InputOpener inputs = new InputOpener();
  // Guarded by lock.
  private final Map<JobId, Verdicts> verdicts = new HashMap<>();

  ResultGate(
      FilterRegistry filters,
      ResultPolicy publisherPolicy,
      AuditJournal journal,
      Path replacements) {
    this.filters = filters;
    this.publisherPolicy = publisherPolicy;
    this.journal = journal;
    this.replacements = replacements;
  }

  FilterRegistry filters() {
    return filters;
  }

  AuditJournal journal() {
    return journal;
  }

  InputOpener inputs() {
    return inputs;
  }

  /**
   * The result policy of a job: the publisher's, then each asset's from its DDO. A DDO that cannot
   * be read gives a chain whose only filter does not exist: every result is withheld.
   */
  ResultPolicy policyOf(JobSpec spec) {
    ResultPolicy policy = publisherPolicy;
    List<DatasetInput> datasets = spec.datasets();
    for (int i = 0; i < datasets.size(); i++) {
      DatasetInput dataset = datasets.get(i);
      if (dataset.ddoJson().isEmpty()) {
        continue;
      }
      try {
        policy =
            policy.then(
                ComputePolicy.fromDdo(
                        dataset.ddoJson().get(), dataset.serviceId(), "datasets[" + i + "].ddo")
                    .resultPolicy());
      } catch (RuntimeException e) {
        policy =
            policy.then(
                ResultPolicy.of(List.of(ResultPolicy.Filter.named(UNREADABLE_POLICY)), false));
      }
    }
    return policy;
  }

  /** The job's policy, computed once while its spec is known; {@link ResultPolicy#NONE} after. */
  ResultPolicy policyOf(JobRecord record) {
    synchronized (record.lock) {
      ResultPolicy policy = record.resultPolicy;
      if (policy == null) {
        JobSpec spec = record.spec;
        policy = spec == null ? ResultPolicy.NONE : policyOf(spec);
        record.resultPolicy = policy;
      }
      return policy;
    }
  }

  boolean gated(JobRecord record) {
    return !policyOf(record).isNone();
  }

  boolean reviewRequired(JobRecord record) {
    return policyOf(record).review();
  }

  /**
   * Runs the chain over {@code completed}'s results on the calling thread, records every decision,
   * and keeps the job's verdicts. Never throws: what fails withholds.
   */
  Verdicts filter(
      JobRecord record,
      JobSpec spec,
      BackendJobState completed,
      ResultPolicy policy,
      Duration limit) {
    JobId id = record.id();
    FilterChainRun run =
        new FilterChainRun(
            this,
            id,
            spec.inputDids(),
            record.slot.backend,
            spec.datasets(),
            completed.status(),
            completed.results(),
            limit);
    Verdicts result = new Verdicts(id, spec.inputDids(), policy.review());
    try {
      run.run(policy);
      for (FilterChainRun.PendingReviewReport report : run.reports()) {
        result.reports.add(new PendingReview.Report(report.filter(), report.text()));
      }
      for (FilterChainRun.Working w : run.working().values()) {
        result.decisions.put(Verdicts.Key.of(w.original), settle(record, w, policy.review()));
      }
      if (result.pending()) {
        result.heldAt =
            journal.entries(id).stream()
                .map(AuditEntry::at)
                .max(Comparator.naturalOrder())
                .orElse(null);
      }
    } catch (RuntimeException e) {
      // the audit record failed (or worse): nothing is served that was not recorded
      result.decisions.clear();
      for (JobResult r : completed.results()) {
        result.decisions.put(
            Verdicts.Key.of(r),
            new Verdicts.Decision(
                r, State.WITHHELD, "the publisher's audit record is unavailable", null, ""));
      }
    }
    synchronized (lock) {
      verdicts.put(id, result);
    }
    return result;
  }

  /** The final decision of one result after the chain, recorded as the chain's. */
  private Verdicts.Decision settle(JobRecord record, FilterChainRun.Working w, boolean review) {
    String reason = String.join("; ", w.reasons);
    State state = w.state;
    if (state == State.PENDING_REVIEW && !review) {
      state = State.WITHHELD;
    } else if (review && state != State.WITHHELD) {
      if (state == State.REDACTED) {
        reason = "redaction proposed: " + reason;
      } else if (reason.isEmpty()) {
        reason = "the publisher reviews every result of this asset";
      }
      state = State.PENDING_REVIEW;
    }
    Path replacement = null;
    if (w.replacement != null && state != State.WITHHELD) {
      replacement = finalReplacement(record.id(), w.original);
      try {
        Files.move(
            w.replacement,
            replacement,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    String sha256 = "";
    if (state == State.RELEASED || state == State.REDACTED) {
      sha256 = sha256(record, w.original, replacement);
    }
    journal.append(
        record.id(),
        record.snapshot().inputDids(),
        "chain",
        w.original.name(),
        w.original.kind(),
        state,
        reason,
        sha256,
        "");
    return new Verdicts.Decision(w.original, state, reason, replacement, sha256);
  }

  /** The SHA-256 of what a result serves (its replacement, or its stored bytes). */
  String sha256(JobRecord record, JobResult result, @Nullable Path replacement) {
    try (InputStream in =
        replacement != null
            ? Files.newInputStream(replacement)
            : record.slot.backend.openResult(record.id(), result).toCompletableFuture().join()) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      try (DigestInputStream digesting = new DigestInputStream(in, digest)) {
        digesting.transferTo(java.io.OutputStream.nullOutputStream());
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Nullable Verdicts verdicts(JobId id) {
    synchronized (lock) {
      return verdicts.get(id);
    }
  }

  /** Every job that waits for review, with its verdicts. */
  List<Verdicts> pending() {
    synchronized (lock) {
      return verdicts.values().stream().filter(Verdicts::pending).toList();
    }
  }

  /**
   * Replaces the decisions of {@code id} by {@code change}'s answer per decision and records each
   * change under {@code actor}. Returns the new verdicts.
   */
  Verdicts decide(
      JobRecord record,
      String actor,
      java.util.function.Function<Verdicts.Decision, Verdicts.Decision> change) {
    Verdicts current = verdicts(record.id());
    if (current == null) {
      throw new JobStateException(
          ErrorCode.JOB_NOT_AWAITING_RELEASE, "job " + record.id() + " has no filtered results");
    }
    List<Verdicts.Decision> changed = new ArrayList<>();
    synchronized (lock) {
      for (Map.Entry<Verdicts.Key, Verdicts.Decision> e : current.decisions.entrySet()) {
        Verdicts.Decision next = change.apply(e.getValue());
        if (!next.equals(e.getValue())) {
          changed.add(next);
        }
      }
    }
    for (Verdicts.Decision next : changed) {
      String sha = next.sha256();
      if (sha.isEmpty() && (next.state() == State.RELEASED || next.state() == State.REDACTED)) {
        sha = sha256(record, next.result(), next.replacement());
      }
      journal.append(
          record.id(),
          current.assets,
          actor,
          next.result().name(),
          next.result().kind(),
          next.state(),
          next.reason(),
          sha,
          "");
      synchronized (lock) {
        current.decisions.put(
            Verdicts.Key.of(next.result()),
            new Verdicts.Decision(
                next.result(), next.state(), next.reason(), next.replacement(), sha));
      }
    }
    return current;
  }

  /**
   * Rebuilds a job's verdicts from the audit record after a restart: the last decision of each
   * result by the chain, a reviewer or the review's time limit. Null if the chain never decided
   * (the restart interrupted filtering: filter again).
   */
  @Nullable Verdicts restore(JobId id, List<Did> assets, List<JobResult> results, boolean review) {
    List<AuditEntry> entries = journal.entries(id);
    Map<Verdicts.Key, AuditEntry> last = new HashMap<>();
    java.time.Instant heldAt = null;
    List<PendingReview.Report> reports = new ArrayList<>();
    for (AuditEntry entry : entries) {
      if (entry.actor().startsWith("filter:")) {
        if (entry.resultName().isEmpty() && !entry.report().isEmpty()) {
          reports.add(new PendingReview.Report(entry.actor().substring(7), entry.report()));
        }
        continue;
      }
      last.put(new Verdicts.Key(entry.resultKind(), entry.resultName()), entry);
      if (entry.state() == State.PENDING_REVIEW && heldAt == null) {
        heldAt = entry.at();
      }
    }
    if (last.isEmpty()) {
      return null;
    }
    Verdicts restored = new Verdicts(id, assets, review);
    restored.reports.addAll(reports);
    for (JobResult result : results) {
      AuditEntry entry = last.get(Verdicts.Key.of(result));
      if (entry == null) {
        // collected but never decided: fail closed
        restored.decisions.put(
            Verdicts.Key.of(result),
            new Verdicts.Decision(result, State.WITHHELD, "no recorded decision", null, ""));
        continue;
      }
      Path replacement = finalReplacement(id, result);
      restored.decisions.put(
          Verdicts.Key.of(result),
          new Verdicts.Decision(
              result,
              entry.state(),
              entry.reason(),
              Files.exists(replacement) ? replacement : null,
              entry.sha256()));
    }
    restored.heldAt = restored.pending() ? heldAt : null;
    synchronized (lock) {
      verdicts.put(id, restored);
    }
    return restored;
  }

  /**
   * Opens a result for its owner through the gate.
   *
   * @throws ResultWithheldException if it is withheld or waits for review
   */
  CompletionStage<InputStream> open(JobRecord record, JobResult result) {
    if (!gated(record) && verdicts(record.id()) == null) {
      return record.slot.backend.openResult(record.id(), result);
    }
    Verdicts v = verdicts(record.id());
    Verdicts.Decision decision = v == null ? null : v.decision(result);
    if (result.kind() == ResultKind.PUBLISH_LOG && v != null) {
      // The consumer always learns why: publish.log carries the decisions, even when withheld.
      byte[] suffix = v.publishLogSuffix();
      if (decision == null || !served(decision)) {
        return CompletableFuture.completedFuture(new ByteArrayInputStream(suffix));
      }
      return content(record, result, decision)
          .thenApply(in -> new SequenceInputStream(in, new ByteArrayInputStream(suffix)));
    }
    if (decision == null || !served(decision)) {
      String why =
          decision == null
              ? "no decision of the publisher's result filters"
              : decision.state() == State.PENDING_REVIEW
                  ? "it awaits the publisher's review"
                  : decision.reason();
      throw new ResultWithheldException(
          "result " + result.name() + " of job " + record.id() + " is withheld: " + why);
    }
    return content(record, result, decision);
  }

  private static boolean served(Verdicts.Decision decision) {
    return decision.state() == State.RELEASED || decision.state() == State.REDACTED;
  }

  private CompletionStage<InputStream> content(
      JobRecord record, JobResult result, Verdicts.Decision decision) {
    Path replacement = decision.replacement();
    if (decision.state() == State.REDACTED && replacement != null) {
      try {
        return CompletableFuture.completedFuture(Files.newInputStream(replacement));
      } catch (IOException e) {
        return CompletableFuture.failedFuture(
            new UnavailableException(
                ErrorCode.BACKEND_FAILURE, "the redacted " + result.name() + " cannot be read", e));
      }
    }
    return record.slot.backend.openResult(record.id(), result);
  }

  /** The results as listed to the owner: sizes of what is served. */
  List<JobResult> listed(JobId id, List<JobResult> results) {
    Verdicts v = verdicts(id);
    if (v == null) {
      return results;
    }
    List<JobResult> listed = new ArrayList<>(results.size());
    for (JobResult r : results) {
      Verdicts.Decision d = v.decision(r);
      long size = r.size();
      boolean served = d != null && (d.state() == State.RELEASED || d.state() == State.REDACTED);
      if (d != null && d.state() == State.REDACTED && d.replacement() != null) {
        try {
          size = Files.size(d.replacement());
        } catch (IOException e) {
          size = 0;
        }
      }
      if (r.kind() == ResultKind.PUBLISH_LOG) {
        size = (served ? size : 0) + v.publishLogSuffix().length;
      } else if (!served) {
        size = 0;
      }
      listed.add(new JobResult(r.name(), r.kind(), size, r.index()));
    }
    return listed;
  }

  List<ResultNotice> notices(JobId id) {
    Verdicts v = verdicts(id);
    return v == null ? List.of() : v.notices();
  }

  /** Forgets a job's verdicts and deletes its replacements (the job was deleted or rejected). */
  void forget(JobId id, boolean keepVerdicts) {
    if (!keepVerdicts) {
      synchronized (lock) {
        verdicts.remove(id);
      }
    }
    Path dir = replacements.resolve(id.value());
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        // best effort: a left-over replacement is never served without a verdict
      }
    }
  }

  Path replacementFile(JobId id, JobResult result, String filter) throws IOException {
    Path dir = replacements.resolve(id.value());
    Files.createDirectories(dir);
    return dir.resolve(result.index() + "." + filter);
  }

  private Path finalReplacement(JobId id, JobResult result) {
    return replacements.resolve(id.value()).resolve(Integer.toString(result.index()));
  }
}
