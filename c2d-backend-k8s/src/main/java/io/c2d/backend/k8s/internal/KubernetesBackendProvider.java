package io.c2d.backend.k8s.internal;

import static java.util.Objects.requireNonNull;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.backend.k8s.KubernetesComputeBackend;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.Resources;
import io.c2d.spi.ProviderConfig;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.ComputeBackendProvider;
import java.nio.file.Path;
import java.time.Duration;

/**
 * This class is internal and is not for public use. Its API is unstable and can change at any time.
 *
 * <p>The {@code k8s} provider of {@link KubernetesComputeBackend}, found by {@link
 * java.util.ServiceLoader}. Properties below {@code c2d.k8s.}: {@code namespace}, {@code context}
 * (kubeconfig context), {@code result-root} (default {@code <tmpdir>/c2d-k8s-<user>}), {@code
 * environment} (id, default {@code k8s}), {@code cpus}, {@code memory-mib}, {@code disk-mib},
 * {@code gpus}, {@code max-concurrent-jobs}, {@code max-duration}, {@code image-pull-timeout},
 * {@code helper-image}, {@code runtime-class}.
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
                  own.string("helper-image", KubernetesComputeBackend.DEFAULT_HELPER_IMAGE));
      own.string("namespace").ifPresent(builder::namespace);
      own.string("context").ifPresent(builder::context);
      own.string("runtime-class").ifPresent(builder::runtimeClassName);
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          ErrorCode.CONFIGURATION_INVALID,
          "the c2d." + NAME + " properties do not make a backend: " + e.getMessage(),
          e);
    }
  }
}
