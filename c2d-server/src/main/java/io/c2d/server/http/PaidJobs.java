package io.c2d.server.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.ComputeEngine;
import io.c2d.JobListener;
import io.c2d.NotFoundException;
import io.c2d.keeper.ComputePayments;
import io.c2d.keeper.EscrowLock;
import io.c2d.keeper.EscrowSettlement;
import io.c2d.keeper.PaymentTerms;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputePricing;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The escrow side of paid jobs, around the engine: {@link #lock} before a paid start, then, as a
 * {@link JobListener}, a claim for what ran when the job ends after its algorithm started (ended,
 * failed while running or stopped, as ocean-node claims at a job's end) or a release when it ended
 * before (refused, failed to provision); a start the engine refuses is released at once ({@link
 * #released}).
 *
 * <p><b>Durable.</b> Every paid job has a record {@code <jobId>.json} in the records directory
 * (below the provider's state directory), written before the lock is sent and kept after the
 * settlement: the payer, token, resources, maximum duration and chain (all that {@link
 * ComputePayments#settle} needs besides the environment's pricing), when its algorithm started
 * running, and how the lock ended. The lock's id on chain is the job id's SHA-256, and the job id
 * is itself durable (the backend's record), so a provider restarted between lock and settlement
 * finds its open records ({@link #recover}) and settles each once the job has ended.
 *
 * <p>Thread-safe. The listener never blocks: chain calls are asynchronous and records are written
 * on the settlement's completion thread.
 */
final class PaidJobs implements JobListener {
  private static final Logger logger = LoggerFactory.getLogger(PaidJobs.class);

  /** The states of a record. */
  static final String LOCKED = "locked";

  static final String CLAIMED = "claimed";
  static final String RELEASED = "released";
  static final String SETTLEMENT_FAILED = "settlement-failed";

  private final ComputeEngine engine;
  private final ComputePayments payments;
  private final Path records;
  private final Clock clock;
  private final ConcurrentHashMap<JobId, ObjectNode> jobs = new ConcurrentHashMap<>();

  PaidJobs(ComputeEngine engine, ComputePayments payments, Path records, Clock clock) {
    this.engine = requireNonNull(engine, "engine");
    this.payments = requireNonNull(payments, "payments");
    this.records = requireNonNull(records, "records");
    this.clock = requireNonNull(clock, "clock");
    try {
      Files.createDirectories(records);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the payment records in " + records, e);
    }
  }

  /**
   * Records and locks the price of {@code terms} for {@code job} on {@code chainId}; the stage
   * fails with the payment's error (the job must then not start).
   */
  CompletionStage<EscrowLock> lock(
      JobId job, String environmentId, long chainId, ComputePricing pricing, PaymentTerms terms) {
    ObjectNode record = Bodies.JSON.createObjectNode();
    record.put("jobId", job.value());
    record.put("environment", environmentId);
    record.put("chainId", chainId);
    record.put("payer", terms.payer().value());
    record.put("token", terms.token().value());
    ObjectNode resources = record.putObject("resources");
    terms.resources().forEach(resources::put);
    record.put("maxJobDuration", terms.maxDuration().toSeconds());
    record.put("state", LOCKED);
    jobs.put(job, record);
    write(job, record);
    return payments
        .lock(job, pricing, terms)
        .whenComplete(
            (lock, failure) -> {
              if (lock != null) {
                update(
                    job,
                    r -> {
                      r.put("lockId", lock.lockId().toString());
                      r.put("amount", lock.amount().toString());
                      lock.transaction().ifPresent(tx -> r.put("lockTx", tx));
                    });
              } else {
                // nothing was locked: nothing to settle
                jobs.remove(job);
                delete(job);
              }
            });
  }

  /** Whether {@code job} has a payment record (a repeated start must not lock or release it). */
  boolean knows(JobId job) {
    return jobs.containsKey(job);
  }

  /** The engine refused the start of {@code job} after its lock: return it all to the payer. */
  void released(JobId job) {
    ObjectNode record = jobs.get(job);
    if (record != null) {
      settle(job, record, null);
    }
  }

  /**
   * Picks up the records a previous run left open: each is settled when its job ends (at once if it
   * already has), or released if the engine no longer knows the job.
   */
  void recover() {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(records, "*.json")) {
      for (Path file : files) {
        ObjectNode record;
        try {
          record = (ObjectNode) Bodies.JSON.readTree(file.toFile());
        } catch (IOException | ClassCastException e) {
          logger.warn("ignoring the unreadable payment record {}", file, e);
          continue;
        }
        JobId id = JobId.of(record.path("jobId").asText());
        if ("settling".equals(record.path("state").asText())) {
          // the previous run stopped while settling: settle again (a settled lock is harmless)
          record.put("state", LOCKED);
        }
        jobs.put(id, record);
        if (!LOCKED.equals(record.path("state").asText())) {
          continue;
        }
        EthAddress payer = EthAddress.of(record.path("payer").asText());
        Optional<ComputeJob> job;
        try {
          job = Optional.of(engine.status(id, payer));
        } catch (NotFoundException e) {
          job = Optional.empty();
        }
        if (job.isEmpty()) {
          settle(id, record, null);
        } else if (job.get().isTerminal()) {
          onStatusChange(job.get(), null);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the payment records in " + records, e);
    }
  }

  @Override
  public void onStatusChange(ComputeJob job, @Nullable JobStatus previous) {
    ObjectNode record = jobs.get(job.id());
    if (record == null || !LOCKED.equals(record.path("state").asText())) {
      return;
    }
    if (job.status() == JobStatus.RUNNING_ALGORITHM && !record.has("runningSince")) {
      Instant now = clock.instant();
      update(job.id(), r -> r.put("runningSince", now.toEpochMilli()));
      return;
    }
    if (!job.isTerminal()) {
      return;
    }
    if (!record.has("runningSince")) {
      // ended before its algorithm ran: nothing is due
      settle(job.id(), record, null);
      return;
    }
    Instant started = Instant.ofEpochMilli(record.path("runningSince").asLong());
    Instant ended = job.finishedAt().orElse(clock.instant());
    Duration ran = Duration.between(started, ended);
    settle(job.id(), record, ran.isNegative() ? Duration.ZERO : ran);
  }

  /**
   * What the job's payment stands at, in ocean-node's {@code payment} shape ({@code chainId, token,
   * lockTx, claimTx, cancelTx, cost}), if it is a paid job.
   */
  Optional<ObjectNode> describe(JobId job) {
    ObjectNode record = jobs.get(job);
    if (record == null) {
      return Optional.empty();
    }
    ObjectNode payment = Bodies.JSON.createObjectNode();
    payment.put("chainId", record.path("chainId").asLong());
    payment.put("token", record.path("token").asText());
    payment.put("amount", record.path("amount").asText("0"));
    payment.put("state", record.path("state").asText());
    copy(record, payment, "lockTx");
    copy(record, payment, "claimTx");
    copy(record, payment, "cancelTx");
    copy(record, payment, "cost");
    return Optional.of(payment);
  }

  private static void copy(JsonNode from, ObjectNode to, String field) {
    if (from.hasNonNull(field)) {
      to.set(field, from.get(field));
    }
  }

  private void settle(JobId job, ObjectNode record, @Nullable Duration ranFor) {
    // one settlement per record: the first caller flips it out of LOCKED
    if (!markSettling(job)) {
      return;
    }
    PaymentTerms terms = termsOf(record);
    CompletionStage<EscrowSettlement> settlement;
    if (ranFor == null) {
      settlement = payments.release(job, terms);
    } else {
      Optional<ComputePricing> pricing = pricingOf(record);
      settlement =
          pricing.isPresent()
              ? payments.settle(job, pricing.get(), terms, ranFor)
              : CompletableFuture.failedFuture(
                  new IllegalStateException(
                      "environment " + record.path("environment").asText() + " has no price now"));
    }
    var unused =
        settlement.whenComplete(
            (done, failure) -> {
              if (done != null) {
                boolean release = ranFor == null || done.claimed().signum() == 0;
                update(
                    job,
                    r -> {
                      r.put("state", release ? RELEASED : CLAIMED);
                      r.put("cost", done.claimed().toString());
                      done.transaction()
                          .ifPresent(tx -> r.put(release ? "cancelTx" : "claimTx", tx));
                      if (ranFor != null) {
                        r.put("ranForSeconds", ranFor.toSeconds());
                      }
                    });
                logger.info(
                    "job {}: escrow lock {} ({} claimed, {} back to the payer)",
                    job,
                    release ? "released" : "claimed",
                    done.claimed(),
                    done.refunded());
              } else {
                logger.warn("job {}: settling its escrow lock failed", job, failure);
                update(
                    job,
                    r -> {
                      r.put("state", SETTLEMENT_FAILED);
                      r.put("error", String.valueOf(failure.getMessage()));
                    });
              }
            });
  }

  private boolean markSettling(JobId job) {
    boolean[] won = {false};
    jobs.computeIfPresent(
        job,
        (id, r) -> {
          if (LOCKED.equals(r.path("state").asText())) {
            ObjectNode next = r.deepCopy();
            next.put("state", "settling");
            won[0] = true;
            return next;
          }
          return r;
        });
    return won[0];
  }

  private Optional<ComputePricing> pricingOf(JsonNode record) {
    String environment = record.path("environment").asText();
    long chainId = record.path("chainId").asLong();
    return engine.environments().stream()
        .filter(e -> e.id().equals(environment))
        .findFirst()
        .flatMap((ComputeEnvironment e) -> e.pricing(chainId));
  }

  private static PaymentTerms termsOf(JsonNode record) {
    Map<String, Long> resources = new LinkedHashMap<>();
    record
        .path("resources")
        .fields()
        .forEachRemaining(e -> resources.put(e.getKey(), e.getValue().asLong()));
    return new PaymentTerms(
        EthAddress.of(record.path("payer").asText()),
        EthAddress.of(record.path("token").asText()),
        resources,
        Duration.ofSeconds(Math.max(1, record.path("maxJobDuration").asLong())));
  }

  private void update(JobId job, java.util.function.Consumer<ObjectNode> change) {
    ObjectNode next =
        jobs.computeIfPresent(
            job,
            (id, r) -> {
              ObjectNode copy = r.deepCopy();
              change.accept(copy);
              return copy;
            });
    if (next != null) {
      write(job, next);
    }
  }

  private synchronized void write(JobId job, ObjectNode record) {
    Path file = records.resolve(job.value() + ".json");
    Path temp = records.resolve(job.value() + ".json.tmp");
    try {
      Files.write(temp, Bodies.JSON.writeValueAsBytes(record));
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // the lock still settles in this run; only a restart before then would miss it
      logger.error("job {}: cannot write its payment record {}", job, file, e);
    }
  }

  private synchronized void delete(JobId job) {
    try {
      Files.deleteIfExists(records.resolve(job.value() + ".json"));
    } catch (IOException e) {
      logger.warn("job {}: cannot delete its payment record", job, e);
    }
  }
}
