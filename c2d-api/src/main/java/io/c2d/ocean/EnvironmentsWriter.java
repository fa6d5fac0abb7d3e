package io.c2d.ocean;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.FreeLimits;
import io.c2d.model.Resources;
import java.math.BigDecimal;
import java.util.List;

/**
 * Writes compute environments as a listing in the spirit of ocean-node's {@code
 * computeEnvironments}, with the members {@link OceanJson#writeEnvironments(List)} documents.
 *
 * <p>Stateless and thread-safe.
 */
final class EnvironmentsWriter {
  private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
  private static final BigDecimal GIB = BigDecimal.valueOf(1L << 30);
  private static final List<String> RESOURCES = List.of("cpu", "ram", "disk");
  private static final List<String> RESOURCES_AND_GPUS = List.of("cpu", "ram", "disk", "gpu");

  private EnvironmentsWriter() {}

  static String write(List<ComputeEnvironment> environments) {
    ArrayNode list = JsonText.newArray();
    for (ComputeEnvironment env : environments) {
      ObjectNode node = list.addObject();
      node.put("id", env.id());
      node.put("description", env.description());
      ArrayNode resources = node.putArray("resources");
      List<String> ids = env.capacity().gpus() > 0 ? RESOURCES_AND_GPUS : RESOURCES;
      for (String id : ids) {
        ObjectNode resource = resources.addObject();
        resource.put("id", id);
        resource.put("total", amount(env.capacity(), id));
        resource.put("max", amount(env.maxPerJob(), id));
        resource.put("min", 0);
        resource.put("default", amount(env.defaultPerJob(), id));
      }
      node.put("maxJobDuration", env.maxDuration().toSeconds());
      node.put("maxJobs", env.maxConcurrentJobs());
      node.put("maxJobsPerConsumer", env.maxJobsPerConsumer());
      node.put("queueCapacity", env.queueCapacity());
      FreeLimits limits = env.freeLimits().orElse(null);
      if (limits != null) {
        // Ocean's 'free' member: ocean.js's flows pick a free environment by its presence.
        ObjectNode free = node.putObject("free");
        free.put("maxJobDuration", limits.maxDuration().toSeconds());
        free.put("maxJobs", limits.maxJobs());
        free.put("maxJobsPerConsumer", limits.maxJobsPerConsumer());
        ArrayNode freeResources = free.putArray("resources");
        for (String id : ids) {
          ObjectNode resource = freeResources.addObject();
          resource.put("id", id);
          resource.put("max", amount(limits.maxPerJob(), id));
        }
      }
    }
    return JsonText.write(list);
  }

  /** An amount in Ocean's units (cores, GiB, GPUs), as a plain decimal without trailing zeros. */
  private static BigDecimal amount(Resources resources, String id) {
    BigDecimal value =
        switch (id) {
          case "cpu" -> BigDecimal.valueOf(resources.milliCpus()).divide(THOUSAND);
          case "ram" -> BigDecimal.valueOf(resources.memoryBytes()).divide(GIB);
          case "disk" -> BigDecimal.valueOf(resources.diskBytes()).divide(GIB);
          case "gpu" -> BigDecimal.valueOf(resources.gpus());
          default -> throw new IllegalArgumentException(id);
        };
    BigDecimal stripped = value.stripTrailingZeros();
    return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
  }
}
