package io.c2d.ocean;

import static io.c2d.ocean.JsonFields.abbreviate;
import static io.c2d.ocean.JsonFields.array;
import static io.c2d.ocean.JsonFields.decimal;
import static io.c2d.ocean.JsonFields.renamed;
import static io.c2d.ocean.JsonFields.requireObject;
import static io.c2d.ocean.JsonFields.required;
import static io.c2d.ocean.JsonFields.requiredText;

import com.fasterxml.jackson.databind.JsonNode;
import io.c2d.InvalidRequestException;
import io.c2d.model.Resources;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Reads ocean-node's {@code resources} member of a start body, {@code [{id, amount}]} with {@code
 * cpu} in cores, {@code ram} and {@code disk} in GiB and {@code gpu} whole, into {@link Resources}.
 *
 * <p>Stateless and thread-safe. Refuses with an {@link InvalidRequestException} naming the item,
 * such as {@code "resources[1].amount"}, or {@code "resources"} for what spans items.
 */
final class ResourcesReader {
  private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
  private static final BigDecimal GIB = BigDecimal.valueOf(1L << 30);

  /** Far above any machine, and low enough that every product below fits a long. */
  private static final BigDecimal MAX_CPUS = BigDecimal.valueOf(1024);

  private static final BigDecimal MAX_GIB = BigDecimal.valueOf(1L << 20);
  private static final BigDecimal MAX_GPUS = BigDecimal.valueOf(1024);

  private ResourcesReader() {}

  /** The resources asked for, or null when the member is absent or an empty array. */
  static @Nullable Resources read(@Nullable JsonNode node) {
    if (node == null) {
      return null;
    }
    List<JsonNode> items = array(node, "resources");
    if (items.isEmpty()) {
      return null;
    }
    Long milliCpus = null;
    Long memory = null;
    Long disk = null;
    Integer gpus = null;
    for (int i = 0; i < items.size(); i++) {
      String path = "resources[" + i + "]";
      JsonNode item = items.get(i);
      requireObject(item, path);
      String id = requiredText(item, "id", path + ".id").toLowerCase(Locale.ROOT);
      BigDecimal amount = decimal(required(item, "amount", path + ".amount"), path + ".amount");
      if (amount.signum() < 0) {
        throw new InvalidRequestException(path + ".amount", "must not be negative");
      }
      boolean seen;
      switch (id) {
        case "cpu" -> {
          seen = milliCpus != null;
          checkAtMost(amount, MAX_CPUS, path, "cores");
          milliCpus = amount.multiply(THOUSAND).setScale(0, RoundingMode.HALF_UP).longValueExact();
        }
        case "ram", "memory" -> {
          seen = memory != null;
          memory = gibToBytes(amount, path);
        }
        case "disk" -> {
          seen = disk != null;
          disk = gibToBytes(amount, path);
        }
        case "gpu" -> {
          seen = gpus != null;
          checkAtMost(amount, MAX_GPUS, path, "GPUs");
          if (amount.stripTrailingZeros().scale() > 0) {
            throw new InvalidRequestException(path + ".amount", "must be a whole number of GPUs");
          }
          gpus = amount.intValueExact();
        }
        default ->
            throw new InvalidRequestException(
                path + ".id",
                "unknown resource '" + abbreviate(id) + "'; expected cpu, ram, disk or gpu");
      }
      if (seen) {
        throw new InvalidRequestException(path + ".id", "names " + id + " a second time");
      }
    }
    if (milliCpus == null || memory == null || disk == null) {
      List<String> missing = new ArrayList<>();
      if (milliCpus == null) {
        missing.add("cpu");
      }
      if (memory == null) {
        missing.add("ram");
      }
      if (disk == null) {
        missing.add("disk");
      }
      throw new InvalidRequestException(
          "resources", "must name cpu, ram and disk; missing " + String.join(", ", missing));
    }
    long cpu = milliCpus;
    long ram = memory;
    long space = disk;
    int gpu = gpus == null ? 0 : gpus;
    return renamed("resources", () -> new Resources(cpu, ram, space, gpu));
  }

  private static long gibToBytes(BigDecimal amount, String path) {
    checkAtMost(amount, MAX_GIB, path, "GiB");
    return amount.multiply(GIB).setScale(0, RoundingMode.HALF_UP).longValueExact();
  }

  private static void checkAtMost(BigDecimal amount, BigDecimal max, String path, String unit) {
    if (amount.compareTo(max) > 0) {
      // A numeral may have up to a thousand digits: show its first ones only.
      throw new InvalidRequestException(
          path + ".amount",
          "is absurdly large: " + abbreviate(amount.toPlainString()) + " " + unit);
    }
  }
}
