package io.c2d.backend.k8s;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.spi.backend.JobSpec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a job that must have no network may run here: only where the {@link
 * NetworkPolicyProbe} found NetworkPolicy enforced, or where the operator explicitly accepted that
 * it is not ({@code acceptUnenforcedNetworkPolicy}); then every such job's configuration log says
 * that its network is not closed. Jobs allowed the network are not checked.
 *
 * <p>The probe's answer is cached: one probe per API server and namespace in this JVM (so that
 * several backends on one cluster probe once), kept {@value #KEEP_HOURS} hour; an answer of
 * "unknown" is kept only {@value #KEEP_UNKNOWN_SECONDS} seconds, so that the next job probes again.
 * A guard whose probe was handed in (tests) keeps its answer to itself.
 *
 * <p>Thread-safe. {@link #admit} blocks while the probe runs (the pods' start, bounded).
 */
final class NetworkGuard {
  private static final Logger log = LoggerFactory.getLogger(NetworkGuard.class);

  static final long KEEP_HOURS = 1;
  static final long KEEP_UNKNOWN_SECONDS = 60;

  /** The answers of this JVM's probes, by API server and namespace. */
  private static final ConcurrentMap<String, Probing> SHARED = new ConcurrentHashMap<>();

  private final ConcurrentMap<String, Probing> answers;
  private final String key;
  private final Supplier<NetworkIsolation> probe;
  private final boolean acceptUnenforced;
  private final Duration wait;

  /**
   * A guard sharing its answers with every guard of this JVM on the same {@code key} (API server
   * and namespace).
   */
  static NetworkGuard shared(
      String key, Supplier<NetworkIsolation> probe, boolean acceptUnenforced, Duration wait) {
    return new NetworkGuard(SHARED, key, probe, acceptUnenforced, wait);
  }

  /** A guard keeping its answers to itself (a probe handed in by a test). */
  static NetworkGuard own(
      Supplier<NetworkIsolation> probe, boolean acceptUnenforced, Duration wait) {
    return new NetworkGuard(new ConcurrentHashMap<>(), "own", probe, acceptUnenforced, wait);
  }

  private NetworkGuard(
      ConcurrentMap<String, Probing> answers,
      String key,
      Supplier<NetworkIsolation> probe,
      boolean acceptUnenforced,
      Duration wait) {
    this.answers = answers;
    this.key = key;
    this.probe = probe;
    this.acceptUnenforced = acceptUnenforced;
    this.wait = wait;
  }

  /**
   * Starts the probe unless an answer is known or on its way, or the operator accepts unenforced
   * NetworkPolicy (then nothing is probed); returns at once.
   */
  void start() {
    if (!acceptUnenforced) {
      var unused = probing();
    }
  }

  /**
   * What the probe found (waiting for it if it runs); {@link NetworkIsolation.Verdict#UNKNOWN} if
   * it gives no answer in time.
   */
  NetworkIsolation isolation() {
    try {
      return probing().answer.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return NetworkIsolation.unknown("the probe gave no answer within " + wait);
    } catch (ExecutionException e) {
      return NetworkIsolation.unknown("the probe failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return NetworkIsolation.unknown("interrupted waiting for the probe");
    }
  }

  /**
   * Lets {@code spec} run, returning what its configuration log must say about its network (null:
   * nothing, it may use the network), or refuses it.
   *
   * @throws ConfigurationException ({@link ErrorCode#CONFIGURATION_INVALID}) if the job must have
   *     no network, the cluster was not seen to enforce NetworkPolicy and the operator did not
   *     accept that
   */
  @Nullable String admit(JobSpec spec) {
    if (spec.networkAccess()) {
      return null;
    }
    if (acceptUnenforced) {
      // accepted: no probe, no wait; the job's log says its network is not known to be closed
      return "WARNING network: NOT CLOSED for sure: whether this cluster enforces NetworkPolicy is"
          + " not checked, so the job's deny-all NetworkPolicy may not hold; run because the"
          + " operator accepts unenforced NetworkPolicy (acceptUnenforcedNetworkPolicy,"
          + " c2d.k8s.accept-unenforced-network-policy)";
    }
    NetworkIsolation isolation = isolation();
    if (isolation.enforced()) {
      return "network: closed by a deny-all NetworkPolicy, which this cluster enforces (probe: "
          + isolation.detail()
          + ")";
    }
    String seen =
        isolation.verdict() == NetworkIsolation.Verdict.NOT_ENFORCED
            ? "this cluster does NOT enforce NetworkPolicy"
            : "whether this cluster enforces NetworkPolicy is unknown";
    throw new ConfigurationException(
        ErrorCode.CONFIGURATION_INVALID,
        "job "
            + spec.jobId()
            + " must run without network, but "
            + seen
            + " ("
            + isolation.detail()
            + "): refused. Use a network plugin (CNI) that enforces NetworkPolicy, or, knowing"
            + " that jobs' networks are then not closed, accept it with"
            + " acceptUnenforcedNetworkPolicy(true) (property"
            + " c2d.k8s.accept-unenforced-network-policy=true)");
  }

  private Probing probing() {
    long now = System.nanoTime();
    return answers.compute(key, (k, old) -> old != null && old.fresh(now) ? old : probe(now));
  }

  private Probing probe(long now) {
    CompletableFuture<NetworkIsolation> answer = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                NetworkIsolation found = probe.get();
                if (found.verdict() == NetworkIsolation.Verdict.ENFORCED) {
                  log.info("NetworkPolicy is enforced ({})", found.detail());
                } else {
                  log.warn(
                      "NetworkPolicy: {} ({}); jobs without network are {}",
                      found.verdict(),
                      found.detail(),
                      acceptUnenforced
                          ? "run anyway: the operator accepts unenforced NetworkPolicy"
                          : "refused");
                }
                answer.complete(found);
              } catch (RuntimeException e) {
                answer.complete(NetworkIsolation.unknown("the probe failed: " + e));
              }
            },
            "c2d-k8s-network-probe");
    thread.setDaemon(true);
    thread.start();
    return new Probing(answer, now);
  }

  /** One probe's answer, on its way or known, and when it started. */
  private record Probing(CompletableFuture<NetworkIsolation> answer, long startedNanos) {
    boolean fresh(long now) {
      if (!answer.isDone()) {
        return true;
      }
      NetworkIsolation known = answer.getNow(null);
      long keep =
          known == null || known.verdict() == NetworkIsolation.Verdict.UNKNOWN
              ? TimeUnit.SECONDS.toNanos(KEEP_UNKNOWN_SECONDS)
              : TimeUnit.HOURS.toNanos(KEEP_HOURS);
      return now - startedNanos < keep;
    }
  }
}
