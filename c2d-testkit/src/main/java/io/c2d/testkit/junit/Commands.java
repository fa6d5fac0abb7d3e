package io.c2d.testkit.junit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command of the test machine ({@code docker info}, an image build script) the way the
 * {@link RealPart}s and the tests that drive real parts do. Thread-safe; stateless.
 */
public final class Commands {
  private Commands() {}

  /**
   * Runs {@code command} with an empty stdin, waiting at most {@code limit}; never throws for a
   * command that fails, is missing or times out (its {@link Result} says so, with code -1).
   */
  public static Result run(List<String> command, Duration limit) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      byte[] out;
      try (InputStream in = process.getInputStream()) {
        out = in.readAllBytes();
      }
      if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        return new Result(-1, "timed out after " + limit + ": " + command);
      }
      return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  /**
   * What a command did.
   *
   * @param code its exit code, or -1 if it could not run or timed out
   * @param output its stdout and stderr together
   */
  public record Result(int code, String output) {
    /** Whether it exited 0. */
    public boolean ok() {
      return code == 0;
    }
  }
}
