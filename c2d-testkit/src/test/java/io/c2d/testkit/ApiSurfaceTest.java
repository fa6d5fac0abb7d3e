package io.c2d.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.ComputeEngine;
import org.junit.jupiter.api.Test;

/**
 * Keeps third-party types (Jackson, slf4j, anything not JDK or c2d) out of every public signature
 * of c2d-api, so the library can change its dependencies without breaking its users. It lives here
 * because c2d-api cannot depend on the testkit that holds {@link ApiSurface}.
 */
final class ApiSurfaceTest {

  @Test
  void c2dApisPublicSignaturesUseOnlyJdkAndC2dTypes() {
    ApiSurface surface = ApiSurface.of(ComputeEngine.class, "java.", "io.c2d.");

    assertThat(surface.publicTypes()).hasSizeGreaterThan(30);
    assertThat(surface.leaks()).as("third-party types in c2d-api's public signatures").isEmpty();
  }

  @Test
  void theTestkitsSigningApiUsesNoWeb3jType() {
    // EthereumKey and TestAuthenticator sign and recover with web3j's crypto artifact, which stays
    // an implementation detail: a test suite never handles a web3j or Bouncy Castle type
    ApiSurface surface = ApiSurface.of(ApiSurface.class, "java.", "io.c2d.");

    assertThat(surface.publicTypes()).contains(EthereumKey.class, TestAuthenticator.class);
    assertThat(surface.leaks())
        .noneMatch(leak -> leak.contains("org.web3j") || leak.contains("org.bouncycastle"));
  }

  @Test
  void aLeakIsFound() {
    // The testkit's own public API exposes JUnit and AssertJ on purpose: proof the check can fail.
    ApiSurface surface = ApiSurface.of(ApiSurface.class, "java.", "io.c2d.");

    assertThat(surface.leaks()).anySatisfy(leak -> assertThat(leak).contains("org.assertj"));
  }
}
