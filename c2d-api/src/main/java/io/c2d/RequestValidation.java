package io.c2d;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ComputeRequest;
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

  /** What the request asks for, or the environment's default; refused over its per-job maximum. */
  static Resources resourcesFor(ComputeRequest request, ComputeEnvironment environment) {
    Resources asked = request.resources().orElse(environment.defaultPerJob());
    Resources max = environment.maxPerJob();
    if (asked.milliCpus() > max.milliCpus()) {
      throw exceeded(
          "resources.cpu", asked.milliCpus() + " millicpus", max.milliCpus(), environment);
    }
    if (asked.memoryBytes() > max.memoryBytes()) {
      throw exceeded(
          "resources.memory", asked.memoryBytes() + " bytes", max.memoryBytes(), environment);
    }
    if (asked.diskBytes() > max.diskBytes()) {
      throw exceeded("resources.disk", asked.diskBytes() + " bytes", max.diskBytes(), environment);
    }
    if (asked.gpus() > max.gpus()) {
      throw exceeded("resources.gpu", asked.gpus() + " GPUs", max.gpus(), environment);
    }
    return asked;
  }

  /** The duration the request asks for, or the environment's maximum; refused over it. */
  static Duration durationFor(ComputeRequest request, ComputeEnvironment environment) {
    Duration asked = request.maxDuration().orElse(environment.maxDuration());
    if (asked.compareTo(environment.maxDuration()) > 0) {
      throw new InvalidRequestException(
          ErrorCode.RESOURCES_EXCEEDED,
          "maxJobDuration",
          "asks for "
              + asked
              + " but environment "
              + environment.id()
              + " allows at most "
              + environment.maxDuration(),
          null);
    }
    return asked;
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
      String field, String asked, long max, ComputeEnvironment environment) {
    return new InvalidRequestException(
        ErrorCode.RESOURCES_EXCEEDED,
        field,
        "asks for " + asked + " but environment " + environment.id() + " gives at most " + max,
        null);
  }
}
