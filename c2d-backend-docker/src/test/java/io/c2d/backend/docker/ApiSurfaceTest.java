package io.c2d.backend.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.c2d.testkit.ApiSurface;
import org.junit.jupiter.api.Test;

/**
 * Keeps docker-java's types (and any other third-party type) out of every public signature of
 * c2d-backend-docker, so the backend can change its Docker client without breaking its users.
 */
final class ApiSurfaceTest {

  @Test
  void publicSignaturesUseOnlyJdkAndC2dTypes() {
    ApiSurface surface = ApiSurface.of(DockerComputeBackend.class, "java.", "io.c2d.");

    assertThat(surface.publicTypes()).hasSizeGreaterThanOrEqualTo(4);
    assertThat(surface.leaks())
        .as("third-party types in c2d-backend-docker's public signatures")
        .isEmpty();
  }
}
