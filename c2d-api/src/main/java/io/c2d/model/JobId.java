package io.c2d.model;

import io.c2d.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The identifier of a compute job: 32 lower-case hexadecimal digits, the shape of Ocean's job ids.
 *
 * <p>The engine derives it from the owner and the request id ({@link #derive}), so a retried start
 * of the same request finds the same job, even after a restart, and can never start a second one.
 *
 * <p>Immutable and thread-safe.
 *
 * @param value 32 lower-case hex digits
 */
public record JobId(String value) {
  private static final int LENGTH = 32;

  /**
   * Validates the id.
   *
   * @throws InvalidRequestException ({@code field "jobId"}) if it is not 32 hex digits
   */
  public JobId {
    if (value == null) {
      throw new InvalidRequestException("jobId", "is missing");
    }
    String lower = Text.toLowerAscii(value);
    if (lower.length() != LENGTH || !Text.isHex(lower, 0)) {
      throw new InvalidRequestException(
          "jobId", "expected 32 hex digits but got '" + Text.abbreviate(value) + "'");
    }
    value = lower;
  }

  /** Parses a job id, such as one taken from a URL. */
  public static JobId of(String value) {
    return new JobId(value);
  }

  /**
   * The job id of the request {@code requestId} of {@code owner}: the first 128 bits of
   * SHA-256({@code owner || "\n" || requestId}).
   */
  public static JobId derive(EthAddress owner, String requestId) {
    MessageDigest sha256 = Sha256.newDigest();
    sha256.update(owner.value().getBytes(StandardCharsets.US_ASCII));
    sha256.update((byte) '\n');
    byte[] digest = sha256.digest(requestId.getBytes(StandardCharsets.UTF_8));
    return new JobId(HexFormat.of().formatHex(digest, 0, LENGTH / 2));
  }

  @Override
  public String toString() {
    return value;
  }
}
