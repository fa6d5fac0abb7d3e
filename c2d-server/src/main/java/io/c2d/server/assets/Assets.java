package io.c2d.server.assets;

import io.c2d.model.Did;
import io.c2d.model.EthAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.web3j.crypto.Keys;

/** Small helpers of the asset directory. Stateless and thread-safe. */
final class Assets {
  private static final int SHOWN_CHARS = 80;

  private Assets() {}

  /**
   * The DID Ocean derives for a data NFT: {@code did:op:} and the SHA-256 hex of the NFT's EIP-55
   * checksummed address followed by the chain id in decimal (ocean.js {@code generateDid}).
   */
  static Did didOf(EthAddress nftAddress, long chainId) {
    String text = Keys.toChecksumAddress(nftAddress.value()) + chainId;
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return Did.of(Did.PREFIX + HexFormat.of().formatHex(digest));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Outside text in quotes, at most 80 characters, control characters shown as {@code ?}. */
  static String quote(String value) {
    String shown = value.length() <= SHOWN_CHARS ? value : value.substring(0, SHOWN_CHARS) + "...";
    StringBuilder safe = new StringBuilder(shown.length() + 2).append('\'');
    for (int i = 0; i < shown.length(); i++) {
      char c = shown.charAt(i);
      safe.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return safe.append('\'').toString();
  }
}
