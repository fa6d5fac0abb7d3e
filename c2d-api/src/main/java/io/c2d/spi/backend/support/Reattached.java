package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

/** Where a job's algorithm stands after a restart ({@link Sandbox#reattach}). Immutable. */
public final class Reattached {
  enum Kind {
    RUNNING,
    ENDED,
    NEVER_RAN,
    GONE
  }

  final Kind kind;
  final String detail;

  private Reattached(Kind kind, String detail) {
    this.kind = kind;
    this.detail = requireNonNull(detail, "detail");
  }

  /** It still runs, and the sandbox tracks it again. */
  public static Reattached running() {
    return new Reattached(Kind.RUNNING, "");
  }

  /** It ended while nobody watched; {@link Sandbox#watch} finds how. */
  public static Reattached ended() {
    return new Reattached(Kind.ENDED, "");
  }

  /**
   * It never started, and nothing of it can run any more: the job is run again from the start,
   * after {@link Sandbox#discard} removed what the interrupted attempt left.
   */
  public static Reattached neverRan() {
    return new Reattached(Kind.NEVER_RAN, "");
  }

  /** It is gone without a trace of how it ended: the job fails with {@code detail}. */
  public static Reattached gone(String detail) {
    return new Reattached(Kind.GONE, detail);
  }

  @Override
  public String toString() {
    return kind + (detail.isEmpty() ? "" : ": " + detail);
  }
}
