package io.c2d.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.model.EthAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

final class EthereumKeyTest {
  private static final String WEB3_DOC_KEY =
      "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

  @Test
  void derivesTheAddressOfPrivateKeyOne() {
    EthereumKey key =
        EthereumKey.fromPrivateKey(
            "0x0000000000000000000000000000000000000000000000000000000000000001");

    assertThat(key.address())
        .isEqualTo(EthAddress.of("0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"));
    assertThat(key.checksumAddress()).isEqualTo("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
  }

  @Test
  void acceptsShortKeysWithoutPrefix() {
    assertThat(EthereumKey.fromPrivateKey("1").checksumAddress())
        .isEqualTo("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
  }

  @Test
  void derivesTheAddressOfTheWeb3JsDocumentationKey() {
    assertThat(EthereumKey.fromPrivateKey(WEB3_DOC_KEY).checksumAddress())
        .isEqualTo("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
  }

  @Test
  void signsSomeDataExactlyAsWeb3JsDoes() {
    // web3.eth.accounts.sign("Some data", WEB3_DOC_KEY), from the web3.js documentation.
    String signature =
        EthereumKey.fromPrivateKey(WEB3_DOC_KEY)
            .personalSign("Some data".getBytes(StandardCharsets.US_ASCII));

    assertThat(signature)
        .isEqualTo(
            "0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd"
                + "6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a029"
                + "1c");
  }

  @Test
  void exposesTheFirstAnvilAccountsAsTestKeys() {
    assertThat(EthereumKey.ALICE.checksumAddress())
        .isEqualTo("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assertThat(EthereumKey.BOB.checksumAddress())
        .isEqualTo("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    assertThat(EthereumKey.CAROL.checksumAddress())
        .isEqualTo("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
  }

  @Test
  void producesThe65ByteHexSignatureWithV27Or28() {
    for (int i = 0; i < 10; i++) {
      String signature = EthereumKey.random().personalSign(new byte[] {(byte) i});

      assertThat(signature).hasSize(132).startsWith("0x").matches("0x[0-9a-f]{130}");
      assertThat(signature.substring(130)).isIn("1b", "1c");
    }
  }

  @Test
  void givesRandomKeysDistinctAddresses() {
    assertThat(EthereumKey.random().address()).isNotEqualTo(EthereumKey.random().address());
  }

  @Test
  void rejectsInvalidPrivateKeys() {
    assertThatThrownBy(() -> EthereumKey.fromPrivateKey("0x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EthereumKey.fromPrivateKey("0x00"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EthereumKey.fromPrivateKey("0xzz"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                EthereumKey.fromPrivateKey(
                    "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EthereumKey.fromPrivateKey("0x" + "1".repeat(65)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void doesNotRevealThePrivateKeyInToString() {
    assertThat(EthereumKey.ALICE.toString())
        .contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        .doesNotContain("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  }
}
