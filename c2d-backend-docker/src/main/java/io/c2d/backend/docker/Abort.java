package io.c2d.backend.docker;

/**
 * Thrown inside a job's staging task to end it: the job was stopped, timed out, deleted or the
 * backend closed, and whatever had to be reported was reported. Carries no stack trace.
 */
final class Abort extends Exception {
  private static final long serialVersionUID = 1L;

  Abort() {
    super(null, null, false, false);
  }
}
