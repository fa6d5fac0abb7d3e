package io.c2d.testkit.conformance;

import io.c2d.model.ComputeEnvironment;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import io.c2d.spi.backend.BackendJobState;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The base of each promise group of {@link ComputeBackendConformanceKit}: a group's tests live in a
 * subclass of this ({@code LifecyclePromises}, ...), which the kit's {@link
 * org.junit.jupiter.api.Nested} inner class named after the group ({@code Lifecycle}) extends,
 * handing it the kit's {@link ConformanceFixture}. JUnit runs the tests only through those nested
 * classes. The methods here are the fixture's, under the short names the tests read best with.
 * Confined to the JUnit thread running the test, except {@link #submit}.
 */
abstract class PromiseGroup {
  private final ConformanceFixture fixture;

  PromiseGroup(ConformanceFixture fixture) {
    this.fixture = fixture;
  }

  final KitJob submit(String algorithm, Consumer<JobSpec.Builder> customize) {
    return submit(algorithm, customize, Map.of());
  }

  final KitJob submit(
      String algorithm, Consumer<JobSpec.Builder> customize, Map<String, String> env) {
    return submit(algorithm, customize, env, null);
  }

  final KitJob submit(
      String algorithm,
      Consumer<JobSpec.Builder> customize,
      Map<String, String> env,
      @Nullable Consumer<BackendJobState> onFirst) {
    return fixture.submit(algorithm, customize, env, onFirst);
  }

  final KitJob submitWithEntrypoint(String algorithm, String entrypoint) {
    return fixture.submitWithEntrypoint(algorithm, entrypoint);
  }

  final Optional<String> algorithmWorkingDirectory() {
    return fixture.algorithmWorkingDirectory();
  }

  final KitJob submitPublished(String algorithm) throws IOException {
    return fixture.submitPublished(algorithm);
  }

  final ComputeBackend backend() {
    return fixture.backend();
  }

  final ComputeEnvironment environment() {
    return fixture.environment();
  }

  final Duration timeout() {
    return fixture.timeout();
  }

  final KitEngine engine() {
    return fixture.engine();
  }

  final Restarted restart() throws Exception {
    return fixture.restart();
  }

  final Set<JobId> recoveredIds(ComputeBackend target) {
    return fixture.recoveredIds(target);
  }

  final Map<String, byte[]> readAll(JobId id, BackendJobState end, ResultKind kind) {
    return fixture.readAll(id, end, kind);
  }

  final byte[] read(JobId id, JobResult result) {
    return fixture.read(id, result);
  }

  final <T> T join(CompletionStage<T> stage) {
    return fixture.join(stage);
  }

  static JobResult only(BackendJobState end, ResultKind kind) {
    return ConformanceFixture.only(end, kind);
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
