package io.c2d.backend.k8s;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where and how the pods of one compute environment run: a RuntimeClass (such as gVisor's {@code
 * gvisor} or a Kata runtime), node selectors, tolerations, and the extended resource GPUs are
 * requested as ({@value #DEFAULT_GPU_RESOURCE} unless set). Given to {@link
 * KubernetesComputeBackend.Builder#placement(String, Placement)} per environment, or as the default
 * of every environment.
 *
 * <pre>{@code
 * Placement gpu = Placement.builder()
 *     .runtimeClassName("gvisor")
 *     .putNodeSelector("node.kubernetes.io/instance-type", "g5.xlarge")
 *     .addToleration(Placement.Toleration.parse("nvidia.com/gpu:NoSchedule"))
 *     .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe; methods never return null.
 */
public final class Placement {
  /** The extended resource GPUs are requested as by default: {@value}. */
  public static final String DEFAULT_GPU_RESOURCE = "nvidia.com/gpu";

  private static final Placement NONE = builder().build();
  private static final Pattern RESOURCE_NAME =
      Pattern.compile("([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");

  private final @Nullable String runtimeClassName;
  private final Map<String, String> nodeSelector;
  private final List<Toleration> tolerations;
  private final String gpuResource;

  private Placement(Builder b) {
    this.runtimeClassName = b.runtimeClassName;
    this.nodeSelector = Collections.unmodifiableMap(new LinkedHashMap<>(b.nodeSelector));
    this.tolerations = List.copyOf(b.tolerations);
    this.gpuResource = b.gpuResource;
  }

  /** No RuntimeClass, node selector or toleration; GPUs as {@value #DEFAULT_GPU_RESOURCE}. */
  public static Placement none() {
    return NONE;
  }

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The pods' {@code runtimeClassName}, if any. */
  public Optional<String> runtimeClassName() {
    return Optional.ofNullable(runtimeClassName);
  }

  /** The pods' node selector; unmodifiable, in insertion order. */
  public Map<String, String> nodeSelector() {
    return nodeSelector;
  }

  /** The pods' tolerations; unmodifiable. */
  public List<Toleration> tolerations() {
    return tolerations;
  }

  /** The extended resource a job's GPUs are requested (and limited) as. */
  public String gpuResource() {
    return gpuResource;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Placement p
        && java.util.Objects.equals(runtimeClassName, p.runtimeClassName)
        && nodeSelector.equals(p.nodeSelector)
        && tolerations.equals(p.tolerations)
        && gpuResource.equals(p.gpuResource);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(runtimeClassName, nodeSelector, tolerations, gpuResource);
  }

  @Override
  public String toString() {
    return "Placement{runtimeClassName="
        + runtimeClassName
        + ", nodeSelector="
        + nodeSelector
        + ", tolerations="
        + tolerations
        + ", gpuResource="
        + gpuResource
        + "}";
  }

  /**
   * A pod toleration of a node taint.
   *
   * @param key the taint's key; empty with {@code Exists} tolerates every taint
   * @param operator {@code Equal} or {@code Exists}
   * @param value the taint's value ({@code Equal} only; empty for {@code Exists})
   * @param effect {@code NoSchedule}, {@code PreferNoSchedule}, {@code NoExecute}, or empty for all
   */
  public record Toleration(String key, String operator, String value, String effect) {
    private static final List<String> EFFECTS =
        List.of("", "NoSchedule", "PreferNoSchedule", "NoExecute");

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException for an unknown operator or effect, or a value with {@code
     *     Exists}
     */
    public Toleration {
      requireNonNull(key, "key");
      requireNonNull(operator, "operator");
      requireNonNull(value, "value");
      requireNonNull(effect, "effect");
      if (!operator.equals("Equal") && !operator.equals("Exists")) {
        throw new IllegalArgumentException(
            "toleration operator must be Equal or Exists but was " + operator);
      }
      if (operator.equals("Exists") && !value.isEmpty()) {
        throw new IllegalArgumentException("a toleration with Exists has no value: " + value);
      }
      if (operator.equals("Equal") && key.isEmpty()) {
        throw new IllegalArgumentException("a toleration with Equal needs a key");
      }
      if (!EFFECTS.contains(effect)) {
        throw new IllegalArgumentException(
            "toleration effect must be one of NoSchedule, PreferNoSchedule, NoExecute but was "
                + effect);
      }
    }

    /**
     * Parses kubectl's taint syntax: {@code key=value:Effect} tolerates that taint ({@code Equal}),
     * {@code key:Effect} or {@code key} any value of the key ({@code Exists}); the effect may be
     * left out ({@code key=value}) to tolerate every effect.
     *
     * @throws IllegalArgumentException if {@code text} is not of that form
     */
    public static Toleration parse(String text) {
      requireNonNull(text, "text");
      String rest = text.strip();
      String effect = "";
      int colon = rest.lastIndexOf(':');
      if (colon >= 0) {
        effect = rest.substring(colon + 1);
        rest = rest.substring(0, colon);
      }
      int eq = rest.indexOf('=');
      if (eq < 0) {
        if (rest.isEmpty()) {
          throw new IllegalArgumentException("toleration without a key: '" + text + "'");
        }
        return new Toleration(rest, "Exists", "", effect);
      }
      return new Toleration(rest.substring(0, eq), "Equal", rest.substring(eq + 1), effect);
    }
  }

  /**
   * Builds a {@link Placement}. Not thread-safe. Setters throw {@link NullPointerException} on null
   * and {@link IllegalArgumentException} on malformed values.
   */
  public static final class Builder {
    private @Nullable String runtimeClassName;
    private final Map<String, String> nodeSelector = new LinkedHashMap<>();
    private final List<Toleration> tolerations = new ArrayList<>();
    private String gpuResource = DEFAULT_GPU_RESOURCE;

    private Builder() {}

    /** The RuntimeClass of the pods, such as {@code gvisor} or {@code kata}. */
    public Builder runtimeClassName(String runtimeClassName) {
      requireNonNull(runtimeClassName, "runtimeClassName");
      if (runtimeClassName.isBlank()) {
        throw new IllegalArgumentException("runtimeClassName must not be blank");
      }
      this.runtimeClassName = runtimeClassName;
      return this;
    }

    /** Adds a node selector entry. */
    public Builder putNodeSelector(String key, String value) {
      requireNonNull(key, "key");
      requireNonNull(value, "value");
      if (key.isBlank()) {
        throw new IllegalArgumentException("node selector key must not be blank");
      }
      nodeSelector.put(key, value);
      return this;
    }

    /** Adds a toleration. */
    public Builder addToleration(Toleration toleration) {
      tolerations.add(requireNonNull(toleration, "toleration"));
      return this;
    }

    /**
     * The extended resource GPUs are requested as, such as {@code amd.com/gpu}; default {@value
     * #DEFAULT_GPU_RESOURCE}.
     */
    public Builder gpuResource(String gpuResource) {
      requireNonNull(gpuResource, "gpuResource");
      if (!RESOURCE_NAME.matcher(gpuResource).matches()) {
        throw new IllegalArgumentException(
            "gpuResource must be a Kubernetes resource name such as nvidia.com/gpu but was "
                + gpuResource);
      }
      this.gpuResource = gpuResource;
      return this;
    }

    /** Builds the placement. */
    public Placement build() {
      return new Placement(this);
    }
  }
}
