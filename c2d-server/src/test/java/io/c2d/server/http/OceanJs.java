package io.c2d.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.c2d.testkit.junit.RealPart;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Node.js (18 or newer) and the build's install of the unmodified ocean.js client ({@code
 * @oceanprotocol/lib} {@value OceanJsClient#OCEAN_JS_VERSION}, {@code npm ci} into {@link
 * OceanJsClient#DIRECTORY}), for {@code @Requires}: in CI ({@code CI=true}) their absence FAILS
 * the test ({@code .ci/run} installs node and npm; the build runs {@code npm ci}).
 */
final class OceanJs implements RealPart {
  @Override
  public String name() {
    return "node and @oceanprotocol/lib " + OceanJsClient.OCEAN_JS_VERSION;
  }

  @Override
  public String remedy() {
    return ".ci/run installs node and npm; the build runs `npm ci` in " + OceanJsClient.DIRECTORY;
  }

  @Override
  public @Nullable String problem() {
    String version;
    try {
      Process node =
          new ProcessBuilder(List.of("node", "--version")).redirectErrorStream(true).start();
      node.getOutputStream().close();
      version = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!node.waitFor(30, TimeUnit.SECONDS) || node.exitValue() != 0) {
        return "`node --version` failed: " + version;
      }
    } catch (IOException e) {
      return "node is not on the PATH (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
    int major;
    try {
      major = Integer.parseInt(version.replaceFirst("^v(\\d+)\\..*$", "$1"));
    } catch (NumberFormatException e) {
      return "cannot read node's version from `" + version + "`";
    }
    if (major < 18) {
      return "node " + version + " is older than ocean.js needs (18)";
    }
    Path packageJson =
        OceanJsClient.DIRECTORY.resolve("node_modules/@oceanprotocol/lib/package.json");
    if (!Files.isRegularFile(packageJson)) {
      return packageJson + " is missing (the build's `npm ci` did not run)";
    }
    try {
      String installed = new ObjectMapper().readTree(packageJson.toFile()).path("version").asText();
      if (!OceanJsClient.OCEAN_JS_VERSION.equals(installed)) {
        return "@oceanprotocol/lib "
            + installed
            + " is installed, not "
            + OceanJsClient.OCEAN_JS_VERSION;
      }
    } catch (IOException e) {
      return "cannot read " + packageJson + ": " + e.getMessage();
    }
    return null;
  }
}
