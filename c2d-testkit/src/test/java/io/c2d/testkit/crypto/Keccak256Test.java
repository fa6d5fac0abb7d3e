package io.c2d.testkit.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

final class Keccak256Test {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void hashesTheEmptyInputToTheKnownDigest() {
    assertThat(keccak(""))
        .isEqualTo("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  }

  @Test
  void hashesAbcToTheKnownDigest() {
    assertThat(keccak("abc"))
        .isEqualTo("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  }

  @Test
  void hashesTheQuickBrownFoxToTheKnownDigest() {
    assertThat(keccak("The quick brown fox jumps over the lazy dog"))
        .isEqualTo("4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
  }

  @Test
  void hashesThePersonalMessageOfTheWeb3JsDocumentationExample() {
    // web3.eth.accounts.sign("Some data", ...) reports this messageHash.
    assertThat(keccak("\u0019Ethereum Signed Message:\n9Some data"))
        .isEqualTo("1da44b586eb0729ff70a73c326926f6ed5a25f5b056e7f47fbc6e58d86871655");
  }

  @Test
  void matchesTheJdkSha3WhenGivenSha3PaddingForEveryLengthAroundTheBlockBoundaries()
      throws Exception {
    // SHA3-256 is the same sponge with padding 0x06: the JDK's implementation independently checks
    // the permutation, the absorption of several blocks and the padding position for every length.
    MessageDigest sha3 = MessageDigest.getInstance("SHA3-256");
    for (int length = 0; length <= 3 * 136 + 2; length++) {
      byte[] input = new byte[length];
      for (int i = 0; i < length; i++) {
        input[i] = (byte) (i * 31 + length);
      }
      assertThat(Keccak256.digest(input, Keccak256.SHA3_PADDING))
          .as("length %d", length)
          .isEqualTo(sha3.digest(input));
    }
  }

  @Test
  void differsFromSha3OnTheSameInput() throws Exception {
    byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
    assertThat(Keccak256.digest(abc))
        .isNotEqualTo(MessageDigest.getInstance("SHA3-256").digest(abc));
  }

  @Test
  void givesDistinctDigestsAroundTheRateBoundary() {
    byte[] a135 = filled(135);
    byte[] a136 = filled(136);
    byte[] a137 = filled(137);
    assertThat(Keccak256.digest(a135))
        .hasSize(32)
        .isNotEqualTo(Keccak256.digest(a136))
        .isNotEqualTo(Keccak256.digest(a137));
    assertThat(Keccak256.digest(a136)).isNotEqualTo(Keccak256.digest(a137));
  }

  @Test
  void hashesTheConcatenationOfTwoArrays() {
    byte[] joined = "hello world".getBytes(StandardCharsets.US_ASCII);
    assertThat(
            Keccak256.digest(Arrays.copyOfRange(joined, 0, 5), Arrays.copyOfRange(joined, 5, 11)))
        .isEqualTo(Keccak256.digest(joined));
  }

  private static byte[] filled(int length) {
    byte[] bytes = new byte[length];
    Arrays.fill(bytes, (byte) 'a');
    return bytes;
  }

  private static String keccak(String text) {
    return HEX.formatHex(Keccak256.digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
