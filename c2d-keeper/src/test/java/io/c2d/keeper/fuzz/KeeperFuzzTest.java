package io.c2d.keeper.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.c2d.C2dException;
import io.c2d.keeper.ChainSettings;
import io.c2d.keeper.ServiceDirectory;
import io.c2d.spi.ProviderConfig;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Coverage-guided fuzzing (Jazzer) of the on-chain module's readers of outside input: a DDO's order
 * terms ({@link ServiceDirectory.Builder#ddo}), the chain settings ({@link
 * ChainSettings#fromConfig}) and the configured services ({@link ServiceDirectory#fromConfig}),
 * from the provider's properties. The only acceptable refusal is a {@link C2dException}; any other
 * exception fails the target. Corpus: {@code
 * src/test/resources/io/c2d/keeper/fuzz/KeeperFuzzTestInputs/}.
 */
final class KeeperFuzzTest {

  @FuzzTest
  void ddo(byte[] input) {
    try {
      ServiceDirectory.builder().ddo(new String(input, StandardCharsets.UTF_8)).build();
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }

  @FuzzTest
  void chainSettings(FuzzedDataProvider data) {
    Map<String, String> properties = new LinkedHashMap<>();
    for (String key :
        new String[] {"rpc-url", "chain-id", "confirmations", "rpc-timeout", "provider-address"}) {
      if (data.consumeBoolean()) {
        properties.put(ChainSettings.PREFIX + key, data.consumeString(60));
      }
    }
    properties.put(ChainSettings.PREFIX + data.consumeString(20), data.consumeRemainingAsString());
    try {
      ChainSettings.fromConfig(ProviderConfig.of(properties));
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }

  @FuzzTest
  void serviceConfig(FuzzedDataProvider data) {
    Map<String, String> properties = new LinkedHashMap<>();
    int services = data.consumeInt(0, 3);
    for (int n = 0; n < services; n++) {
      String prefix = "c2d.keeper.services." + data.consumeString(8) + ".";
      for (String key : new String[] {"did", "service-id", "datatoken", "index", "timeout"}) {
        if (data.consumeBoolean()) {
          properties.put(prefix + key, data.consumeString(80));
        }
      }
    }
    properties.put(
        "c2d.keeper.services." + data.consumeString(30), data.consumeRemainingAsString());
    try {
      ServiceDirectory.fromConfig(ProviderConfig.of(properties), "c2d.keeper.");
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }
}
