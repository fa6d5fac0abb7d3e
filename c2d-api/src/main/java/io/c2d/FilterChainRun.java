package io.c2d;

import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.FileLocator;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import io.c2d.model.ResultNotice.State;
import io.c2d.model.ResultPolicy;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.filter.ContentSource;
import io.c2d.spi.filter.FilterInput;
import io.c2d.spi.filter.FilterOutcome;
import io.c2d.spi.filter.FilterResult;
import io.c2d.spi.filter.FilterSubject;
import io.c2d.spi.filter.ResultDecision;
import io.c2d.spi.filter.ResultFilter;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job's filter chain (status 50) on the calling thread, each filter on a thread of its own
 * that is interrupted, and whose streams are closed, at the phase's time limit. A filter that
 * throws, runs past the limit, is not installed, or whose redaction cannot be read withholds every
 * result it was given: the chain fails closed. Strictest decision wins per result; a redaction's
 * replacement is what later filters see. Not thread-safe: one run per job.
 */
final class FilterChainRun {
  private static final Logger logger = LoggerFactory.getLogger(FilterChainRun.class);
  private static final long MAX_REPLACEMENT = 1L << 30;
  private static final Duration OPEN_LIMIT = Duration.ofMinutes(2);

  private final ResultGate gate;
  private final JobId jobId;
  private final List<Did> assets;
  private final ComputeBackend backend;
  private final List<DatasetInput> datasets;
  private final JobStatus ended;
  private final long deadlineNanos;
  private final Duration limit;
  private final Map<Verdicts.Key, Working> working = new LinkedHashMap<>();
  private final List<PendingReviewReport> reports = new ArrayList<>();

  FilterChainRun(
      ResultGate gate,
      JobId jobId,
      List<Did> assets,
      ComputeBackend backend,
      List<DatasetInput> datasets,
      JobStatus ended,
      List<JobResult> results,
      Duration limit) {
    this.gate = gate;
    this.jobId = jobId;
    this.assets = assets;
    this.backend = backend;
    this.datasets = datasets;
    this.ended = ended;
    this.limit = limit;
    this.deadlineNanos = System.nanoTime() + limit.toNanos();
    for (JobResult result : results) {
      working.put(Verdicts.Key.of(result), new Working(result));
    }
  }

  /** A result as the chain goes: its current content and the strictest decision so far. */
  static final class Working {
    final JobResult original;
    JobResult current;
    @Nullable Path replacement;
    State state = State.RELEASED;
    final List<String> reasons = new ArrayList<>();

    Working(JobResult original) {
      this.original = original;
      this.current = original;
    }

    void decide(State next, String reason) {
      if (next.compareTo(state) > 0) {
        state = next;
      }
      if (!reason.isEmpty() && !reasons.contains(reason)) {
        reasons.add(reason);
      }
    }
  }

  record PendingReviewReport(String filter, String text) {}

  Map<Verdicts.Key, Working> working() {
    return working;
  }

  List<PendingReviewReport> reports() {
    return reports;
  }

  /** Runs every filter of {@code policy} in order. */
  void run(ResultPolicy policy) {
    for (ResultPolicy.Filter link : policy.filters()) {
      runOne(link);
    }
  }

