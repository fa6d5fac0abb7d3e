package io.c2d.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.ComputeEngine;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeJob;
import io.c2d.model.EthAddress;
import io.c2d.model.JobStatus;
import io.c2d.ocean.OceanJson;
import java.util.List;
import org.web3j.crypto.Keys;

/**
 * ocean-node's shapes of jobs and environments, built on {@link OceanJson}'s writers and completed
 * with the members ocean.js reads that those writers leave out. Stateless and thread-safe.
 *
 * <p>Jobs: {@link OceanJson#writeStatusList(List)}'s members, with {@code results} always an array
 * ({@code []} until the job has ended, as ocean-node writes it), {@code owner} in EIP-55 form (as
 * ocean.js sends it), ocean-node's status numbers ({@value #FINISHED} for every ended job, {@value
 * #QUEUED} for a queued one, 50 for one awaiting the publisher's review; c2d's own code is in
 * {@code c2dStatus}, its text in {@code statusText}), plus {@code did} (the first input's DID, or
 * {@code null}) and {@code stopRequested}. Environments: {@link
 * OceanJson#writeEnvironments(List)}'s members plus ocean-node's {@code consumerAddress} (this
 * provider), {@code fees} ({@code {}}: c2d's environments have no price), {@code runningJobs},
 * {@code queuedJobs}, {@code runningfreeJobs} and {@code queuedFreeJobs}.
 */
final class JobsJson {
  /** ocean-node's status of every ended job. */
  static final int FINISHED = 70;

  /** ocean-node's status of a queued job. */
  static final int QUEUED = 1;

  private JobsJson() {}

  static ArrayNode jobs(List<ComputeJob> jobs) {
    ArrayNode list = (ArrayNode) tree(OceanJson.writeStatusList(jobs));
    for (int i = 0; i < list.size(); i++) {
      ObjectNode node = (ObjectNode) list.get(i);
      ComputeJob job = jobs.get(i);
      if (!node.path("results").isArray()) {
        node.putArray("results");
      }
      node.put("did", job.inputDids().isEmpty() ? null : job.inputDids().get(0).value());
      node.put("stopRequested", job.status() == JobStatus.STOPPED);
      node.put("owner", Keys.toChecksumAddress(job.owner().value()));
      // ocean-node's numbering where c2d's differs: every ended job is 70 ("finished", whatever
      // its outcome, as ocean-node reports it; statusText and c2dStatus tell how), queued is 1
      node.put("c2dStatus", job.statusCode());
      // what the publisher's result filters and review decided, and why (never the content)
      ReviewRoute.notices(node.putArray("resultNotices"), job.notices());
      if (job.isTerminal()) {
        node.put("status", FINISHED);
      } else if (job.status() == JobStatus.QUEUED) {
        node.put("status", QUEUED);
      } else if (job.status() == JobStatus.AWAITING_RELEASE) {
        // ocean-node knows no review: to its clients the results are still being filtered
        node.put("status", JobStatus.FILTERING_RESULTS.code());
      }
    }
    return list;
  }

  static ArrayNode environments(ComputeEngine engine, EthAddress provider) {
    List<ComputeEnvironment> environments = engine.environments();
    ArrayNode list = (ArrayNode) tree(OceanJson.writeEnvironments(environments));
    for (int i = 0; i < list.size(); i++) {
      ObjectNode node = (ObjectNode) list.get(i);
      ComputeEnvironment environment = environments.get(i);
      node.put("consumerAddress", provider.value());
      node.putObject("fees");
      int running = engine.runningJobs(environment.id());
      int queued = engine.queuedJobs(environment.id());
      node.put("runningJobs", running);
      node.put("queuedJobs", queued);
      node.put("runningfreeJobs", engine.freeJobs(environment.id()));
    }
    return list;
  }

  private static JsonNode tree(String json) {
    try {
      return Bodies.JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("c2d's own writer wrote invalid JSON", e);
    }
  }
}
