package io.c2d.backend.k8s.internal;

import static java.util.Objects.requireNonNull;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.backend.k8s.KubernetesComputeBackend;
import io.c2d.backend.k8s.Placement;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.Resources;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.ComputeBackendProvider;
import io.c2d.spi.backend.support.FetchSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * This class is internal and is not for public use. Its API is unstable and can change at any time.
 *
 * <p>The {@code k8s} provider of {@link KubernetesComputeBackend}, found by {@link
 * java.util.ServiceLoader}. Properties below {@code c2d.k8s.}: {@code namespace}, {@code context}
 * (kubeconfig context), {@code result-root} (default {@code <tmpdir>/c2d-k8s-<user>}), {@code
 * environment} (id, default {@code k8s}), {@code cpus}, {@code memory-mib}, {@code disk-mib},
 * {@code gpus}, {@code max-concurrent-jobs}, {@code max-duration}, {@code image-pull-timeout},
 * {@code helper-image}, {@code transfer-timeout}, {@code accept-unenforced-network-policy} ({@code
 * true} runs jobs without network even where the cluster does not enforce NetworkPolicy, each one's
 * configuration log saying so; default {@code false}: they are refused there), {@code output-claim}
 * with {@code output-claim-path}, {@code visible-claims} ({@code claim=path,...}: the input claims
 * this provider sees, {@code visibleClaim}); and where the environment's pods run, each read below
 * {@code c2d.k8s.environments.<environment id>.} first, then below {@code c2d.k8s.}: {@code
 * runtime-class} (such as {@code gvisor}), {@code node-selector} ({@code key=value,...}), {@code
 * tolerations} (kubectl's taint syntax, {@code key=value:Effect,key:Effect,...}) and {@code
 * gpu-resource} (default {@code nvidia.com/gpu}).
 *
 * <p>Thread-safe; does no I/O before {@link #create}. {@link #create} throws {@link
 * ConfigurationException} for malformed properties.
 */
public final class KubernetesBackendProvider implements ComputeBackendProvider {
  /** The name this provider is selected by: {@value}. */
  public static final String NAME = "k8s";

  /** Needed by {@link java.util.ServiceLoader}. */
  public KubernetesBackendProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  /**
   * The placement of environment {@code id}: each key below {@code environments.<id>.}, else below
   * the provider's own prefix.
   */
  private static Placement placement(ProviderConfig own, String id) {
    ProviderConfig env = own.scoped("environments." + id + ".");
    Placement.Builder placement = Placement.builder();
    first(env, own, "runtime-class").ifPresent(placement::runtimeClassName);
    first(env, own, "gpu-resource").ifPresent(placement::gpuResource);
    first(env, own, "node-selector")
        .ifPresent(
            selector -> {
              for (String entry : list(selector)) {
                int eq = entry.indexOf('=');
                if (eq <= 0) {
                  throw new IllegalArgumentException(
                      "node-selector entries are key=value, not '" + entry + "'");
                }
                placement.putNodeSelector(entry.substring(0, eq), entry.substring(eq + 1));
              }
            });
    first(env, own, "tolerations")
        .ifPresent(
            tolerations -> {
              for (String entry : list(tolerations)) {
                placement.addToleration(Placement.Toleration.parse(entry));
              }
            });
    return placement.build();
  }

  private static Optional<String> first(ProviderConfig env, ProviderConfig own, String key) {
    Optional<String> specific = env.string(key);
    return specific.isPresent() ? specific : own.string(key);
  }

  private static List<String> list(String commaSeparated) {
    return Stream.of(commaSeparated.split(",", -1))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .toList();
  }

  @Override
  public ComputeBackend create(ProviderConfig config) {
    requireNonNull(config, "config");
    ProviderConfig own = config.scoped("c2d." + NAME + ".");
    try {
      String root =
          own.string(
              "result-root",
              Path.of(
                      System.getProperty("java.io.tmpdir"),
                      "c2d-k8s-" + System.getProperty("user.name", "user"))
                  .toString());
      ComputeEnvironment environment =
          ComputeEnvironment.builder(own.string("environment", "k8s"))
              .capacity(
                  Resources.of(
                      (double) own.longValue("cpus", 4),
                      own.longValue("memory-mib", 8192),
                      own.longValue("disk-mib", 20480),
                      (int) own.longValue("gpus", 0)))
              .maxConcurrentJobs((int) own.longValue("max-concurrent-jobs", 4))
              .maxDuration(own.duration("max-duration", Duration.ofHours(1)))
              .build();
      KubernetesComputeBackend.Builder builder =
          KubernetesComputeBackend.builder()
              .resultRoot(Path.of(root))
              .addEnvironment(environment)
              .imagePullTimeout(own.duration("image-pull-timeout", Duration.ofMinutes(2)))
              .helperImage(
                  own.string("helper-image", KubernetesComputeBackend.DEFAULT_HELPER_IMAGE))
              .transferTimeout(own.duration("transfer-timeout", Duration.ofMinutes(10)))
              .acceptUnenforcedNetworkPolicy(
                  own.booleanValue("accept-unenforced-network-policy", false))
              .fetchSettings(FetchSettings.fromConfig(config));
      own.string("namespace").ifPresent(builder::namespace);
      Optional<String> outputClaim = own.string("output-claim");
      Optional<String> outputClaimPath = own.string("output-claim-path");
      if (outputClaim.isPresent() != outputClaimPath.isPresent()) {
        throw new IllegalArgumentException(
            "c2d." + NAME + ".output-claim and c2d." + NAME + ".output-claim-path go together");
      }
      if (outputClaim.isPresent()) {
        builder.outputClaim(outputClaim.get(), Path.of(outputClaimPath.get()));
      }
      // claim=path,claim=path: the input claims this provider sees
      for (String entry : own.string("visible-claims", "").split(",", -1)) {
        if (entry.isBlank()) {
          continue;
        }
        int equals = entry.indexOf('=');
        if (equals <= 0 || equals == entry.length() - 1) {
          throw new IllegalArgumentException(
              "c2d." + NAME + ".visible-claims takes claim=path,...; not: " + entry.strip());
        }
        builder.visibleClaim(
            entry.substring(0, equals).strip(), Path.of(entry.substring(equals + 1).strip()));
      }
      own.string("context").ifPresent(builder::context);
      builder.placement(environment.id(), placement(own, environment.id()));
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "the c2d." + NAME + " properties do not make a backend: " + e.getMessage(),
          e);
    }
  }
}
