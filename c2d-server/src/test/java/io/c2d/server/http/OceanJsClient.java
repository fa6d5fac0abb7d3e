package io.c2d.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the unmodified ocean.js client against a provider: {@code oceanjs-client.mjs} in {@link
 * #DIRECTORY}, one Node.js process per flow, which calls ocean.js's public API and prints what
 * ocean.js returned, threw or logged as JSON lines ({@link OceanJsRun}). The flows and their
 * options are documented at the top of the script. Not thread-safe per instance; each run is its
 * own process.
 */
final class OceanJsClient {
  /** The ocean.js version the build installs ({@code package.json}, exact). */
  static final String OCEAN_JS_VERSION = "8.6.2";

  /**
   * The npm project of the client scripts; the build's {@code npm ci} fills its node_modules. The
   * tests run in the module directory; a run from elsewhere names it with {@code c2d.oceanjs.dir}.
   */
  static final Path DIRECTORY =
      Path.of(System.getProperty("c2d.oceanjs.dir", "src/test/oceanjs")).toAbsolutePath();

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI provider;

  OceanJsClient(URI provider) {
    this.provider = provider;
  }

  /**
   * Runs {@code flow} with {@code options} (name → value, {@code --} added), waiting at most {@code
   * timeout}; a run that outlives it is killed and fails the test with what it printed.
   */
  OceanJsRun run(String flow, Map<String, String> options, Duration timeout)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("node", "oceanjs-client.mjs", flow));
    Map<String, String> all = new LinkedHashMap<>();
    all.put("provider", provider.toString());
    all.putAll(options);
    all.put("timeout-seconds", Long.toString(Math.max(1, timeout.toSeconds() - 10)));
    all.forEach(
        (name, value) -> {
          command.add("--" + name);
          command.add(value);
        });
    Path stdout = Files.createTempFile("oceanjs-", ".out");
    Path stderr = Files.createTempFile("oceanjs-", ".err");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(DIRECTORY.toFile())
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile());
      // ocean.js POSTs every started job to this URL when it is set: never from a test
      builder.environment().remove("INCENTIVE_BACKEND_URL");
      Process process = builder.start();
      process.getOutputStream().close();
      boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!exited) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      String out = Files.readString(stdout, StandardCharsets.UTF_8);
      String err = Files.readString(stderr, StandardCharsets.UTF_8);
      String shown = redacted(command, options);
      if (!exited) {
        throw new AssertionError(
            "ocean.js flow "
                + flow
                + " did not end within "
                + timeout
                + "\n"
                + OceanJsRun.describe(shown, -1, out, err));
      }
      return new OceanJsRun(shown, process.exitValue(), parse(out, shown, err), out, err);
    } finally {
      Files.deleteIfExists(stdout);
      Files.deleteIfExists(stderr);
    }
  }

  private static List<JsonNode> parse(String out, String command, String err) {
    List<JsonNode> steps = new ArrayList<>();
    for (String line : out.split("\n", -1)) {
      if (line.isBlank()) {
        continue;
      }
      try {
        steps.add(JSON.readTree(line));
      } catch (IOException e) {
        throw new AssertionError(
            "ocean.js printed a line that is not JSON: "
                + line
                + "\n"
                + OceanJsRun.describe(command, -1, out, err),
            e);
      }
    }
    return steps;
  }

  /** The command line as shown in failure messages: private keys left out. */
  private static String redacted(List<String> command, Map<String, String> options) {
    String shown = String.join(" ", command);
    for (Map.Entry<String, String> option : options.entrySet()) {
      if (option.getKey().endsWith("key")) {
        shown = shown.replace(option.getValue(), "<" + option.getKey() + ">");
      }
    }
    return shown;
  }
}
