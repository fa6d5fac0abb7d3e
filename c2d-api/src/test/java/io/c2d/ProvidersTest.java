package io.c2d;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.spi.ProviderConfig;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.ComputeBackendProvider;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Selecting SPI providers by name, as ServiceLoader finds them. */
final class ProvidersTest {
  @TempDir Path dir;

  @Test
  void selectsAProviderByName() throws IOException {
    Providers<ComputeBackendProvider> providers = load(Alpha.class.getName(), Beta.class.getName());

    assertThat(providers.select("beta")).isInstanceOf(Beta.class);
  }

  @Test
  void anUnknownNameListsTheNamesThereAre() throws IOException {
    Providers<ComputeBackendProvider> providers = load(Alpha.class.getName(), Beta.class.getName());

    assertThatThrownBy(() -> providers.select("docker"))
        .isInstanceOfSatisfying(
            ConfigurationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.PROVIDER_NOT_FOUND))
        .hasMessageContaining("'docker'")
        .hasMessageContaining("available: alpha, beta");
  }

  @Test
  void twoProvidersWithOneNameAreAnError() {
    assertThatThrownBy(() -> load(Alpha.class.getName(), AlphaAgain.class.getName()))
        .isInstanceOfSatisfying(
            ConfigurationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.PROVIDER_CONFLICT))
        .hasMessageContaining(Alpha.class.getName())
        .hasMessageContaining(AlphaAgain.class.getName());
  }

  @Test
  void aBrokenProviderIsSkippedNotFatal() throws IOException {
    Providers<ComputeBackendProvider> providers = load("com.example.Missing", Beta.class.getName());

    assertThat(providers.select("beta")).isInstanceOf(Beta.class);
  }

  private Providers<ComputeBackendProvider> load(String... classNames) throws IOException {
    Path services = Files.createDirectories(dir.resolve("META-INF/services"));
    Files.write(
        services.resolve(ComputeBackendProvider.class.getName()), java.util.List.of(classNames));
    ClassLoader loader =
        new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
    return Providers.load(
        ComputeBackendProvider.class, "c2d.backend", ComputeBackendProvider::name, loader);
  }

  /** A provider found by name. */
  public static final class Alpha implements ComputeBackendProvider {
    @Override
    public String name() {
      return "alpha";
    }

    @Override
    public ComputeBackend create(ProviderConfig config) {
      throw new UnsupportedOperationException("only its name is used");
    }
  }

  /** A second provider. */
  public static final class Beta implements ComputeBackendProvider {
    @Override
    public String name() {
      return "beta";
    }

    @Override
    public ComputeBackend create(ProviderConfig config) {
      throw new UnsupportedOperationException("only its name is used");
    }
  }

  /** A provider that takes a name already taken. */
  public static final class AlphaAgain implements ComputeBackendProvider {
    @Override
    public String name() {
      return "alpha";
    }

    @Override
    public ComputeBackend create(ProviderConfig config) {
      throw new UnsupportedOperationException("only its name is used");
    }
  }
}
