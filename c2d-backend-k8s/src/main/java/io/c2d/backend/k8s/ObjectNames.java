package io.c2d.backend.k8s;

import static java.util.Objects.requireNonNull;

import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The names and labels of the Kubernetes objects of one job, derived from the job id alone, so a
 * create retried after a lost response can never make a second job and a new backend instance can
 * list every job by label.
 *
 * <p>Names are valid DNS-1123 labels (at most 63 lower-case letters, digits and {@code -}). Label
 * values are valid Kubernetes label values (at most 63 characters).
 *
 * <p>Immutable and thread-safe.
 */
public final class ObjectNames {
  /** Label on every object the backend makes, with the value {@value #MANAGER}. */
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  /** The value of {@link #MANAGED_BY}. */
  public static final String MANAGER = "c2d";

  /** Label with the job id. */
  public static final String JOB_ID = "c2d.io/job-id";

  /** Label with the owner's address. */
  public static final String OWNER = "c2d.io/owner";

  /** Label with the environment id. */
  public static final String ENVIRONMENT = "c2d.io/environment";

  private final JobId jobId;

  private ObjectNames(JobId jobId) {
    this.jobId = jobId;
  }

  /** The names of job {@code jobId}'s objects. */
  public static ObjectNames of(JobId jobId) {
    return new ObjectNames(requireNonNull(jobId, "jobId"));
  }

  /** The {@code batch/v1} Job's name. */
  public String job() {
    return "c2d-" + jobId.value();
  }

  /** The name the job's spec was once kept under (no object of that name is made now). */
  public String spec() {
    return "c2d-" + jobId.value() + "-spec";
  }

  /** The name of the job's NetworkPolicy. */
  public String networkPolicy() {
    return "c2d-" + jobId.value() + "-net";
  }

  /** The labels every object of the job carries; unmodifiable, in a stable order. */
  public Map<String, String> labels(EthAddress owner, String environmentId) {
    requireNonNull(owner, "owner");
    requireNonNull(environmentId, "environmentId");
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED_BY, MANAGER);
    labels.put(JOB_ID, jobId.value());
    labels.put(OWNER, owner.value().substring(2));
    labels.put(ENVIRONMENT, environmentId);
    return java.util.Collections.unmodifiableMap(labels);
  }

  /** A label selector matching every object of this job. */
  public String selector() {
    return MANAGED_BY + "=" + MANAGER + "," + JOB_ID + "=" + jobId.value();
  }
}
