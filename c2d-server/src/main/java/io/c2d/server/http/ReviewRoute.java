package io.c2d.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.AccessDeniedException;
import io.c2d.AuditEntry;
import io.c2d.ComputeEngine;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.PendingReview;
import io.c2d.model.ComputeJob;
import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.ResultNotice;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The publisher's review and audit endpoints, authenticated as the publisher (never a consumer): a
 * bearer token configured in the server ({@link OceanComputeHandler.Builder#publisherToken}),
 * compared in constant time. Without a configured token (null) every call is refused. A refused
 * token is an {@link AccessDeniedException} ({@code publisher_unauthorized}), a malformed body an
 * {@link InvalidRequestException} naming its field, an unknown action a 404; the engine's own
 * refusals (no such job, not awaiting release) pass through typed. Thread-safe: immutable.
 */
final class ReviewRoute {
  static final String REVIEWS = OceanComputeHandler.BASE + "/c2d/reviews";
  static final String AUDIT = OceanComputeHandler.BASE + "/c2d/audit";
  private static final String BEARER = "Bearer ";

  private final ComputeEngine engine;
  private final byte @Nullable [] tokenDigest;

  ReviewRoute(ComputeEngine engine, @Nullable String token) {
    this.engine = engine;
    this.tokenDigest = token == null ? null : digest(token);
  }

  /**
   * Checks the publisher's bearer token.
   *
   * @throws AccessDeniedException ({@link ErrorCode#PUBLISHER_UNAUTHORIZED}) if it is missing,
   *     wrong, or no token is configured
   */
  void authenticate(ProviderRequest request) {
    if (tokenDigest == null) {
      throw new AccessDeniedException(
          ErrorCode.PUBLISHER_UNAUTHORIZED,
          "the review endpoints are off: the provider has no publisher token configured");
    }
    String header = request.header("Authorization").orElse("");
    if (!header.startsWith(BEARER)) {
      throw new AccessDeniedException(
          ErrorCode.PUBLISHER_UNAUTHORIZED, "the publisher's bearer token is missing");
    }
    if (!MessageDigest.isEqual(tokenDigest, digest(header.substring(BEARER.length()).trim()))) {
      throw new AccessDeniedException(
          ErrorCode.PUBLISHER_UNAUTHORIZED, "the publisher's bearer token is wrong");
    }
  }

  /** {@code GET reviews}: the jobs awaiting release. */
  ArrayNode pending() {
    ArrayNode list = Bodies.JSON.createArrayNode();
    for (PendingReview review : engine.review().pending()) {
      ObjectNode node = list.addObject();
      node.put("jobId", review.jobId().value());
      node.put("owner", review.owner().value());
      assets(node, review.assets());
      node.put("heldAt", review.heldAt().toString());
      node.put("deadline", review.deadline().toString());
      notices(node.putArray("proposals"), review.proposals());
      ArrayNode reports = node.putArray("reports");
      for (PendingReview.Report report : review.reports()) {
        reports.addObject().put("filter", report.filter()).put("report", report.text());
      }
    }
    return list;
  }

  /** {@code POST reviews/<action>}: release, reject or redact; answers the job. */
  CompletionStage<ComputeJob> decide(String action, ObjectNode body) {
    if (!List.of("release", "reject", "redact").contains(action)) {
      throw new OceanComputeHandler.HttpFailure(
          404,
          "not_found",
          "no review action '" + QueryParams.abbreviate(action) + "': release, reject, redact",
          java.util.Map.of());
    }
    JobId id = JobId.of(text(body, "jobId"));
    String reviewer = text(body, "reviewer");
    return switch (action) {
      case "release" -> engine.review().release(id, reviewer);
      case "reject" -> engine.review().reject(id, reviewer, text(body, "reason"));
      case "redact" ->
          engine
              .review()
              .redact(id, reviewer, text(body, "result"), content(body), text(body, "reason"));
      default ->
          throw new OceanComputeHandler.HttpFailure(
              404,
              "not_found",
              "no review action '" + QueryParams.abbreviate(action) + "': release, reject, redact",
              java.util.Map.of());
    };
  }

  /** {@code GET audit[?jobId=]}: the audit record. */
  ArrayNode audit(QueryParams query) {
    Optional<String> jobId = query.optional("jobId");
    List<AuditEntry> entries =
        jobId.isPresent()
            ? engine.review().auditRecord(query.jobId("jobId"))
            : engine.review().auditRecord();
    ArrayNode list = Bodies.JSON.createArrayNode();
    for (AuditEntry entry : entries) {
      ObjectNode node = list.addObject();
      node.put("sequence", entry.sequence());
      node.put("at", entry.at().toString());
      node.put("jobId", entry.jobId().value());
      assets(node, entry.assets());
      node.put("actor", entry.actor());
      node.put("result", entry.resultName());
      node.put("kind", entry.resultKind().oceanType());
      node.put("verdict", entry.state().name().toLowerCase(java.util.Locale.ROOT));
      node.put("reason", entry.reason());
      node.put("sha256", entry.sha256());
      node.put("report", entry.report());
    }
    return list;
  }

  static void notices(ArrayNode array, List<ResultNotice> notices) {
    for (ResultNotice notice : notices) {
      array
          .addObject()
          .put("name", notice.name())
          .put("type", notice.kind().oceanType())
          .put("state", notice.state().name().toLowerCase(java.util.Locale.ROOT))
          .put("reason", notice.reason());
    }
  }

  private static void assets(ObjectNode node, List<Did> assets) {
    ArrayNode array = node.putArray("assets");
    assets.stream().map(Did::value).forEach(array::add);
  }

  private static String text(ObjectNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || !value.isTextual()) {
      throw new InvalidRequestException(field, "is missing or not a string");
    }
    return value.asText();
  }

  private static byte[] content(ObjectNode body) {
    String base64 = text(body, "content");
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("content", "is not base64: " + e.getMessage());
    }
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
