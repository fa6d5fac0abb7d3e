package io.c2d;

import static io.c2d.EngineAssertions.assertThat;
import static io.c2d.EngineAssertions.assertThatThrownBy;
import static io.c2d.EngineFixture.WAIT;
import static io.c2d.EngineFixture.engineBuilder;
import static io.c2d.EngineFixture.environment;

import io.c2d.model.ComputeJob;
import io.c2d.model.JobStatus;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The two latent defects issue 12 found by reading the engine. */
final class Issue12Test {

  @Test
  void aBuildThatFailsLeavesNoWatchdogThreadBehind() throws Exception {
    Set<Thread> before = watchdogThreads();
    ComputeEngine.Builder twoBackendsOneEnvironment =
        engineBuilder(
                ScriptedBackend.of(environment("local", 1, 1, 1)), ScriptedVerifier.allowAll())
            .backend(ScriptedBackend.of(environment("local", 1, 1, 1)));

    assertThatThrownBy(twoBackendsOneEnvironment::build)
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("two backends offer an environment with id local");

    long deadline = System.nanoTime() + WAIT.toNanos();
    Set<Thread> leaked = watchdogThreads();
    leaked.removeAll(before);
    while (!leaked.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
      leaked.retainAll(watchdogThreads());
    }
    assertThat(leaked).as("watchdog threads of the engine that failed to build").isEmpty();
  }

  @Test
  void aBuildThatFailsLeavesNoTickOnTheApplicationsScheduler() {
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    scheduler.setRemoveOnCancelPolicy(true);
    try {
      ComputeEngine.Builder noEnvironment =
          engineBuilder(ScriptedBackend.of(), ScriptedVerifier.allowAll()).scheduler(scheduler);

      assertThatThrownBy(noEnvironment::build).isInstanceOf(ConfigurationException.class);

      assertThat(scheduler.getQueue()).as("tasks left on the application's scheduler").isEmpty();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void noWatchdogIsArmedForAJobAListenerStoppedWhileHearingOfIt() {
    AtomicReference<ComputeEngine> engine = new AtomicReference<>();
    JobListener stopAtOnce =
        (job, previous) -> {
          if (job.status() == JobStatus.WARMING_UP || job.status() == JobStatus.RUNNING_ALGORITHM) {
            engine.get().stop(job.id(), job.owner());
          }
        };
    try (EngineFixture f =
        new EngineFixture(
            ScriptedBackend.of(environment("local", 2, 2, 10)),
            ScriptedVerifier.allowAll(),
            b -> b.addListener(stopAtOnce))) {
      engine.set(f.engine);
      ComputeJob job =
          f.engine
              .start(f.requests.by(TestKey.ALICE).dataset(1).sign())
              .toCompletableFuture()
              .join();

      assertThat(f.waiter.awaitTerminal(job.id(), WAIT)).hasStatus(JobStatus.STOPPED);
      assertThat(f.engine.armedWatchdogs()).as("watchdogs armed for ended jobs").isZero();
    }
  }

  private static Set<Thread> watchdogThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("c2d-engine-watchdog") && t.isAlive())
        .collect(Collectors.toSet());
  }
}
