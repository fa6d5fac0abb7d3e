package io.c2d;

/** Guards that each exception type is only ever built with the codes it documents. */
final class Codes {
  private Codes() {}

  static ErrorCode require(ErrorCode code, ErrorCode... allowed) {
    for (ErrorCode candidate : allowed) {
      if (candidate == code) {
        return code;
      }
    }
    throw new IllegalArgumentException("error code " + code + " does not belong to this exception");
  }
}
