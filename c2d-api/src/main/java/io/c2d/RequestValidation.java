package io.c2d;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeRequest;
import io.c2d.model.FreeLimits;
import io.c2d.model.Resources;
import io.c2d.spi.backend.ComputeBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The environments of every backend, and the checks of a request against the one it names (DESIGN
 * step 1): it exists, and the resources and duration asked for fit its per-job limits. Immutable
 * and thread-safe; each slot guards its own admission state.
 */
final class RequestValidation {
  private final Map<String, EnvironmentSlot> slots;
  private final List<ComputeEnvironment> environments;

  /**
   * @throws ConfigurationException if two backends offer the same environment id or none offers any
   */
  RequestValidation(List<ComputeBackend> backends) {
    Map<String, EnvironmentSlot> bySlot = new LinkedHashMap<>();
    List<ComputeEnvironment> all = new ArrayList<>();
    for (ComputeBackend backend : backends) {
      for (ComputeEnvironment environment : backend.environments()) {
        if (bySlot.putIfAbsent(environment.id(), new EnvironmentSlot(environment, backend))
            != null) {
          throw new ConfigurationException(
              ErrorCode.CONFIGURATION_INVALID,
              "two backends offer an environment with id " + environment.id());
        }
        all.add(environment);
      }
    }
    if (bySlot.isEmpty()) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID, "the backends offer no compute environment");
    }
    this.slots = Map.copyOf(bySlot);
    this.environments = List.copyOf(all);
  }

  List<ComputeEnvironment> environments() {
    return environments;
  }

  /** The slot of {@code environmentId}, or null: recovery tracks jobs of unknown environments. */
  @Nullable EnvironmentSlot slotOrNull(String environmentId) {
    return slots.get(environmentId);
  }

  /**
   * @throws InvalidRequestException ({@link ErrorCode#ENVIRONMENT_UNKNOWN}) if there is none
   */
  EnvironmentSlot slotFor(String environmentId) {
    EnvironmentSlot slot = slots.get(environmentId);
    if (slot == null) {
      throw new InvalidRequestException(
          ErrorCode.ENVIRONMENT_UNKNOWN,
          "environment",
          "no environment '" + environmentId + "'; available: " + String.join(", ", slots.keySet()),
          null);
    }
    return slot;
  }

  /**
   * The free limits a free request keeps to; null for a paid request.
   *
   * @throws InvalidRequestException ({@link ErrorCode#FREE_COMPUTE_NOT_OFFERED}) if the request is
   *     free and the environment offers no free compute
   */
  static @Nullable FreeLimits freeLimitsFor(
      ComputeRequest request, ComputeEnvironment environment) {
    if (!request.isFree()) {
      return null;
    }
    return environment
        .freeLimits()
        .orElseThrow(
            () ->
                new InvalidRequestException(
                    ErrorCode.FREE_COMPUTE_NOT_OFFERED,
                    "environment",
                    "environment "
                        + environment.id()
                        + " offers no free compute; start a paid job there or pick an"
                        + " environment that lists 'free'",
                    null));
  }

  /**
   * What the request asks for, or the environment's default; refused over its per-job maximum (for
   * a free request: the free maximum, and the default capped to it).
   */
  static Resources resourcesFor(
      ComputeRequest request, ComputeEnvironment environment, @Nullable FreeLimits free) {
    Resources max = free != null ? free.maxPerJob() : environment.maxPerJob();
    Resources asked =
        request
            .resources()
            .orElse(
                free != null
                    ? capped(environment.defaultPerJob(), max)
                    : environment.defaultPerJob());
    String gives = free != null ? " gives free jobs at most " : " gives at most ";
    if (asked.milliCpus() > max.milliCpus()) {
      throw exceeded(
          "resources.cpu", asked.milliCpus() + " millicpus", gives, max.milliCpus(), environment);
    }
    if (asked.memoryBytes() > max.memoryBytes()) {
      throw exceeded(
          "resources.memory",
          asked.memoryBytes() + " bytes",
          gives,
          max.memoryBytes(),
          environment);
    }
    if (asked.diskBytes() > max.diskBytes()) {
      throw exceeded(
          "resources.disk", asked.diskBytes() + " bytes", gives, max.diskBytes(), environment);
    }
    if (asked.gpus() > max.gpus()) {
      throw exceeded("resources.gpu", asked.gpus() + " GPUs", gives, max.gpus(), environment);
    }
    return asked;
  }

  /**
   * The duration the request asks for, or the environment's maximum (the free maximum for a free
   * request); refused over it.
   */
  static Duration durationFor(
      ComputeRequest request, ComputeEnvironment environment, @Nullable FreeLimits free) {
    Duration max = free != null ? free.maxDuration() : environment.maxDuration();
    Duration asked = request.maxDuration().orElse(max);
    if (asked.compareTo(max) > 0) {
      throw new InvalidRequestException(
          ErrorCode.RESOURCES_EXCEEDED,
          "maxJobDuration",
          "asks for "
              + asked
              + " but environment "
              + environment.id()
              + (free != null ? " allows free jobs at most " : " allows at most ")
              + max,
          null);
    }
    return asked;
  }

  private static Resources capped(Resources wanted, Resources max) {
    return new Resources(
        Math.min(wanted.milliCpus(), max.milliCpus()),
        Math.min(wanted.memoryBytes(), max.memoryBytes()),
        Math.min(wanted.diskBytes(), max.diskBytes()),
        Math.min(wanted.gpus(), max.gpus()));
  }

  /** Refuses a request to publish its results when no publisher is configured. */
  static void checkPublishing(ComputeRequest request, boolean canPublish) {
    if (request.output().publishAsAsset() && !canPublish) {
      throw new InvalidRequestException(
          "output.publishAsAsset",
          "this provider does not publish derived assets (no publisher is configured)");
    }
  }

  private static InvalidRequestException exceeded(
      String field, String asked, String gives, long max, ComputeEnvironment environment) {
    return new InvalidRequestException(
        ErrorCode.RESOURCES_EXCEEDED,
        field,
        "asks for " + asked + " but environment " + environment.id() + gives + max,
        null);
  }
}
