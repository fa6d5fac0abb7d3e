package io.c2d.server.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.ComputeEngine;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.PaymentException;
import io.c2d.keeper.ComputePayments;
import io.c2d.keeper.EscrowQuote;
import io.c2d.keeper.PaymentTerms;
import io.c2d.keeper.ProviderFee;
import io.c2d.keeper.ProviderFeeSigner;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.ComputePricing;
import io.c2d.model.ComputeRequest;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.Resources;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Paid compute in a priced environment ({@link ComputeEnvironment#pricing()}), as ocean-node does
 * it with Ocean's Escrow contract: {@code initializeCompute} answers, besides the order state, a
 * {@code providerFee} per asset signed by the provider's key (a fee of nothing: the datatoken's
 * {@code startOrder} only checks that this provider agreed) and the escrow {@code payment} terms; a
 * paid start locks the job's price in the payer's escrow before the engine sees it (a missing
 * deposit or authorisation is a {@link PaymentException}: 402, the job never exists), and the lock
 * is returned at once if the engine then refuses the start; {@link PaidJobs} settles it when the
 * job ends. The job id is the engine's own ({@link JobId#derive}), known before the start, so the
 * lock is made for the job that runs.
 *
 * <p>Thread-safe.
 */
final class PaidStarts {
  private static final BigDecimal GIB = BigDecimal.valueOf(1L << 30);

  /**
   * The longest {@code maxJobDuration} a consumer may ask to pay for, in seconds (ten years): far
   * beyond any environment's limit, and small enough that the lock's end (now, plus this, plus the
   * claim time) is a date.
   */
  static final long MAX_JOB_SECONDS = 10L * 366 * 24 * 3600;

  /** The largest amount of one resource a consumer may ask to pay for, in whole units. */
  static final long MAX_AMOUNT = 1_000_000_000L;

  /** The longest number text read, in characters. */
  static final int MAX_NUMBER_CHARS = 64;

  private final ComputeEngine engine;
  private final ComputePayments payments;
  private final ProviderFeeSigner fees;
  private final long chainId;
  private final PaidJobs jobs;
  private final Clock clock;

  PaidStarts(
      ComputeEngine engine,
      ComputePayments payments,
      ProviderFeeSigner fees,
      long chainId,
      PaidJobs jobs,
      Clock clock) {
    this.engine = requireNonNull(engine, "engine");
    this.payments = requireNonNull(payments, "payments");
    this.fees = requireNonNull(fees, "fees");
    this.chainId = chainId;
    this.jobs = requireNonNull(jobs, "jobs");
    this.clock = requireNonNull(clock, "clock");
  }

  /**
   * Adds each asset's signed {@code providerFee} and the escrow {@code payment} to {@code answer}.
   */
  void initialize(
      ObjectNode answer, ComputeEnvironment environment, EthAddress consumer, ObjectNode body) {
    JsonNode payment = body.path("payment");
    ComputePricing pricing = pricing(environment, payment);
    PaymentTerms terms =
        terms(environment, pricing, consumer, payment, resourcesOf(body, payment), body);
    EscrowQuote quote = payments.quote(pricing, terms);
    // the fee lets the order through until the job may have ended; the escrow pays the job
    Instant validUntil =
        clock
            .instant()
            .plus(terms.maxDuration())
            .plus(Duration.ofHours(1))
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    for (JsonNode entry : answer.path("datasets")) {
      addFee((ObjectNode) entry, environment, validUntil);
    }
    JsonNode algorithm = answer.path("algorithm");
    if (algorithm.isObject()) {
      addFee((ObjectNode) algorithm, environment, validUntil);
    }
    answer.set("payment", Bodies.JSON.valueToTree(quote.toOceanJson()));
  }

  private void addFee(ObjectNode entry, ComputeEnvironment environment, Instant validUntil) {
    JsonNode datatoken = entry.path("datatoken");
    if (!datatoken.isTextual()) {
      return;
    }
    String data =
        ProviderFeeSigner.computeProviderData(
            environment.id(),
            EthAddress.of(datatoken.asText()),
            entry.path("serviceId").asText(),
            validUntil);
    ProviderFee fee = fees.signFree(data, validUntil);
    entry.set("providerFee", Bodies.JSON.valueToTree(fee.toOceanJson()));
  }

  /**
   * Locks the price of {@code request} and starts it; returns the lock if the engine refuses the
   * start.
   */
  CompletionStage<ComputeJob> start(
      ComputeRequest request, ComputeEnvironment environment, ObjectNode body) {
    JobId id = JobId.derive(request.consumer(), request.requestId());
    if (jobs.knows(id)) {
      // the same start again: the engine answers the job (or refuses the replay); its lock stays
      return engine.start(request);
    }
    if (request.oceanSignature().isPresent()) {
      // a forged start must cost neither the payer's locked funds nor the provider's gas
      engine.verifyOceanStart(request);
    }
    JsonNode payment = body.path("payment");
    ComputePricing pricing = pricing(environment, payment);
    PaymentTerms terms =
        terms(environment, pricing, request.consumer(), payment, resourcesOf(body, payment), body);
    return jobs.lock(id, environment.id(), chainId, pricing, terms)
        .thenCompose(
            lock ->
                engine
                    .start(request)
                    .whenComplete(
                        (job, failure) -> {
                          if (failure != null) {
                            jobs.released(id);
                          }
                        }));
  }

  private ComputePricing pricing(ComputeEnvironment environment, JsonNode payment) {
    long asked = payment.path("chainId").asLong(chainId);
    if (asked != chainId) {
      throw new PaymentException(
          ErrorCode.PAYMENT_TOKEN_UNSUPPORTED,
          "this provider takes payment on chain " + chainId + ", not on " + asked);
    }
    return environment
        .pricing(chainId)
        .orElseThrow(
            () ->
                new PaymentException(
                    ErrorCode.PAYMENT_TOKEN_UNSUPPORTED,
                    "environment " + environment.id() + " is not priced on chain " + chainId));
  }

  private static PaymentTerms terms(
      ComputeEnvironment environment,
      ComputePricing pricing,
      EthAddress payer,
      JsonNode payment,
      Map<String, Long> resources,
      ObjectNode body) {
    EthAddress token =
        payment.path("token").isTextual()
            ? EthAddress.parse(payment.path("token").asText(), "payment.token")
            : pricing.token();
    Duration duration = environment.maxDuration();
    JsonNode asked = body.path("maxJobDuration");
    if (asked.isNumber() || (asked.isTextual() && !asked.asText().isEmpty())) {
      BigDecimal seconds = decimal(asked.asText(), "maxJobDuration", "expected whole seconds");
      if (seconds.signum() <= 0) {
        throw new InvalidRequestException("maxJobDuration", "must be positive");
      }
      duration = Duration.ofSeconds(wholeUp(seconds, "maxJobDuration", MAX_JOB_SECONDS));
    }
    if (resources.isEmpty()) {
      resources = amounts(environment.defaultPerJob());
    }
    return new PaymentTerms(payer, token, resources, duration);
  }

  /**
   * The resources a body asks for ({@code resources}, else {@code payment.resources}), as whole
   * units of the ids the pricing names (a started unit counts in full); empty for none.
   */
  private static Map<String, Long> resourcesOf(ObjectNode body, JsonNode payment) {
    JsonNode list = body.path("resources");
    if (!list.isArray() || list.isEmpty()) {
      list = payment.path("resources");
    }
    Map<String, Long> amounts = new LinkedHashMap<>();
    if (!list.isArray()) {
      return amounts;
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode entry = list.get(i);
      String field = "resources[" + i + "]";
      if (!entry.path("id").isTextual() || entry.path("id").asText().isEmpty()) {
        throw new InvalidRequestException(field + ".id", "is required");
      }
      BigDecimal value =
          decimal(entry.path("amount").asText(), field + ".amount", "expected a number");
      if (value.signum() < 0) {
        throw new InvalidRequestException(field + ".amount", "must not be negative");
      }
      // bounded amounts: a body of at most a few MiB cannot add up past a long
      amounts.merge(
          entry.path("id").asText(), wholeUp(value, field + ".amount", MAX_AMOUNT), Long::sum);
    }
    return amounts;
  }

  /**
   * A decimal number a consumer sent, such as {@code 1.5} or {@code 2e3}; refused naming {@code
   * field} unless it is one of at most {@value #MAX_NUMBER_CHARS} characters (a longer one would
   * cost the parser time for nothing).
   */
  private static BigDecimal decimal(String text, String field, String expected) {
    if (text.length() > MAX_NUMBER_CHARS) {
      throw new InvalidRequestException(field, expected);
    }
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(field, expected);
    }
  }

  /**
   * {@code value} (not negative) rounded up to a whole number, refused naming {@code field} above
   * {@code max}: compared before it is rounded, so that {@code 1e999999999} is refused at once
   * rather than expanded into a billion digits.
   */
  private static long wholeUp(BigDecimal value, String field, long max) {
    if (value.compareTo(BigDecimal.valueOf(max)) > 0) {
      throw new InvalidRequestException(field, "must be at most " + max);
    }
    return value.setScale(0, RoundingMode.CEILING).longValueExact();
  }

  /** A job's resources in Ocean's ids and units: cores, GiB of memory and disk, GPUs. */
  private static Map<String, Long> amounts(Resources resources) {
    Map<String, Long> amounts = new LinkedHashMap<>();
    amounts.put(
        "cpu",
        BigDecimal.valueOf(resources.milliCpus())
            .divide(BigDecimal.valueOf(1000), 0, RoundingMode.CEILING)
            .longValueExact());
    amounts.put(
        "ram",
        BigDecimal.valueOf(resources.memoryBytes())
            .divide(GIB, 0, RoundingMode.CEILING)
            .longValueExact());
    amounts.put(
        "disk",
        BigDecimal.valueOf(resources.diskBytes())
            .divide(GIB, 0, RoundingMode.CEILING)
            .longValueExact());
    if (resources.gpus() > 0) {
      amounts.put("gpu", (long) resources.gpus());
    }
    return amounts;
  }
}
