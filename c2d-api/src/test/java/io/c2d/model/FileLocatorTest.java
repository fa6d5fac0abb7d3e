package io.c2d.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.InvalidRequestException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class FileLocatorTest {
  private static final String CID = "QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco";
  private static final String TX = "0N2VzWbW-HcwJlfwwfxmGhk2mYYo6YD_IUgx1yv5Q7M";

  @Test
  void aUriNamesEachKindAndEachLocatorsUriNamesItAgain() {
    assertThat(FileLocator.of(URI.create("file:///data/a.csv")).kind())
        .isEqualTo(FileLocator.Kind.FILE);
    assertThat(FileLocator.of(URI.create("https://127.0.0.1/a.csv")).kind())
        .isEqualTo(FileLocator.Kind.URL);
    assertThat(FileLocator.of(URI.create("data:,hello")).kind()).isEqualTo(FileLocator.Kind.URL);
    assertThat(FileLocator.of(URI.create("ipfs://" + CID)).cid()).contains(CID);
    assertThat(FileLocator.of(URI.create("ar://" + TX)).transactionId()).contains(TX);
    FileLocator pvc = FileLocator.of(URI.create("pvc://datasets.team-a/x/b%20c.csv"));
    assertThat(pvc.claimName()).contains("datasets.team-a");
    assertThat(pvc.pathInClaim()).contains("x/b c.csv");

    for (FileLocator locator :
        new FileLocator[] {
          FileLocator.file(Path.of("/data/a b.csv")),
          FileLocator.url(URI.create("http://127.0.0.1:8080/x?y=1")),
          FileLocator.ipfs(CID),
          FileLocator.arweave(TX),
          FileLocator.pvc("datasets", "a/b c.csv"),
        }) {
      assertThat(FileLocator.of(locator.uri())).isEqualTo(locator);
    }
  }

  @Test
  void aUrlCarriesItsMethodHeadersSizeAndChecksum() {
    Sha256 sha = Sha256.of("AB".repeat(32));
    FileLocator locator =
        FileLocator.urlBuilder(URI.create("https://127.0.0.1/a.csv"))
            .method("post")
            .header("Authorization", "Bearer secret-token")
            .header("X-Trace", "1")
            .header("authorization", "Bearer other")
            .build()
            .withExpectedSize(42)
            .withSha256(sha);

    assertThat(locator.method()).isEqualTo("POST");
    assertThat(locator.headers())
        .containsExactly(Map.entry("X-Trace", "1"), Map.entry("authorization", "Bearer other"));
    assertThat(locator.expectedSize()).hasValue(42);
    assertThat(locator.sha256()).contains(sha);
    assertThat(sha.hex()).isEqualTo("ab".repeat(32));
    assertThat(Sha256.of("sha256:" + "ab".repeat(32))).isEqualTo(sha);
  }

  @Test
  void theRedactedFormShowsNoCredentials() {
    FileLocator locator =
        FileLocator.urlBuilder(
                URI.create("https://user:hunter2@127.0.0.1:8443/data/a.csv?sig=s3cr3t#frag"))
            .header("Authorization", "Bearer secret-token")
            .build();

    assertThat(locator.redacted()).isEqualTo("https://127.0.0.1:8443/data/a.csv?...");
    assertThat(locator.toString())
        .contains("https://127.0.0.1:8443/data/a.csv", "Authorization")
        .doesNotContain("hunter2", "s3cr3t", "secret-token", "frag");
    assertThat(FileLocator.of(URI.create("data:,top-secret")).redacted()).isEqualTo("data:...");
  }

  @Test
  void badUrlsMethodsAndHeadersAreRefusedNamingTheField() {
    assertRefused(() -> FileLocator.of(URI.create("ftp://127.0.0.1/a")), "file.url");
    assertRefused(() -> FileLocator.of(URI.create("s3://bucket/a")), "file.url");
    assertRefused(() -> FileLocator.url(URI.create("https:opaque")), "file.url");
    assertRefused(() -> FileLocator.url(URI.create("file:///etc/passwd")), "file.url");
    assertRefused(
        () -> FileLocator.urlBuilder(URI.create("https://127.0.0.1/")).method("DELETE"),
        "file.method");
    assertRefused(
        () ->
            FileLocator.urlBuilder(URI.create("https://127.0.0.1/"))
                .header("X-A", "1\r\nX-Injected: 2"),
        "file.headers");
    assertRefused(
        () -> FileLocator.urlBuilder(URI.create("https://127.0.0.1/")).header("X A", "1"),
        "file.headers");
    assertRefused(
        () -> FileLocator.urlBuilder(URI.create("https://127.0.0.1/")).header("Host", "evil"),
        "file.headers");
    assertRefused(
        () -> FileLocator.url(URI.create("https://127.0.0.1/")).withExpectedSize(-1), "file.size");
  }

  @Test
  void idsAndPathsThatCouldClimbAreRefused() {
    assertRefused(() -> FileLocator.ipfs("../etc"), "file.hash");
    assertRefused(() -> FileLocator.ipfs(CID + "/x"), "file.hash");
    assertRefused(() -> FileLocator.ipfs("%2e%2e"), "file.hash");
    assertRefused(() -> FileLocator.ipfs(""), "file.hash");
    assertRefused(() -> FileLocator.ipfs("a".repeat(129)), "file.hash");
    assertRefused(() -> FileLocator.arweave(".."), "file.transactionId");
    assertRefused(() -> FileLocator.arweave("a/b"), "file.transactionId");
    assertRefused(() -> FileLocator.of(URI.create("ipfs://" + CID + "/../x")), "file.hash");
    assertRefused(() -> FileLocator.file(Path.of("/data/../etc/passwd")), "file.path");
    assertRefused(() -> FileLocator.file(Path.of("relative.csv")), "file.path");
    assertRefused(() -> FileLocator.of(URI.create("file://host/share/a")), "file.path");
    assertRefused(() -> FileLocator.pvc("datasets", "../x"), "file.path");
    assertRefused(() -> FileLocator.pvc("datasets", "a/../../x"), "file.path");
    assertRefused(() -> FileLocator.pvc("datasets", "/abs"), "file.path");
    assertRefused(() -> FileLocator.pvc("datasets", ""), "file.path");
    assertRefused(() -> FileLocator.pvc("Datasets", "a"), "file.claim");
    assertRefused(() -> FileLocator.pvc("-datasets", "a"), "file.claim");
    assertRefused(() -> FileLocator.pvc("d".repeat(254), "a"), "file.claim");
    assertRefused(() -> Sha256.of("abc"), "sha256");
  }

  @Test
  void datasetInputsKeepLocatorsAndStillAnswerFiles() {
    FileLocator url =
        FileLocator.urlBuilder(URI.create("https://127.0.0.1/a.csv"))
            .header("Authorization", "x")
            .build();
    DatasetInput input =
        DatasetInput.builder(Did.of("did:op:" + "cc".repeat(32)), "compute")
            .addFile(URI.create("file:///data/a.csv"))
            .addLocator(url)
            .addLocator(FileLocator.ipfs(CID))
            .build();

    assertThat(input.locators())
        .containsExactly(FileLocator.file(Path.of("/data/a.csv")), url, FileLocator.ipfs(CID));
    assertThat(input.files())
        .containsExactly(
            URI.create("file:///data/a.csv"),
            URI.create("https://127.0.0.1/a.csv"),
            URI.create("ipfs://" + CID));
    assertThat(input.toBuilder().build()).isEqualTo(input);
  }

  private static void assertRefused(Runnable call, String field) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo(field));
  }
}
