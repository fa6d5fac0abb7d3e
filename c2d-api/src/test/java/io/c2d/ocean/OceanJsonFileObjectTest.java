package io.c2d.ocean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.InvalidRequestException;
import io.c2d.model.FileLocator;
import io.c2d.model.Sha256;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class OceanJsonFileObjectTest {
  private static final String CID = "QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco";

  @Test
  void readsOceansUrlObjectWithMethodAndHeaders() {
    FileLocator locator =
        OceanJson.readFileObject(
            "{\"type\":\"url\",\"url\":\"https://127.0.0.1/a.csv\",\"method\":\"POST\","
                + "\"headers\":{\"Authorization\":\"Bearer t\"},\"index\":0}");

    assertThat(locator)
        .isEqualTo(
            FileLocator.urlBuilder(URI.create("https://127.0.0.1/a.csv"))
                .method("POST")
                .header("Authorization", "Bearer t")
                .build());
  }

  @Test
  void readsOceanNodesArrayOfHeaders() {
    FileLocator locator =
        OceanJson.readFileObject(
            "{\"type\":\"url\",\"url\":\"http://127.0.0.1/a\",\"method\":\"GET\","
                + "\"headers\":[{\"A\":\"1\"},{\"B\":\"2\"}]}");

    assertThat(locator.headers()).containsExactly(Map.entry("A", "1"), Map.entry("B", "2"));
  }

  @Test
  void readsAServicesFilesDocumentOfEveryKind() {
    List<FileLocator> locators =
        OceanJson.readFileObjects(
            "{\"nftAddress\":\"0x1\",\"datatokenAddress\":\"0x2\",\"files\":["
                + "{\"type\":\"ipfs\",\"hash\":\""
                + CID
                + "\"},"
                + "{\"type\":\"arweave\",\"transactionId\":\"abc_-1\"},"
                + "{\"type\":\"file\",\"path\":\"/data/a.csv\",\"size\":12,"
                + "\"sha256\":\""
                + "ab".repeat(32)
                + "\"},"
                + "{\"type\":\"pvc\",\"claim\":\"datasets\",\"path\":\"x/a.csv\"}]}");

    assertThat(locators)
        .containsExactly(
            FileLocator.ipfs(CID),
            FileLocator.arweave("abc_-1"),
            FileLocator.file(Path.of("/data/a.csv"))
                .withExpectedSize(12)
                .withSha256(Sha256.of("ab".repeat(32))),
            FileLocator.pvc("datasets", "x/a.csv"));
    assertThat(OceanJson.readFileObjects("[{\"type\":\"ipfs\",\"hash\":\"" + CID + "\"}]"))
        .containsExactly(FileLocator.ipfs(CID));
  }

  @Test
  void everyLocatorRoundTrips() {
    for (FileLocator locator :
        List.of(
            FileLocator.urlBuilder(URI.create("https://u:p@127.0.0.1:1/a?b=c"))
                .method("POST")
                .header("X-A", "1")
                .build()
                .withExpectedSize(0),
            FileLocator.of(URI.create("data:;base64,aGk=")),
            FileLocator.ipfs(CID).withSha256(Sha256.of("01".repeat(32))),
            FileLocator.arweave("t"),
            FileLocator.file(Path.of("/data/a.csv")),
            FileLocator.pvc("d", "a b/c"))) {
      assertThat(OceanJson.readFileObject(OceanJson.writeFileObject(locator))).isEqualTo(locator);
    }
  }

  @Test
  void hostileObjectsAreRefusedNamingTheMember() {
    assertRefused("{\"type\":\"s3\",\"url\":\"x\"}", "file.type");
    assertRefused("{\"url\":\"x\"}", "file.type");
    assertRefused("{\"type\":\"url\"}", "file.url");
    assertRefused("{\"type\":\"url\",\"url\":\"https://a b\"}", "file.url");
    assertRefused("{\"type\":\"url\",\"url\":\"ftp://127.0.0.1/\"}", "file.url");
    assertRefused(
        "{\"type\":\"url\",\"url\":\"http://127.0.0.1/\",\"headers\":{\"A\":\"1\\r\\nB: 2\"}}",
        "file.headers");
    assertRefused(
        "{\"type\":\"url\",\"url\":\"http://127.0.0.1/\",\"headers\":{\"A\":1}}", "file.headers");
    assertRefused("{\"type\":\"url\",\"url\":\"http://127.0.0.1/\",\"headers\":7}", "file.headers");
    assertRefused("{\"type\":\"ipfs\",\"hash\":\"../../etc\"}", "file.hash");
    assertRefused("{\"type\":\"arweave\",\"transactionId\":\"%2e%2e\"}", "file.transactionId");
    assertRefused("{\"type\":\"file\",\"path\":\"/a/../b\"}", "file.path");
    assertRefused("{\"type\":\"pvc\",\"claim\":\"UPPER\",\"path\":\"a\"}", "file.claim");
    assertRefused("{\"type\":\"ipfs\",\"hash\":\"" + CID + "\",\"size\":-1}", "file.size");
    assertRefused("{\"type\":\"ipfs\",\"hash\":\"" + CID + "\",\"sha256\":\"x\"}", "file.sha256");
    assertRefused("[1]", "file");
    assertThatThrownBy(() -> OceanJson.readFileObjects("[{\"type\":\"ipfs\"}]"))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("[0].hash"));
    assertThatThrownBy(() -> OceanJson.readFileObjects("{\"files\":[{},{}]}"))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("files[0].type"));
  }

  @Test
  void aMalformedUrlIsNotEchoed() {
    assertThatThrownBy(
            () -> OceanJson.readFileObject("{\"type\":\"url\",\"url\":\"https://u:pw@h/ x\"}"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageNotContaining("pw");
  }

  private static void assertRefused(String json, String field) {
    assertThatThrownBy(() -> OceanJson.readFileObject(json))
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(field));
  }
}
