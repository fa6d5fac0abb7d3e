package io.c2d.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.c2d.ComputeEngine;
import io.c2d.backend.local.EmbeddedComputeBackend;
import io.c2d.keeper.ComputePayments;
import io.c2d.keeper.EscrowLock;
import io.c2d.keeper.EscrowQuote;
import io.c2d.keeper.EscrowSettlement;
import io.c2d.keeper.PaymentTerms;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputePricing;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import io.c2d.model.Resources;
import io.c2d.server.internal.DemoVerifierProvider;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PaidJobs}, the settling side of paid jobs: a job whose algorithm ran is claimed for its
 * run, one that never ran released, each once; and a provider restarted with payment records left
 * open settles them (the records are the durable side of a paid job, the lock id the job id's
 * SHA-256). The chain is replaced by a recording {@link ComputePayments} here; {@code
 * OceanJsPaidFlowTest} and {@code HttpPaidFlowTest} run the real one.
 */
class PaidJobsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final EthAddress PAYER =
      EthAddress.of("0x00000000000000000000000000000000000000b0");
  private static final EthAddress TOKEN =
      EthAddress.of("0x00000000000000000000000000000000000000aa");

  @TempDir Path dir;

  @Test
  void anOpenRecordOfAJobTheEngineNoLongerKnowsIsReleasedOnce() throws Exception {
    Path records = dir.resolve("state/payments");
    Files.createDirectories(records);
    String jobId = "0c2d0c2d0c2d0c2d0c2d0c2d0c2d0c2d";
    Files.writeString(
        records.resolve(jobId + ".json"),
        JSON.createObjectNode()
            .put("jobId", jobId)
            .put("environment", "paid")
            .put("chainId", 8996)
            .put("payer", PAYER.value())
            .put("token", TOKEN.value())
            .put("maxJobDuration", 60)
            .put("state", "locked")
            .put("lockId", "1")
            .put("amount", "10")
            .toString());
    Recording payments = new Recording();
    try (ComputeEngine engine = engine()) {
      engine.ready().toCompletableFuture().get();
      PaidJobs jobs = new PaidJobs(engine, payments, records, Clock.systemUTC());

      jobs.recover();
      jobs.recover();

      assertThat(payments.released).containsExactly(JobId.of(jobId));
      JsonNode record = JSON.readTree(records.resolve(jobId + ".json").toFile());
      assertThat(record.path("state").asText()).isEqualTo(PaidJobs.RELEASED);
      assertThat(record.path("cancelTx").asText()).isEqualTo("0xrelease");
      assertThat(jobs.describe(JobId.of(jobId)).orElseThrow().path("state").asText())
          .isEqualTo("released");
    }
  }

  @Test
  void aJobThatRanIsClaimedForItsRunAndOneThatNeverRanIsReleased() throws Exception {
    Recording payments = new Recording();
    Path records = dir.resolve("state/payments");
    ComputePricing pricing = ComputePricing.builder(TOKEN).price("cpu", BigInteger.ONE).build();
    PaymentTerms terms = new PaymentTerms(PAYER, TOKEN, Map.of("cpu", 1L), Duration.ofMinutes(5));
    try (ComputeEngine engine = engine()) {
      PaidJobs jobs = new PaidJobs(engine, payments, records, Clock.systemUTC());
      JobId ran = JobId.of("0c2d00000000000000000000000000a1");
      JobId never = JobId.of("0c2d00000000000000000000000000b2");
      jobs.lock(ran, "paid", 8996, pricing, terms).toCompletableFuture().get();
      jobs.lock(never, "paid", 8996, pricing, terms).toCompletableFuture().get();
      Instant created = Instant.now();

      jobs.onStatusChange(snapshot(ran, JobStatus.RUNNING_ALGORITHM, created, null), null);
      Instant runningSince =
          Instant.ofEpochMilli(
              JSON.readTree(records.resolve(ran.value() + ".json").toFile())
                  .path("runningSince")
                  .asLong());
      jobs.onStatusChange(
          snapshot(ran, JobStatus.COMPLETED, created, runningSince.plusSeconds(75)),
          JobStatus.RUNNING_ALGORITHM);
      jobs.onStatusChange(
          snapshot(never, JobStatus.DATA_PROVISIONING_FAILED, created, created.plusSeconds(1)),
          JobStatus.PROVISIONING_SUCCESS);
      // an ended job is settled once, whatever else is heard of it
      jobs.onStatusChange(
          snapshot(ran, JobStatus.COMPLETED, created, runningSince.plusSeconds(75)), null);

      assertThat(payments.settled).containsExactly(ran);
      assertThat(payments.ranFor).containsExactly(Duration.ofSeconds(75));
      assertThat(payments.released).containsExactly(never);
      assertThat(jobs.describe(ran).orElseThrow().path("state").asText()).isEqualTo("claimed");
      assertThat(jobs.describe(ran).orElseThrow().path("claimTx").asText()).isEqualTo("0xc");
      assertThat(jobs.describe(never).orElseThrow().path("state").asText()).isEqualTo("released");
    }
  }

  private static ComputeJob snapshot(
      JobId id, JobStatus status, Instant created, @Nullable Instant finished) {
    return ComputeJob.builder(id, PAYER)
        .requestId("ocean:1")
        .environmentId("paid")
        .status(status)
        .createdAt(created)
        .updatedAt(finished != null ? finished : created)
        .finishedAt(finished)
        .build();
  }

  private ComputeEngine engine() {
    return ComputeEngine.builder()
        .properties(
            Map.of(
                "c2d.verifier",
                DemoVerifierProvider.NAME,
                "c2d.authenticator",
                "web3j",
                "c2d.chain-id",
                "8996",
                "c2d.provider-address",
                "0x00000000000000000000000000000000000c2d01",
                "c2d.state-dir",
                dir.resolve("state").toString()))
        .backend(
            EmbeddedComputeBackend.builder()
                .workRoot(dir.resolve("jobs"))
                .environment(
                    ComputeEnvironment.builder("paid")
                        .capacity(Resources.of(1, 512, 1024, 0))
                        .pricing(
                            8996,
                            ComputePricing.builder(TOKEN).price("cpu", BigInteger.ONE).build())
                        .build())
                .build())
        .build();
  }

  /** Records releases and settlements, answering at once. */
  private static final class Recording implements ComputePayments {
    final List<JobId> released = new CopyOnWriteArrayList<>();
    final List<JobId> settled = new CopyOnWriteArrayList<>();
    final List<Duration> ranFor = new CopyOnWriteArrayList<>();

    @Override
    public EscrowQuote quote(ComputePricing pricing, PaymentTerms terms) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<EscrowLock> lock(JobId job, ComputePricing pricing, PaymentTerms terms) {
      return CompletableFuture.completedFuture(
          new EscrowLock(
              job.value(),
              BigInteger.TWO,
              terms.payer(),
              terms.token(),
              BigInteger.TEN,
              Instant.now().plusSeconds(600),
              Optional.of("0xlock")));
    }

    @Override
    public CompletionStage<EscrowSettlement> settle(
        JobId job, ComputePricing pricing, PaymentTerms terms, Duration ranFor) {
      settled.add(job);
      this.ranFor.add(ranFor);
      return CompletableFuture.completedFuture(
          new EscrowSettlement(job.value(), BigInteger.ONE, BigInteger.ZERO, Optional.of("0xc")));
    }

    @Override
    public CompletionStage<EscrowSettlement> release(JobId job, PaymentTerms terms) {
      released.add(job);
      return CompletableFuture.completedFuture(
          new EscrowSettlement(
              job.value(), BigInteger.ZERO, BigInteger.TEN, Optional.of("0xrelease")));
    }
  }
}
