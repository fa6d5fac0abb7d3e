package io.c2d.ocean;

import static io.c2d.ocean.JsonFields.array;
import static io.c2d.ocean.JsonFields.decimal;
import static io.c2d.ocean.JsonFields.isBlankText;
import static io.c2d.ocean.JsonFields.optional;
import static io.c2d.ocean.JsonFields.optionalText;
import static io.c2d.ocean.JsonFields.renamed;
import static io.c2d.ocean.JsonFields.requireObject;
import static io.c2d.ocean.JsonFields.required;
import static io.c2d.ocean.JsonFields.requiredText;
import static io.c2d.ocean.JsonFields.text;
import static io.c2d.ocean.JsonFields.wholeNumber;

import com.fasterxml.jackson.databind.JsonNode;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.model.ComputeJob;
import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.JobStatus;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads Ocean's status list, as {@link StatusListWriter} writes it or as Ocean's operator-service
 * returns it, with the defaults {@link OceanJson#readStatusList(String)} documents.
 *
 * <p>Stateless and thread-safe. Refuses with an {@link InvalidRequestException} naming the entry's
 * member, such as {@code "[0].jobId"}.
 */
final class StatusListReader {
  /** operator-service's {@code stopreq} flags, which turn a finished job into these statuses. */
  private static final int STOP_STOPPED = 1;

  private static final int STOP_TIMED_OUT = 2;

  private StatusListReader() {}

  static List<ComputeJob> read(String json) {
    List<JsonNode> items = array(JsonText.read(json), "body");
    List<ComputeJob> jobs = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      jobs.add(job(items.get(i), "[" + i + "]"));
    }
    return List.copyOf(jobs);
  }

  private static ComputeJob job(JsonNode node, String path) {
    requireObject(node, path);
    JobId id =
        renamed(path + ".jobId", () -> JobId.of(requiredText(node, "jobId", path + ".jobId")));
    EthAddress owner =
        EthAddress.parse(requiredText(node, "owner", path + ".owner"), path + ".owner");
    JsonNode statusNode = required(node, "status", path + ".status");
    long code = wholeNumber(statusNode, path + ".status");
    JobStatus status =
        JobStatus.ofCode((int) Math.min(code, Integer.MAX_VALUE))
            .orElseThrow(
                () -> new InvalidRequestException(path + ".status", "unknown status code " + code));
    JsonNode stopNode = optional(node, "stopreq");
    long stopreq = stopNode == null ? 0 : wholeNumber(stopNode, path + ".stopreq");
    if (status == JobStatus.COMPLETED && stopreq == STOP_STOPPED) {
      status = JobStatus.STOPPED;
    } else if (status == JobStatus.COMPLETED && stopreq == STOP_TIMED_OUT) {
      status = JobStatus.TIMED_OUT;
    }
    Instant created =
        date(required(node, "dateCreated", path + ".dateCreated"), path + ".dateCreated");
    JsonNode finishedNode = optional(node, "dateFinished");
    Instant finished =
        finishedNode == null || isBlankText(finishedNode)
            ? null
            : date(finishedNode, path + ".dateFinished");
    JsonNode updatedNode = optional(node, "dateUpdated");
    Instant updated =
        updatedNode == null || isBlankText(updatedNode)
            ? (finished != null ? finished : created)
            : date(updatedNode, path + ".dateUpdated");

    JsonNode resultsNode = optional(node, "results");
    List<JobResult> results =
        resultsNode == null || isBlankText(resultsNode)
            ? List.of()
            : ResultsListReader.read(resultsNode, path + ".results");

    List<Did> inputs = new ArrayList<>();
    JsonNode inputNode = optional(node, "inputDID");
    if (inputNode != null) {
      List<JsonNode> dids = array(inputNode, path + ".inputDID");
      for (int i = 0; i < dids.size(); i++) {
        String field = path + ".inputDID[" + i + "]";
        inputs.add(Did.parse(text(dids.get(i), field), field));
      }
    }
    String algoDid = optionalText(node, "algoDID", path + ".algoDID");
    String resultsDid = optionalText(node, "resultsDid", path + ".resultsDid");
    String agreementId = optionalText(node, "agreementId", path + ".agreementId");
    String environment = optionalText(node, "environment", path + ".environment");
    String requestId = optionalText(node, "requestId", path + ".requestId");
    String detail = optionalText(node, "detail", path + ".detail");
    Integer exitCode = exitCode(node, path);

    return ComputeJob.builder(id, owner)
        .requestId(requestId == null ? "" : requestId)
        .agreementId(agreementId)
        .inputDids(inputs)
        .algorithmDid(algoDid == null ? null : Did.parse(algoDid, path + ".algoDID"))
        .environmentId(environment == null ? "" : environment)
        .status(status)
        .detail(detail)
        .exitCode(exitCode)
        .createdAt(created)
        .updatedAt(updated)
        .finishedAt(finished)
        .results(results)
        .derivedAssetDid(resultsDid == null ? null : Did.parse(resultsDid, path + ".resultsDid"))
        .build();
  }

  private static @Nullable Integer exitCode(JsonNode node, String path) {
    JsonNode termination = optional(node, "terminationDetails");
    if (termination == null) {
      return null;
    }
    requireObject(termination, path + ".terminationDetails");
    JsonNode exit = optional(termination, "exitCode");
    if (exit == null) {
      return null;
    }
    String field = path + ".terminationDetails.exitCode";
    if (!exit.isIntegralNumber() || !exit.canConvertToInt()) {
      throw new InvalidRequestException(field, "must be a whole number");
    }
    return exit.intValue();
  }

  /** An Ocean date: epoch seconds with any decimals, as a string or a JSON number. */
  private static Instant date(JsonNode node, String field) {
    BigDecimal seconds;
    if (node.isNumber()) {
      seconds = decimal(node, field);
    } else if (node.isTextual() && node.textValue().matches("-?[0-9]{1,12}(\\.[0-9]{1,9})?")) {
      seconds = new BigDecimal(node.textValue());
    } else {
      throw new InvalidRequestException(field, "must be epoch seconds");
    }
    try {
      BigDecimal whole = seconds.setScale(0, RoundingMode.FLOOR);
      long nanos =
          seconds
              .subtract(whole)
              .movePointRight(9)
              .setScale(0, RoundingMode.FLOOR)
              .longValueExact();
      return Instant.ofEpochSecond(whole.longValueExact(), nanos);
    } catch (ArithmeticException | DateTimeException e) {
      throw new InvalidRequestException(
          ErrorCode.INVALID_REQUEST, field, "is not a representable date", e);
    }
  }
}
