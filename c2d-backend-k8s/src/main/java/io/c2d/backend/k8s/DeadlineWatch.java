package io.c2d.backend.k8s;

import io.c2d.model.JobId;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/**
 * Sees to it that a Job's {@code activeDeadlineSeconds} ends it, when the Job controller forgot to.
 *
 * <p>The Job controller of Kubernetes 1.20 checks a Job's deadline once, at the time its first sync
 * set the Job's start. A second sync that read the Job from a stale cache sets the start again, and
 * its status update (a fresh read with this sync's status) overwrites the first: the one check then
 * comes too early, and the Job runs past its deadline until one of its pods changes, which a
 * sleeping algorithm never does. (Seen on the real node under load: {@code sleep 600} with a 10 s
 * deadline still ran after 3 minutes, with no {@code DeadlineExceeded} event.)
 *
 * <p>So once a Job's deadline has passed by {@link #GRACE}, this side touches the Job (an
 * annotation), which makes the controller sync it again and fail it as {@code DeadlineExceeded} by
 * its own reckoning, killing its pods; the end then comes the usual way. If the controller still
 * has not ended it {@link #TAKE_OVER} after its deadline (a controller that does not run), this
 * side ends the job as timed out itself and removes its Job.
 *
 * <p>Stateless; thread-safe.
 */
final class DeadlineWatch {
  /** How long after a Job's deadline the controller is given before the first touch. */
  static final Duration GRACE = Duration.ofSeconds(2);

  /** How long after its deadline a Job that still runs is ended by this side. */
  static final Duration TAKE_OVER = Duration.ofSeconds(30);

  /** How often a Job past its deadline is looked at again. */
  static final Duration RECHECK = Duration.ofSeconds(5);

  /** The annotation whose change makes the Job controller sync a Job again. */
  static final String CHECKED_ANNOTATION = "c2d.io/deadline-checked";

  private DeadlineWatch() {}

  /**
   * When {@code job}'s deadline passes by the controller's reckoning (its start plus its {@code
   * activeDeadlineSeconds}), or null if it has none that still counts: no deadline, not started, or
   * already complete or failed.
   */
  static @Nullable Instant deadline(Job job) {
    if (job.getSpec() == null || job.getSpec().getActiveDeadlineSeconds() == null) {
      return null;
    }
    if (job.getStatus() != null && job.getStatus().getConditions() != null) {
      for (JobCondition condition : job.getStatus().getConditions()) {
        if (("Failed".equals(condition.getType()) || "Complete".equals(condition.getType()))
            && "True".equals(condition.getStatus())) {
          return null;
        }
      }
    }
    Instant start = startTime(job);
    return start == null ? null : start.plusSeconds(job.getSpec().getActiveDeadlineSeconds());
  }

  /** The start time the Job controller gave {@code job}, or null if it has none (yet). */
  static @Nullable Instant startTime(Job job) {
    return timestamp(job.getStatus() == null ? null : job.getStatus().getStartTime());
  }

  /** An API object's timestamp ({@code 2026-12-07T20:47:12Z}), or null if none or unreadable. */
  static @Nullable Instant timestamp(@Nullable String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** Changes the Job of {@code id} so that the Job controller syncs it again. */
  static void touch(Cluster cluster, JobId id, Instant now) {
    String patch =
        "{\"metadata\":{\"annotations\":{\"" + CHECKED_ANNOTATION + "\":\"" + now + "\"}}}";
    cluster.retrying(
        "touching the Job of " + id + " past its deadline",
        () -> cluster.jobOf(id).patch(PatchContext.of(PatchType.JSON_MERGE), patch));
  }
}
