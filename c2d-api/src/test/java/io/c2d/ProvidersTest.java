package io.c2d;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.c2d.spi.ProviderConfig;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.ComputeBackendProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

  @Test
  void selectingATestOnlyProviderReportsWhatItIsNotOnce() throws IOException {
    List<String> warnings = new ArrayList<>();
    Providers<ComputeBackendProvider> providers =
        load(warnings::add, Alpha.class.getName(), Scratch.class.getName());

    providers.select("alpha");
    assertThat(warnings).as("a provider fit for production, and loading alone").isEmpty();

    providers.select("scratch");
    assertThat(warnings)
        .containsExactly(
            "c2d.backend=scratch is a ComputeBackendProvider for development and tests only (runs"
                + " nothing)");
  }

  @Test
  void theWarningIsLoggedAtWarnLevel() throws IOException {
    // slf4j-simple (the test binding) writes to whatever System.err is when it logs
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      load(Scratch.class.getName()).select("scratch");
    } finally {
      System.setErr(original);
    }

    assertThat(captured.toString(StandardCharsets.UTF_8))
        .contains("WARN")
        .containsOnlyOnce("c2d.backend=scratch is a ComputeBackendProvider")
        .contains("runs nothing");
  }

  private Providers<ComputeBackendProvider> load(String... classNames) throws IOException {
    return Providers.load(
        ComputeBackendProvider.class,
        "c2d.backend",
        ComputeBackendProvider::name,
        loaderOf(classNames));
  }

  private Providers<ComputeBackendProvider> load(
      java.util.function.Consumer<String> warnings, String... classNames) throws IOException {
    return Providers.load(
        ComputeBackendProvider.class,
        "c2d.backend",
        ComputeBackendProvider::name,
        loaderOf(classNames),
        warnings);
  }

  private ClassLoader loaderOf(String... classNames) throws IOException {
    Path services = Files.createDirectories(dir.resolve("META-INF/services"));
    Files.write(
        services.resolve(ComputeBackendProvider.class.getName()), java.util.List.of(classNames));
    return new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
  }

  /** A provider for tests only, which says so. */
  public static final class Scratch implements ComputeBackendProvider {
    @Override
    public String name() {
      return "scratch";
    }

    @Override
    public Optional<String> warning() {
      return Optional.of("runs nothing");
    }

    @Override
    public ComputeBackend create(ProviderConfig config) {
      throw new UnsupportedOperationException("only its name is used");
    }
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
