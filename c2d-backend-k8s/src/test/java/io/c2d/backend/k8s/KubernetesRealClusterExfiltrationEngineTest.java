package io.c2d.backend.k8s;

import io.c2d.testkit.ExfiltrationScenario;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 end to end through the engine on the real Kubernetes node: a job whose algorithm takes
 * its input home (a whole copy, a gzipped and a base64 copy, a copy printed to its log) next to an
 * honest count passes the publisher's {@code input-copy} filter in status 50; the copies and the
 * log are withheld with their reason, which the consumer reads in the job's notices and in {@code
 * publish.log}, and the honest output is served unchanged ({@link ExfiltrationScenario}).
 */
@ExtendWith(RequiresKubeconfig.class)
final class KubernetesRealClusterExfiltrationEngineTest {
  @TempDir static Path dir;
  private static ExfiltrationScenario scenario;

  @BeforeAll
  static void start() {
    RealCluster.ensureImage();
    scenario =
        ExfiltrationScenario.withEngine(
            dir,
            environment ->
                RealCluster.backend(environment, dir.resolve("results"))
                    .transferTimeout(Duration.ofMinutes(3))
                    .build());
  }

  @AfterAll
  static void stop() {
    if (scenario != null) {
      scenario.close();
    }
  }

  @Test
  void copiesAreWithheldWithTheirReasonAndAnHonestCountIsReleased() throws Exception {
    scenario.copiesAreWithheldAndAnHonestCountIsReleased(
        RealCluster.container("sh $ALGO"), Duration.ofMinutes(4));
  }
}
