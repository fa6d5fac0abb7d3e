package io.c2d.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What one run of the ocean.js client printed: its steps, each a JSON object named by its "step"
 * field and holding what ocean.js returned, threw or logged there, and its stderr (every request
 * ocean.js sent with the status it got). {@link #describe()} goes into every failure message, so
 * that a failure shows the endpoint and the answer.
 */
record OceanJsRun(
    String command, int exitCode, List<JsonNode> steps, String stdout, String stderr) {
  /** The first step named {@code name}; fails the test with this run's output if there is none. */
  JsonNode step(String name) {
    return steps.stream()
        .filter(step -> name.equals(step.path("step").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no step " + name + " in\n" + describe()));
  }

  /** Every step named {@code name}, in order. */
  List<JsonNode> all(String name) {
    return steps.stream().filter(step -> name.equals(step.path("step").asText())).toList();
  }

  /** Fails the test unless the flow ran to its end (exit code 0 and a {@code done} step). */
  OceanJsRun assertDone() {
    if (exitCode != 0 || all("done").isEmpty()) {
      throw new AssertionError("the ocean.js flow did not run to its end\n" + describe());
    }
    return this;
  }

  String describe() {
    return describe(command, exitCode, stdout, stderr);
  }

  static String describe(String command, int exitCode, String stdout, String stderr) {
    return "$ "
        + command
        + "\nexit code: "
        + exitCode
        + "\n--- stdout (what ocean.js returned) ---\n"
        + stdout
        + "--- stderr (ocean.js's requests and logs) ---\n"
        + tail(stderr, 20_000);
  }

  private static String tail(String text, int max) {
    return text.length() <= max ? text : "..." + text.substring(text.length() - max);
  }
}
