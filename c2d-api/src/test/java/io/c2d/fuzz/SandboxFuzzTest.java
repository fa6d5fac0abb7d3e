package io.c2d.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.c2d.C2dException;
import io.c2d.model.ContainerSpec;
import io.c2d.spi.backend.support.SandboxContract;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of the start rule every backend applies to an algorithm's
 * entrypoint, a consumer's or a DDO's line ({@link SandboxContract#command}): whatever line the
 * model accepts ({@link ContainerSpec}, else a typed refusal) becomes a program and its arguments
 * without an exception, with no empty word, {@code $ALGO} replaced everywhere, and, but for the
 * script of {@code -c}, no white space inside a word. Corpus: {@code
 * src/test/resources/io/c2d/fuzz/SandboxFuzzTestInputs/}.
 */
final class SandboxFuzzTest {
  private static final SandboxContract CONTAINER = SandboxContract.container();
  private static final SandboxContract HOST = SandboxContract.of("/srv/c2d/job", "/tmp", "/tmp");

  @FuzzTest
  void command(byte[] input) {
    String entrypoint = new String(input, StandardCharsets.UTF_8);
    try {
      ContainerSpec.of("busybox", "stable", entrypoint);
    } catch (C2dException expected) {
      return;
    }
    for (SandboxContract contract : List.of(CONTAINER, HOST)) {
      List<String> command = contract.command(entrypoint);
      if (command.isEmpty()) {
        throw new IllegalStateException("no program for '" + entrypoint + "'");
      }
      boolean script = command.size() >= 2 && command.get(1).equals("-c");
      for (int i = 0; i < command.size(); i++) {
        String word = command.get(i);
        boolean isScript = script && i == 2;
        if (word.isEmpty() && !isScript) {
          throw new IllegalStateException("an empty word in " + command);
        }
        if (word.contains(SandboxContract.ALGO_MACRO) && !isScript) {
          throw new IllegalStateException("$ALGO left in " + command);
        }
        if (!isScript && word.chars().anyMatch(c -> c == ' ' || c == '\t' || c == '\n')) {
          throw new IllegalStateException("white space in the word '" + word + "'");
        }
      }
      if (command.size() > 3 && script) {
        throw new IllegalStateException("words after the script in " + command);
      }
    }
  }
}
