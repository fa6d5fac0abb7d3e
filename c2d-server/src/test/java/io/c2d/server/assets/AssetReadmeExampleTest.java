package io.c2d.server.assets;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.model.ComputeRequest;
import io.c2d.model.DatasetInput;
import io.c2d.model.Did;
import io.c2d.model.FileLocator;
import io.c2d.ocean.OceanJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "publisher's asset directory" example, compiled and run, and the README's copy kept
 * equal to the code between the markers.
 */
final class AssetReadmeExampleTest {
  @TempDir Path dir;

  @Test
  void theReadmesAssetDirectoryExampleRuns() throws IOException {
    Did did = AssetDirectoryTest.DATASET;
    String ddoJson = AssetDirectoryTest.datasetDdo(did);
    Path csv = Files.writeString(dir.resolve("sales.csv"), "region,units\n");
    SampleAssets.install(dir.resolve("assets"));
    Map<String, String> properties =
        Map.of("c2d.assets.dir", dir.resolve("assets").toString(), "c2d.backend", "docker");
    String body =
        """
        {"consumerAddress": "0x%s", "signature": "0x%s", "nonce": "1", "environment": "local",
         "datasets": [{"documentId": "%s", "serviceId": "compute"}],
         "algorithm": {"documentId": "%s", "serviceId": "access"}}
        """
            .formatted(
                "12".repeat(20),
                "00".repeat(65),
                SampleAssets.DATASET_DID.value(),
                SampleAssets.ALGORITHM_DID.value());

    // README:assets:start
    // in code: a DDO, and per service the locations of its files
    AssetDirectory assets =
        AssetDirectory.builder()
            .add(ddoJson, Map.of("compute", List.of(FileLocator.file(csv))))
            .build();

    // from a directory of DDO files, read at start and again on reload()
    AssetFolder folder = AssetDirectory.fromDirectory(dir.resolve("assets"));

    // from properties: c2d.assets.dir, or one dataset (c2d.assets.did, c2d.assets.files, ...)
    AssetDirectory configured = AssetDirectory.fromProperties(properties);

    // the sample dataset and algorithm, written into a directory and opened
    AssetFolder samples = SampleAssets.install(dir.resolve("samples"));

    // initializeCompute: the compute service's terms (policy, timeout, datatoken)
    AssetService service = assets.computeService(did, "compute");

    // computeStart: what the client named, completed with the DDOs and the files' locations
    ComputeRequest.Builder request = OceanJson.parseStartRequest(body, samples::containerOf);
    for (int i = 0; i < request.datasets().size(); i++) {
      request.setDataset(i, samples.resolve(request.datasets().get(i)));
    }
    request.algorithm(samples.resolve(request.algorithm().orElseThrow()));
    // README:assets:end

    assertThat(service.files()).containsExactly(FileLocator.file(csv));
    assertThat(folder.size()).isEqualTo(2);
    assertThat(configured.find(SampleAssets.DATASET_DID)).isPresent();
    DatasetInput dataset = request.datasets().get(0);
    assertThat(dataset.locators())
        .containsExactly(FileLocator.file(samples.directory().resolve("data/sales.csv")));
    assertThat(dataset.ddoJson()).isPresent();
    assertThat(request.algorithm().orElseThrow().files())
        .containsExactly(samples.directory().resolve("algorithms/aggregate.sh").toUri());
  }

  @Test
  void theReadmeShowsTheTestedExample() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int marker = readme.indexOf("<!-- snippet: assets");
    assertThat(marker).as("README has the assets snippet marker").isNotNegative();
    int start = readme.indexOf("```java\n", marker) + "```java\n".length();
    int end = readme.indexOf("```\n", start);

    assertThat(readme.substring(start, end)).isEqualTo(exampleSource());
  }

  /** The code between the markers, as the README shows it. */
  private static String exampleSource() throws IOException {
    String text =
        Files.readString(
            Path.of("src/test/java/io/c2d/server/assets/AssetReadmeExampleTest.java")
                .toAbsolutePath());
    int start = text.indexOf("// README:assets:start");
    int end = text.indexOf("    // README:assets:end");
    return text.substring(text.indexOf('\n', start) + 1, end);
  }
}
