package io.c2d.server.assets;

import static io.c2d.server.assets.AssetDirectoryTest.ALGORITHM;
import static io.c2d.server.assets.AssetDirectoryTest.DATASET;
import static io.c2d.server.assets.AssetDirectoryTest.UNKNOWN;
import static io.c2d.server.assets.AssetDirectoryTest.algorithmDdo;
import static io.c2d.server.assets.AssetDirectoryTest.datasetDdo;
import static io.c2d.server.assets.AssetDirectoryTest.edit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.ConfigurationException;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.model.FileLocator;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory of DDO files: what it reads, every invalid file it refuses naming the file and the
 * field, and every way a path could lead the provider outside the directory.
 */
final class AssetFolderTest {
  private static final String DATASET_FILES =
      "{\"compute\": [{\"type\": \"file\", \"path\": \"data/sales.csv\"},"
          + " {\"type\": \"url\", \"url\": \"https://127.0.0.1:8443/b.csv\","
          + " \"method\": \"POST\", \"headers\": {\"X-Key\": \"k\"}}]}";

  @TempDir Path temp;
  private Path dir;
  private Path outside;

  @BeforeEach
  void layOut() throws IOException {
    dir = Files.createDirectories(temp.resolve("assets"));
    outside = Files.writeString(temp.resolve("secret.txt"), "not the publisher's to give");
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("data/sales.csv"), "region,units\nnorth,1\n");
    Files.createDirectories(dir.resolve("algorithms"));
    Files.writeString(dir.resolve("algorithms/sum.sh"), "echo sum\n");
    Files.writeString(dir.resolve("sales.json"), datasetDdo(DATASET));
    Files.writeString(dir.resolve("sales.files.json"), DATASET_FILES);
    Files.writeString(dir.resolve("sum.json"), algorithmDdo(ALGORITHM));
    // Ocean's decrypted files object is accepted as well as a bare array
    Files.writeString(
        dir.resolve("sum.files.json"),
        "{\"access\": {\"nftAddress\": \"0x"
            + "aa".repeat(20)
            + "\","
            + " \"files\": [{\"type\": \"file\", \"path\": \"algorithms/sum.sh\"}]}}");
    Files.writeString(dir.resolve("notes.txt"), "not an asset");
    Files.writeString(dir.resolve(".hidden.json"), "{");
  }

  @Test
  void readsEachDdoWithItsFilesResolvedInsideTheDirectory() throws IOException {
    AssetFolder folder = AssetDirectory.fromDirectory(dir);

    assertThat(folder.size()).isEqualTo(2);
    assertThat(folder.directory()).isEqualTo(dir.toRealPath());
    assertThat(folder.find(UNKNOWN)).isEmpty();
    AssetService compute = folder.computeService(DATASET, "compute");
    assertThat(compute.asset().ddo().json()).isEqualTo(datasetDdo(DATASET));
    assertThat(compute.files())
        .containsExactly(
            FileLocator.file(dir.toRealPath().resolve("data/sales.csv")),
            FileLocator.urlBuilder(URI.create("https://127.0.0.1:8443/b.csv"))
                .method("POST")
                .header("X-Key", "k")
                .build());
    assertThat(
            folder
                .resolve(
                    io.c2d.model.Algorithm.published(
                            ALGORITHM, "access", AssetDirectoryTest.CONTAINER)
                        .build())
                .files())
        .containsExactly(dir.toRealPath().resolve("algorithms/sum.sh").toUri());
  }

  @Test
  void reloadServesWhatTheDirectoryHoldsNowAndKeepsTheOldOnAProblem() throws IOException {
    AssetFolder folder = AssetDirectory.fromDirectory(dir);
    Files.delete(dir.resolve("sum.json"));
    Files.delete(dir.resolve("sum.files.json"));

    assertThat(folder.reload()).isEqualTo(1);
    assertThat(folder.find(ALGORITHM)).isEmpty();

    Files.writeString(dir.resolve("sum.json"), "{");
    assertInvalid(folder::reload, "sum.json", "body");
    assertThat(folder.find(DATASET)).isPresent();
    assertThat(folder.size()).isEqualTo(1);
  }

  @Test
  void aMalformedDdoIsRefusedNamingTheFileAndTheField() throws IOException {
    Files.writeString(dir.resolve("sum.json"), "{\"id\": ");
    assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sum.json", "body");

    Files.writeString(dir.resolve("sum.json"), edit(algorithmDdo(ALGORITHM), d -> d.remove("id")));
    assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sum.json", "id");

    Files.writeString(
        dir.resolve("sum.json"),
        edit(algorithmDdo(ALGORITHM), d -> d.withObjectProperty("metadata").remove("algorithm")));
    assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sum.json", "metadata.algorithm");

    Files.write(dir.resolve("sum.json"), new byte[] {'{', (byte) 0xff, '}'});
    assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sum.json", null);
  }

  @Test
  void aDidThatIsNotTheNftsIsRefused() throws IOException {
    Files.writeString(
        dir.resolve("sum.json"),
        edit(
            algorithmDdo(ALGORITHM),
            d -> d.put("nftAddress", "0x" + "aa".repeat(20)).put("chainId", 8996)));
    assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sum.json", "id");
  }

  @Test
  void aServiceWithoutFilesIsRefusedNamingTheFilesDocument() throws IOException {
    Files.delete(dir.resolve("sales.files.json"));
    assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sales.files.json", "compute");

    Files.writeString(dir.resolve("sales.files.json"), "{\"compute\": []}");
    assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sales.files.json", "compute");

    Files.writeString(
        dir.resolve("sales.files.json"),
        "{\"compute\": [{\"type\": \"file\", \"path\": \"data/sales.csv\"}], \"nope\": []}");
    assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sales.files.json", "nope");

    Files.writeString(dir.resolve("sales.files.json"), "{\"compute\": [{\"type\": \"ftp\"}]}");
    assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sales.files.json", "compute[0].type");

    Files.writeString(dir.resolve("sales.files.json"), "[]");
    assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sales.files.json", "body");
  }

  @Test
  void twoDdosWithOneDidAreRefusedNamingBoth() throws IOException {
    Files.writeString(dir.resolve("copy.json"), datasetDdo(DATASET));
    Files.writeString(dir.resolve("copy.files.json"), DATASET_FILES);

    assertThatThrownBy(() -> AssetDirectory.fromDirectory(dir))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll("copy.json", "sales.json", DATASET.value());
  }

  @Test
  void aFilesDocumentWithoutItsDdoIsRefused() throws IOException {
    Files.writeString(dir.resolve("lost.files.json"), DATASET_FILES);

    assertThatThrownBy(() -> AssetDirectory.fromDirectory(dir))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll("lost.files.json", "lost.json");
  }

  @Test
  void aPathThatClimbsOutOfTheDirectoryIsRefused() throws IOException {
    for (String path :
        new String[] {
          "../secret.txt",
          "data/../../secret.txt",
          "data/../data/sales.csv",
          "..",
          outside.toString()
        }) {
      Files.writeString(dir.resolve("sales.files.json"), filesOf(path));
      assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sales.files.json", "compute[0].path");
    }
  }

  @Test
  void aSymbolicLinkOutOfTheDirectoryIsRefusedAndOneInsideIsFollowed() throws IOException {
    Files.createSymbolicLink(dir.resolve("data/leak.csv"), outside);
    Files.writeString(dir.resolve("sales.files.json"), filesOf("data/leak.csv"));
    assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sales.files.json", "compute[0].path");

    Files.createSymbolicLink(dir.resolve("up"), temp);
    Files.writeString(dir.resolve("sales.files.json"), filesOf("up/secret.txt"));
    assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sales.files.json", "compute[0].path");

    Files.createSymbolicLink(dir.resolve("data/alias.csv"), dir.resolve("data/sales.csv"));
    Files.writeString(dir.resolve("sales.files.json"), filesOf("data/alias.csv"));
    assertThat(AssetDirectory.fromDirectory(dir).computeService(DATASET, "compute").files())
        .containsExactly(FileLocator.file(dir.toRealPath().resolve("data/sales.csv")));
  }

  @Test
  void aDdoFileThatLinksOutOfTheDirectoryIsRefused() throws IOException {
    Path elsewhere = Files.writeString(temp.resolve("elsewhere.json"), algorithmDdo(UNKNOWN));
    Files.createSymbolicLink(dir.resolve("linked.json"), elsewhere);

    assertThatThrownBy(() -> AssetDirectory.fromDirectory(dir))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContainingAll("linked.json", "symbolic link");
  }

  @Test
  void aMissingOrNonRegularFileIsRefused() throws IOException {
    Files.writeString(dir.resolve("sales.files.json"), filesOf("data/none.csv"));
    assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sales.files.json", "compute[0].path");

    Files.writeString(dir.resolve("sales.files.json"), filesOf("data"));
    assertInvalid(() -> AssetDirectory.fromDirectory(dir), "sales.files.json", "compute[0].path");
  }

  @Test
  void aMissingDirectoryIsAConfigurationError() {
    assertThatThrownBy(() -> AssetDirectory.fromDirectory(temp.resolve("none")))
        .isInstanceOfSatisfying(
            ConfigurationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION_INVALID))
        .hasMessageContaining("none");
    assertThatThrownBy(() -> AssetDirectory.fromDirectory(outside))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("not a directory");
  }

  private static String filesOf(String path) {
    return AssetDirectoryTest.JSON
        .createObjectNode()
        .set(
            "compute",
            AssetDirectoryTest.JSON
                .createArrayNode()
                .add(
                    AssetDirectoryTest.JSON
                        .createObjectNode()
                        .put("type", "file")
                        .put("path", path)))
        .toString();
  }

  /**
   * Asserts a {@link ConfigurationException} whose message names {@code file} and whose cause, an
   * {@link InvalidRequestException}, names {@code field} (unless null).
   */
  private static void assertInvalid(Runnable call, String file, String field) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            ConfigurationException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION_INVALID);
              assertThat(e.getMessage()).contains(": " + file + ": ");
              if (field != null) {
                assertThat(e.getMessage()).contains(file + ": " + field + ": ");
                assertThat(e.getCause()).isInstanceOf(InvalidRequestException.class);
              }
            });
  }
}
