package io.c2d.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.c2d.C2dException;
import io.c2d.InvalidRequestException;
import io.c2d.ocean.OceanDdo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing (Jazzer) of the readers of a publisher's asset directory: a DDO ({@link
 * OceanDdo#parse}) and the files document beside it ({@link OceanDdo#readServiceFiles}). A DDO is
 * the publisher's, but it may come from an indexer or another party's publication, so the only
 * acceptable refusal is a {@link C2dException}; any other exception fails the target. Corpus:
 * {@code src/test/resources/io/c2d/fuzz/OceanDdoFuzzTestInputs/}.
 */
final class OceanDdoFuzzTest {
  private static final Path ROOT = Path.of("/srv/assets");

  @FuzzTest
  void ddo(byte[] input) {
    try {
      OceanDdo ddo = OceanDdo.parse(new String(input, StandardCharsets.UTF_8));
      for (OceanDdo.Service service : ddo.services()) {
        if (ddo.service(service.id()).isEmpty()) {
          throw new IllegalStateException("service " + service.id() + " cannot be found by id");
        }
      }
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }

  @FuzzTest
  void serviceFiles(byte[] input) {
    try {
      OceanDdo.readServiceFiles(
          new String(input, StandardCharsets.UTF_8), OceanDdoFuzzTest::insideRoot);
    } catch (C2dException expected) {
      // a typed refusal is the contract
    }
  }

  /** A stand-in for the provider's resolver: lexical only, as the fuzzer must not touch files. */
  private static Path insideRoot(String path) {
    if (path.isEmpty() || path.startsWith("/") || path.contains("..") || path.indexOf('\0') >= 0) {
      throw new InvalidRequestException("file.path", "is not inside the asset directory");
    }
    return ROOT.resolve(path).normalize();
  }
}
