package io.c2d.model;

import static java.util.Objects.requireNonNull;

/**
 * What the publisher's result filters (and review) decided for one result of a job, as its owner
 * may read it: whether it is served, served redacted, withheld or waiting for review, and why. It
 * never says what withheld content was.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the result's name, as listed in {@link ComputeJob#results()}
 * @param kind the result's kind
 * @param state what was decided
 * @param reason why, as the consumer reads it; empty for a release
 */
public record ResultNotice(String name, ResultKind kind, State state, String reason) {

  /** Validates the notice. */
  public ResultNotice {
    JobResult.checkName(name);
    requireNonNull(kind, "kind");
    requireNonNull(state, "state");
    requireNonNull(reason, "reason");
  }

  /** Whether the result is served (as it is, or redacted). */
  public boolean served() {
    return state == State.RELEASED || state == State.REDACTED;
  }

  /** What the filters or the reviewer decided for a result. */
  public enum State {
    /** Served unchanged. */
    RELEASED,
    /** Served with a replacement content; the reason says what was changed. */
    REDACTED,
    /** Not served while the publisher reviews it. */
    PENDING_REVIEW,
    /** Never served. */
    WITHHELD
  }
}
