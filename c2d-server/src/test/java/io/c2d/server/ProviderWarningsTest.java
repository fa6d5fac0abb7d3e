package io.c2d.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.ComputeEngine;
import io.c2d.spi.agreement.ServiceAgreementVerifierProvider;
import io.c2d.spi.auth.ConsumerAuthenticatorProvider;
import io.c2d.spi.backend.ComputeBackendProvider;
import io.c2d.spi.publish.DerivedAssetPublisherProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every provider on this class path (c2d-server's, both backends', c2d-keeper's, the testkit's)
 * says whether it is for development and tests only, and the engine warns once when one is chosen.
 */
final class ProviderWarningsTest {

  @Test
  void exactlyTheTestOnlyProvidersWarn() {
    Map<String, Optional<String>> warnings = new TreeMap<>();
    collect(warnings, "backend ", ComputeBackendProvider.class, p -> p.name(), p -> p.warning());
    collect(
        warnings,
        "verifier ",
        ServiceAgreementVerifierProvider.class,
        p -> p.name(),
        p -> p.warning());
    collect(
        warnings,
        "authenticator ",
        ConsumerAuthenticatorProvider.class,
        p -> p.name(),
        p -> p.warning());
    collect(
        warnings,
        "publisher ",
        DerivedAssetPublisherProvider.class,
        p -> p.name(),
        p -> p.warning());
    Set<String> testOnly =
        Set.of(
            "backend embedded",
            "backend in-memory",
            "verifier allow-all",
            "verifier demo-allow-all");

    assertThat(warnings)
        .containsKeys("backend docker", "backend k8s", "verifier ocean-orders", "verifier keeper")
        .containsKeys("authenticator web3j")
        .containsKeys(testOnly.toArray(String[]::new));
    assertThat(warnings.get("backend embedded"))
        .hasValueSatisfying(w -> assertThat(w).contains("not a sandbox"));
    assertThat(warnings.get("backend in-memory"))
        .hasValueSatisfying(w -> assertThat(w).contains("runs nothing"));
    assertThat(warnings.get("verifier allow-all"))
        .hasValueSatisfying(w -> assertThat(w).contains("no on-chain check"));
    assertThat(warnings.get("verifier demo-allow-all"))
        .hasValueSatisfying(w -> assertThat(w).contains("no on-chain check"));
    warnings.keySet().removeAll(testOnly);
    assertThat(warnings)
        .as("the production providers")
        .allSatisfy((name, warning) -> assertThat(warning).as(name).isEmpty());
  }

  @Test
  void theEngineLogsOneWarnPerTestOnlyProviderItSelects() {
    // slf4j-simple (this module's binding) writes to whatever System.err is when it logs
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      ComputeEngine.builder()
          .properties(
              Map.of(
                  "c2d.backend", "in-memory",
                  "c2d.verifier", "demo-allow-all",
                  "c2d.authenticator", "web3j",
                  "c2d.chain-id", "8996",
                  "c2d.provider-address", "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"))
          .build()
          .close();
    } finally {
      System.setErr(original);
    }

    String logged = captured.toString(StandardCharsets.UTF_8);
    assertThat(
            Pattern.compile("WARN.*c2d\\.verifier=demo-allow-all .*no on-chain check")
                .matcher(logged)
                .results())
        .as(logged)
        .hasSize(1);
    assertThat(
            Pattern.compile("WARN.*c2d\\.backend=in-memory .*runs nothing")
                .matcher(logged)
                .results())
        .as(logged)
        .hasSize(1);
    assertThat(logged).doesNotContain("c2d.authenticator=web3j");
  }

  private static <P> void collect(
      Map<String, Optional<String>> warnings,
      String prefix,
      Class<P> type,
      Function<P, String> nameOf,
      Function<P, Optional<String>> warningOf) {
    for (P provider : ServiceLoader.load(type)) {
      warnings.put(prefix + nameOf.apply(provider), warningOf.apply(provider));
    }
  }
}