  private void runOne(ResultPolicy.Filter link) {
    String actor = "filter:" + link.name();
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining <= 0) {
      failAll(actor, "the result filters ran past their time limit of " + limit);
      return;
    }
    ResultFilter filter;
    try {
      filter = gate.filters().get(link.name());
    } catch (C2dException e) {
      logger.warn("job {}: result filter '{}' is not available", jobId, link.name(), e);
      failAll(actor, "the result filter '" + link.name() + "' is not available on this provider");
      return;
    }
    List<Closeable> opened = new CopyOnWriteArrayList<>();
    FilterSubject subject = subject(link, opened);
    AtomicReference<@Nullable FilterOutcome> answer = new AtomicReference<>();
    AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                answer.set(filter.check(subject));
              } catch (Throwable t) { // any failure of the plug-in fails closed
                failure.set(t);
              }
            },
            "c2d-filter-" + link.name() + "-" + jobId.value());
    thread.setDaemon(true);
    thread.start();
    try {
      thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      thread.interrupt();
      closeAll(opened);
      logger.warn("job {}: result filter '{}' ran past {}", jobId, link.name(), limit);
      failAll(actor, "the result filter '" + link.name() + "' ran past the time limit of " + limit);
      return;
    }
    closeAll(opened);
    FilterOutcome outcome = answer.get();
    if (outcome == null) {
      Throwable t = failure.get();
      logger.warn("job {}: result filter '{}' failed", jobId, link.name(), t);
      failAll(actor, "the result filter '" + link.name() + "' failed");
      return;
    }
    State strictest = State.RELEASED;
    for (Working w : working.values()) {
      ResultDecision decision = outcome.decision(w.current);
      State state = apply(link.name(), w, decision);
      if (state.compareTo(strictest) > 0) {
        strictest = state;
      }
      if (decision.action() != ResultDecision.Action.RELEASE) {
        gate.journal()
            .append(
                jobId,
                assets,
                actor,
                w.original.name(),
                w.original.kind(),
                state,
                decision.reason(),
                "",
                "");
      }
    }
    reports.add(new PendingReviewReport(link.name(), outcome.report()));
    gate.journal()
        .append(
            jobId,
            assets,
            actor,
            "",
            io.c2d.model.ResultKind.OUTPUT,
            strictest,
            "",
            "",
            outcome.report());
  }

  private State apply(String filterName, Working w, ResultDecision decision) {
    switch (decision.action()) {
      case RELEASE:
        return State.RELEASED;
      case WITHHOLD:
        w.decide(State.WITHHELD, decision.reason());
        return State.WITHHELD;
      case REVIEW:
        w.decide(State.PENDING_REVIEW, decision.reason());
        return State.PENDING_REVIEW;
      case REDACT:
      default:
        ContentSource source = decision.replacement().orElseThrow();
        try {
          Path file = gate.replacementFile(jobId, w.original, filterName);
          long size = copyCapped(source, file);
          w.replacement = file;
          w.current = new JobResult(w.original.name(), w.original.kind(), size, w.original.index());
          w.decide(State.REDACTED, decision.reason());
          return State.REDACTED;
        } catch (IOException | RuntimeException e) {
          logger.warn(
              "job {}: the redaction of {} by '{}' cannot be read",
              jobId,
              w.original.name(),
              filterName,
              e);
          w.decide(
              State.WITHHELD,
              "the result filter '"
                  + filterName
                  + "' redacted it but its replacement could not be read");
          return State.WITHHELD;
        }
    }
  }

  private void failAll(String actor, String reason) {
    for (Working w : working.values()) {
      w.decide(State.WITHHELD, reason);
    }
    gate.journal()
        .append(
            jobId,
            assets,
            actor,
            "",
            io.c2d.model.ResultKind.OUTPUT,
            State.WITHHELD,
            reason,
            "",
            "");
  }

  private FilterSubject subject(ResultPolicy.Filter link, List<Closeable> opened) {
    FilterSubject.Builder subject =
        FilterSubject.builder(jobId).status(ended).parameters(link.parameters());
    assets.forEach(subject::addAsset);
    for (Working w : working.values()) {
      Path replacement = w.replacement;
      JobResult original = w.original;
      ContentSource content =
          replacement != null
              ? () -> track(opened, Files.newInputStream(replacement))
              : () -> track(opened, openResult(original));
      subject.addResult(FilterResult.of(w.current, content));
    }
    for (DatasetInput dataset : datasets) {
      List<FileLocator> locators = dataset.locators();
      for (int i = 0; i < locators.size(); i++) {
        FileLocator locator = locators.get(i);
        subject.addInput(
            FilterInput.of(
                dataset.did(),
                i,
                locator.sha256().orElse(null),
                locator.expectedSize().orElse(-1),
                () -> track(opened, gate.inputs().open(locator))));
      }
    }
    return subject.build();
  }

  private InputStream openResult(JobResult result) throws IOException {
    try {
      return backend
          .openResult(jobId, result)
          .toCompletableFuture()
          .get(OPEN_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while opening " + result.name());
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("cannot open result " + result.name() + " of job " + jobId, e);
    }
  }

  private static InputStream track(List<Closeable> opened, InputStream in) {
    opened.add(in);
    return in;
  }

  private static void closeAll(List<Closeable> opened) {
    for (Closeable c : opened) {
      try {
        c.close();
      } catch (IOException | RuntimeException e) {
        // the stream was the filter's; closing is only to unblock it
      }
    }
  }

  private static long copyCapped(ContentSource source, Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    long total = 0;
    try (InputStream in = source.open();
        var out = Files.newOutputStream(tmp)) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) > 0; ) {
        total += n;
        if (total > MAX_REPLACEMENT) {
          throw new IOException("a replacement is larger than " + MAX_REPLACEMENT + " bytes");
        }
        out.write(buffer, 0, n);
      }
    }
    try (var channel =
        java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return total;
  }
}
