package io.c2d.backend.k8s;

import static java.util.Objects.requireNonNull;

/**
 * What the {@link NetworkPolicyProbe} found out about a namespace: whether a pod under a deny-all
 * NetworkPolicy is really cut off, and how that was seen.
 *
 * <p>Immutable and thread-safe.
 *
 * @param verdict what was found
 * @param detail how, in words (for the logs and for the error that refuses a job)
 */
record NetworkIsolation(Verdict verdict, String detail) {

  /** Whether NetworkPolicy is enforced. */
  enum Verdict {
    /** A pod under a deny-all policy could not reach another one: the policy is enforced. */
    ENFORCED,
    /** A pod under a deny-all policy reached another one: nothing enforces the policy. */
    NOT_ENFORCED,
    /** The probe could not run to an answer (its pods did not start, the API refused them). */
    UNKNOWN
  }

  NetworkIsolation {
    requireNonNull(verdict, "verdict");
    requireNonNull(detail, "detail");
  }

  static NetworkIsolation enforced(String detail) {
    return new NetworkIsolation(Verdict.ENFORCED, detail);
  }

  static NetworkIsolation notEnforced(String detail) {
    return new NetworkIsolation(Verdict.NOT_ENFORCED, detail);
  }

  static NetworkIsolation unknown(String detail) {
    return new NetworkIsolation(Verdict.UNKNOWN, detail);
  }

  boolean enforced() {
    return verdict == Verdict.ENFORCED;
  }
}
