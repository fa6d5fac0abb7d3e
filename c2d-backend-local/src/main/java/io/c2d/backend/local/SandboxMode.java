package io.c2d.backend.local;

/**
 * Whether the {@link EmbeddedComputeBackend} runs algorithms inside bubblewrap ({@code bwrap}): the
 * job's layout at the real {@code /data} paths, no network, a read-only root that shows nothing of
 * the provider, a private {@code /tmp}, its own PID namespace, no capabilities and process limits.
 * Without it an algorithm runs as a plain local process of the provider's user.
 *
 * <p>Immutable and thread-safe.
 */
public enum SandboxMode {
  /**
   * Bubblewrap or nothing: building the backend fails with a {@link io.c2d.ConfigurationException}
   * when {@code bwrap} is missing or fails its self-test.
   */
  REQUIRE,

  /**
   * Bubblewrap where it works; elsewhere plain processes, with a warning when the backend starts
   * and, in every job's {@code configuration.log}, the guarantees that are missing. The default.
   */
  PREFER,

  /** Plain local processes, never bubblewrap (for development on hosts without it). */
  OFF
}
