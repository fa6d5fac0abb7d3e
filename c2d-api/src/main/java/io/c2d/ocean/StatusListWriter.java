package io.c2d.ocean;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.model.ComputeJob;
import io.c2d.model.Did;
import io.c2d.model.JobStatus;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * Writes jobs as Ocean's status list, field for field as operator-service returns it through
 * provider v4, plus the members of ocean-node and of c2d that {@link OceanJson} documents.
 *
 * <p>Stateless and thread-safe.
 */
final class StatusListWriter {
  private StatusListWriter() {}

  static String write(List<ComputeJob> jobs) {
    ArrayNode list = JsonText.newArray();
    for (ComputeJob job : jobs) {
      ObjectNode node = list.addObject();
      node.put("agreementId", job.agreementId().orElse(""));
      node.put("jobId", job.id().value());
      node.put("owner", job.owner().value());
      node.put("status", job.statusCode());
      node.put("statusText", job.statusText());
      node.put("dateCreated", epochSeconds(job.createdAt()));
      Instant finished = job.finishedAt().orElse(job.isTerminal() ? job.updatedAt() : null);
      node.put("dateFinished", finished == null ? null : epochSeconds(finished));
      if (job.isTerminal()) {
        node.set("results", ResultsListWriter.array(job.results()));
      } else {
        // operator-service's own placeholder until the job has ended
        node.put("results", "");
      }
      node.put("stopreq", stopRequest(job.status()));
      node.put("removed", 0);
      node.put("algoDID", job.algorithmDid().map(Did::value).orElse(""));
      ArrayNode inputs = node.putArray("inputDID");
      job.inputDids().forEach(did -> inputs.add(did.value()));
      node.put("environment", job.environmentId());
      ObjectNode termination = node.putObject("terminationDetails");
      termination.put("exitCode", job.exitCode().orElse(null));
      termination.put(
          "OOMKilled", job.isTerminal() ? job.status() == JobStatus.OUT_OF_MEMORY : null);
      node.put("requestId", job.requestId());
      node.put("dateUpdated", epochSeconds(job.updatedAt()));
      node.put("detail", job.detail().orElse(null));
      node.put("resultsDid", job.derivedAssetDid().map(Did::value).orElse(null));
    }
    return JsonText.write(list);
  }

  /** operator-service's stop request and timeout flags. */
  private static int stopRequest(JobStatus status) {
    return switch (status) {
      case STOPPED -> 1;
      case TIMED_OUT -> 2;
      default -> 0;
    };
  }

  /** Epoch seconds to the millisecond, trailing zeros dropped, as Ocean writes dates. */
  private static String epochSeconds(Instant instant) {
    BigDecimal seconds = BigDecimal.valueOf(instant.toEpochMilli(), 3).stripTrailingZeros();
    return seconds.toPlainString();
  }
}
