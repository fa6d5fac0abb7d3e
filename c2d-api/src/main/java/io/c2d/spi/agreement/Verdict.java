package io.c2d.spi.agreement;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A verifier's answer: {@link Decision#ALLOW} (with how long it stays true), {@link
 * Decision#REFUSE} (with the reason) or {@link Decision#UNKNOWN} (the verifier could not decide,
 * such as when its chain is unreachable). Unknown never lets a job start.
 *
 * <p>Immutable and thread-safe.
 */
public final class Verdict {
  /** The three answers. */
  public enum Decision {
    /** Entitled. */
    ALLOW,
    /** Not entitled; the reason says why. */
    REFUSE,
    /** Could not decide now; asking again later may help. */
    UNKNOWN
  }

  private final Decision decision;
  private final String reason;
  private final @Nullable Instant validUntil;

  private Verdict(Decision decision, String reason, @Nullable Instant validUntil) {
    this.decision = decision;
    this.reason = reason;
    this.validUntil = validUntil;
  }

  /**
   * Entitled until {@code validUntil} (such as the agreement's or order's expiry), after which it
   * must be asked again. The engine may cache the verdict until then.
   */
  public static Verdict allow(Instant validUntil) {
    return new Verdict(Decision.ALLOW, "allowed", requireNonNull(validUntil, "validUntil"));
  }

  /** Entitled, for this request only (not cached). */
  public static Verdict allowOnce() {
    return new Verdict(Decision.ALLOW, "allowed", null);
  }

  /** Not entitled, for {@code reason}. */
  public static Verdict refuse(String reason) {
    return new Verdict(Decision.REFUSE, requireNonNull(reason, "reason"), null);
  }

  /** Could not decide, for {@code reason}. */
  public static Verdict unknown(String reason) {
    return new Verdict(Decision.UNKNOWN, requireNonNull(reason, "reason"), null);
  }

  /** The answer. */
  public Decision decision() {
    return decision;
  }

  /** Whether the answer is {@link Decision#ALLOW}. */
  public boolean isAllowed() {
    return decision == Decision.ALLOW;
  }

  /** Why, in words. */
  public String reason() {
    return reason;
  }

  /** Until when an allow verdict stays true; empty if it must not be cached. */
  public Optional<Instant> validUntil() {
    return Optional.ofNullable(validUntil);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Verdict that)) {
      return false;
    }
    return decision == that.decision
        && reason.equals(that.reason)
        && Objects.equals(validUntil, that.validUntil);
  }

  @Override
  public int hashCode() {
    return Objects.hash(decision, reason, validUntil);
  }

  @Override
  public String toString() {
    return decision + "(" + reason + (validUntil == null ? "" : ", until " + validUntil) + ")";
  }
}
