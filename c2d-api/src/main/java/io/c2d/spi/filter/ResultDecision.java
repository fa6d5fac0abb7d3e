package io.c2d.spi.filter;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link ResultFilter} decides for one result: release it, withhold it, redact it (serve a
 * replacement instead) or hold it for the publisher's review.
 *
 * <p>The {@link #reason()} is shown to the consumer (in the job's detail and in {@code
 * publish.log}): it names the rule, never the withheld content. A chain combines its filters'
 * decisions per result, the strictest winning: withhold, then review, then redact, then release.
 *
 * <p>Immutable and thread-safe.
 */
public final class ResultDecision {
  private static final ResultDecision RELEASE = new ResultDecision(Action.RELEASE, "", null);
  private static final int MAX_REASON = 500;

  private final Action action;
  private final String reason;
  private final @Nullable ContentSource replacement;

  private ResultDecision(Action action, String reason, @Nullable ContentSource replacement) {
    this.action = action;
    this.reason = reason;
    this.replacement = replacement;
  }

  /** The result goes to the consumer unchanged. */
  public static ResultDecision release() {
    return RELEASE;
  }

  /**
   * The result is never served; the consumer learns {@code reason}.
   *
   * @throws IllegalArgumentException if {@code reason} is blank or longer than 500 characters
   */
  public static ResultDecision withhold(String reason) {
    return new ResultDecision(Action.WITHHOLD, checkReason(reason), null);
  }

  /**
   * The consumer gets {@code replacement} instead of the result, and learns {@code reason} (such as
   * "2 rows with a count below 5 suppressed"). The engine reads the replacement once, after {@link
   * ResultFilter#check} returns and before the next filter of the chain runs, and keeps it; later
   * filters see the replacement.
   *
   * @throws IllegalArgumentException if {@code reason} is blank or longer than 500 characters
   */
  public static ResultDecision redact(String reason, ContentSource replacement) {
    return new ResultDecision(
        Action.REDACT, checkReason(reason), requireNonNull(replacement, "replacement"));
  }

  /**
   * The result waits for the publisher's review; the consumer learns {@code reason} while it waits.
   * For an asset without review this withholds the result.
   *
   * @throws IllegalArgumentException if {@code reason} is blank or longer than 500 characters
   */
  public static ResultDecision review(String reason) {
    return new ResultDecision(Action.REVIEW, checkReason(reason), null);
  }

  /** What to do with the result. */
  public Action action() {
    return action;
  }

  /** Why, as the consumer reads it; empty for a release. */
  public String reason() {
    return reason;
  }

  /** The replacement content of a {@link Action#REDACT}; empty otherwise. */
  public Optional<ContentSource> replacement() {
    return Optional.ofNullable(replacement);
  }

  @Override
  public String toString() {
    return reason.isEmpty() ? action.name() : action + "(" + reason + ")";
  }

  private static String checkReason(String reason) {
    requireNonNull(reason, "reason");
    if (reason.isBlank()) {
      throw new IllegalArgumentException("a reason must not be blank");
    }
    if (reason.length() > MAX_REASON) {
      throw new IllegalArgumentException(
          "a reason is at most " + MAX_REASON + " characters but was " + reason.length());
    }
    return reason.strip();
  }

  /** The four decisions, from the mildest to the strictest. */
  public enum Action {
    /** Serve the result unchanged. */
    RELEASE,
    /** Serve a replacement instead, saying so. */
    REDACT,
    /** Hold the result until the publisher releases, redacts or rejects it. */
    REVIEW,
    /** Never serve the result. */
    WITHHOLD
  }
}
