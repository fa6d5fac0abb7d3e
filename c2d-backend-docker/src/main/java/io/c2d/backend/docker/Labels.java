package io.c2d.backend.docker;

import io.c2d.model.JobId;
import io.c2d.spi.backend.JobSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The labels the backend puts on every container and volume it makes, and the names it gives them:
 * they are how a new instance finds its jobs again and tells its own objects from anyone else's.
 */
final class Labels {
  /** Marks an object as made by this backend: {@value}. */
  static final String MANAGED_BY = "io.c2d.managed-by";

  /** The value of {@link #MANAGED_BY}. */
  static final String MANAGER = "c2d-backend-docker";

  /** The backend instance's name: {@value}. */
  static final String INSTANCE = "io.c2d.instance";

  /** The job's id: {@value}. */
  static final String JOB_ID = "io.c2d.job-id";

  /** The job's owner: {@value}. */
  static final String OWNER = "io.c2d.owner";

  /** The job's environment: {@value}. */
  static final String ENVIRONMENT = "io.c2d.environment";

  private Labels() {}

  /** The labels of the objects of job {@code spec}. */
  static Map<String, String> of(JobSpec spec, String instance) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED_BY, MANAGER);
    labels.put(INSTANCE, instance);
    labels.put(JOB_ID, spec.jobId().value());
    labels.put(OWNER, spec.owner().value());
    labels.put(ENVIRONMENT, spec.environmentId());
    return labels;
  }

  /** The label filter that selects this instance's objects, and nothing else. */
  static List<String> ownedFilter(String instance) {
    return List.of(MANAGED_BY + "=" + MANAGER, INSTANCE + "=" + instance);
  }

  /** The name of the container and the volume of job {@code id}. */
  static String name(String instance, JobId id) {
    return "c2d-" + instance + "-" + id.value();
  }
}
