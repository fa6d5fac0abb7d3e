package io.c2d.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.c2d.C2dException;
import io.c2d.model.ContainerSpec;
import io.c2d.model.FileLocator;
import io.c2d.ocean.OceanJson;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Coverage-guided fuzzing (Jazzer) of the Ocean JSON readers, which take request and response
 * bodies from outside: whatever the bytes, a reader accepts them or refuses them with a {@link
 * C2dException}; any other exception fails the target. A plain {@code verify} replays the committed
 * corpus under {@code src/test/resources/io/c2d/fuzz/OceanJsonFuzzTestInputs/}; the {@code fuzz}
 * profile fuzzes (README, "Fuzzing").
 */
final class OceanJsonFuzzTest {
  private static final ContainerSpec PUBLISHED =
      ContainerSpec.of("oceanprotocol/algo_dockers", "python-branin", "python $ALGO");

  @FuzzTest
  void startRequest(byte[] input) {
    String json = new String(input, StandardCharsets.UTF_8);
    try {
      OceanJson.parseStartRequest(json).build();
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
    try {
      OceanJson.parseStartRequest(json, did -> Optional.of(PUBLISHED)).build();
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }

  @FuzzTest
  void statusList(byte[] input) {
    try {
      OceanJson.readStatusList(new String(input, StandardCharsets.UTF_8));
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }

  @FuzzTest
  void resultsList(byte[] input) {
    try {
      OceanJson.readResultsList(new String(input, StandardCharsets.UTF_8));
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }

  @FuzzTest
  void fileObjects(byte[] input) {
    String json = new String(input, StandardCharsets.UTF_8);
    try {
      for (FileLocator locator : OceanJson.readFileObjects(json)) {
        // What was read is written and read back equal, and its redacted form never fails.
        if (!OceanJson.readFileObject(OceanJson.writeFileObject(locator)).equals(locator)) {
          throw new IllegalStateException("a file object does not round-trip: " + locator);
        }
        locator.redacted();
      }
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }
}
