package io.c2d.testkit.conformance;

import io.c2d.ComputeEngine;
import io.c2d.model.ComputeEnvironment;
import io.c2d.model.ContainerSpec;
import io.c2d.spi.backend.ComputeBackend;
import io.c2d.spi.backend.JobSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The compatibility kit of {@link ComputeBackend}: an abstract JUnit 5 class whose {@link Nested}
 * groups check, one named test per promise, that a backend keeps what the engine relies on. A
 * backend module extends it once and supplies the backend:
 *
 * <pre>{@code
 * final class MyBackendConformanceTest extends ComputeBackendConformanceKit {
 *   protected ComputeBackend createBackend(Path workDir) {
 *     return MyBackend.builder().stateDir(workDir).environment(environment()).build();
 *   }
 *   protected ComputeEnvironment environment() {
 *     return ComputeEnvironment.builder("conformance").maxOutputBytes(64 << 10).build();
 *   }
 * }
 * }</pre>
 *
 * <p><b>How jobs run.</b> The kit submits {@link JobSpec}s straight to the backend and listens to
 * its reports, running the shell scripts of {@link TestAlgorithms} as raw algorithms (entrypoint
 * {@value TestAlgorithms#ENTRYPOINT}, image {@link #algorithmImage()}); datasets are {@code file:}
 * URIs of files it writes in a temporary directory. The promises about admission and capacity go
 * through a real {@link ComputeEngine} over the backend. A backend that runs no algorithm (a fake)
 * moves its jobs in {@link #play}.
 *
 * <p><b>Not applicable.</b> A promise a backend cannot keep by design (the embedded backend is no
 * sandbox; a fake runs no algorithm) is declared in {@link #notApplicable()} with the reason; its
 * tests are then reported as skipped with a reason starting with {@code "not applicable:"}, never
 * as passed.
 *
 * <p>Each test gets a fresh backend over a fresh work directory; jobs the kit submitted are deleted
 * and the backend closed after it. An instance is confined to the JUnit thread that runs it; the
 * backend may call the kit's listeners from any thread. Failures are {@link AssertionError}s saying
 * what was expected and what the backend did.
 */
@ExtendWith(NotApplicableCondition.class)
public abstract class ComputeBackendConformanceKit {
  /** The promises the kit checks; {@link #notApplicable()} names those a backend cannot keep. */
  public enum Promise {
    /** Statuses only move forward, one terminal status, each change reported once. */
    LIFECYCLE("statuses move forward to exactly one end, each reported once"),
    /** Results are exactly the files the algorithm wrote to {@code /data/outputs}. */
    RESULTS("results are exactly what the algorithm wrote"),
    /** The algorithm log holds the algorithm's stdout and stderr. */
    ALGORITHM_LOG("the algorithm log holds stdout and stderr"),
    /** Inputs and DDOs are staged where the sandbox contract says. */
    SANDBOX_LAYOUT("inputs and DDOs are where the contract says"),
    /** {@code DIDS}, {@code TRANSFORMATION_DID} and the path variables are set. */
    ENVIRONMENT_VARIABLES("the contract's environment variables are set"),
    /** A non-zero exit ends as {@code ALGORITHM_FAILED} with the exit code. */
    EXIT_CODE("a non-zero exit ends as ALGORITHM_FAILED with its code"),
    /** Running past the maximum duration ends as {@code TIMED_OUT}. */
    TIMEOUT("past the maximum duration a job ends as TIMED_OUT"),
    /** Stop works while staging, while running and after the end. */
    STOP("stop works at every stage"),
    /** Delete removes the job's work and results and frees its capacity. */
    DELETE("delete removes the job and frees its capacity"),
    /** Outputs and logs over the caps are cut and the job says so. */
    CAPS("outputs and logs over their caps are cut and the job says so"),
    /** A symbolic link out of the result area is never followed. */
    RESULT_AREA("nothing outside the result area is ever served"),
    /** A second instance finds, tracks and serves every job, and starts none twice. */
    RESTART("a restarted backend finds every job and starts none twice"),
    /** Concurrent submissions up to the environment's limit all run and finish. */
    CONCURRENCY("jobs up to the environment's limit run at once"),
    /** Environments report what they enforce; the engine refuses a job asking for more. */
    ENVIRONMENTS("environments report what they enforce"),
    /** The algorithm cannot write its inputs and does not run as root. */
    SANDBOX("the algorithm is sandboxed: read-only inputs, not root"),
    /**
     * The entrypoint is started as the sandbox contract says, without a shell, in the image's
     * working directory ({@link io.c2d.spi.backend.support.SandboxContract#command}).
     */
    ENTRYPOINT("the entrypoint runs without a shell, in the image's working directory");

    private final String description;

    Promise(String description) {
      this.description = description;
    }

    /** The promise in words. */
    public String description() {
      return description;
    }
  }

  /** This test's backends, work directory and jobs; the promise groups share it. */
  private final ConformanceFixture fixture = new ConformanceFixture(this);

  /** For subclasses. */
  protected ComputeBackendConformanceKit() {}

  // ---------------------------------------------------------------------------------------------
  // What the adapter supplies

  /**
   * Creates the backend under test, keeping whatever it persists below {@code workDir} (an empty
   * directory of its own for each test), offering {@link #environment()}.
   */
  protected abstract ComputeBackend createBackend(Path workDir) throws Exception;

  /**
   * Creates a second instance over the same infrastructure as {@code first} (which the kit has
   * closed), as a restarted provider application would. Default: {@link #createBackend} over the
   * same {@code workDir}.
   */
  protected ComputeBackend recreateBackend(ComputeBackend first, Path workDir) throws Exception {
    return createBackend(workDir);
  }

  /**
   * The environment the kit's jobs run in, exactly as the backend reports it. Give it small caps
   * (at most 8 MiB of outputs and of logs; 64 KiB is plenty) and at least two concurrent jobs.
   */
  protected abstract ComputeEnvironment environment();

  /**
   * The promises this backend cannot keep, each with the reason; their tests are reported as
   * skipped, "not applicable". Default: none.
   */
  protected Map<Promise, String> notApplicable() {
    return Map.of();
  }

  /**
   * Moves a job the backend accepted, for a backend that runs no algorithm itself (a fake): called
   * after every submission the kit (or the kit's engine) makes, with the {@link TestAlgorithms}
   * name the job runs, or {@code ""} if it runs none of them. Default: nothing, the backend runs
   * the job.
   */
  protected void play(ComputeBackend backend, JobSpec spec, String algorithm) {}

  /** The container image the test algorithms run in; default {@code busybox:stable}. */
  protected ContainerSpec algorithmImage() {
    return ContainerSpec.of("busybox", "stable", TestAlgorithms.ENTRYPOINT);
  }

  /**
   * The working directory of {@link #algorithmImage()}, where its entrypoint must start; default
   * {@code /} (busybox's, and that of the images Ocean publishes). Empty for a backend that runs
   * the algorithm in a host directory of the job's own standing for the image's root (the kit then
   * checks only that {@code data/inputs/<did>/0} is found from there).
   */
  protected Optional<String> algorithmWorkingDirectory() {
    return Optional.of("/");
  }

  /** The clock of the kit's job specs ({@link JobSpec#createdAt()}); default the system clock. */
  protected Clock clock() {
    return Clock.systemUTC();
  }

  /** How long the kit waits for any one thing; default 30 seconds. */
  protected Duration timeout() {
    return Duration.ofSeconds(30);
  }

  // ---------------------------------------------------------------------------------------------
  // Set-up

  @BeforeEach
  final void createTheBackend() throws Exception {
    fixture.createTheBackend();
  }

  @AfterEach
  final void deleteJobsAndCloseBackends() throws Exception {
    fixture.deleteJobsAndCloseBackends();
  }

  // ---------------------------------------------------------------------------------------------
  // The promises: each group's tests live in its own class, named after the group

  /** Statuses only move forward, in the documented order; exactly one terminal status. */
  @Nested
  @DisplayName("Lifecycle")
  @Keeps(Promise.LIFECYCLE)
  class Lifecycle extends LifecyclePromises {
    Lifecycle() {
      super(fixture);
    }
  }

  /** Results and logs are exactly what the algorithm wrote. */
  @Nested
  @DisplayName("Results")
  class Results extends ResultsPromises {
    Results() {
      super(fixture);
    }
  }

  /** The algorithm sees the layout and variables of the sandbox contract. */
  @Nested
  @DisplayName("Sandbox contract")
  class SandboxContract extends SandboxContractPromises {
    SandboxContract() {
      super(fixture);
    }
  }

  /** How the entrypoint is started: its own words, no shell, the image's working directory. */
  @Nested
  @DisplayName("Entrypoint")
  @Keeps(Promise.ENTRYPOINT)
  class Entrypoint extends EntrypointPromises {
    Entrypoint() {
      super(fixture);
    }
  }

  /** How a job that does not complete ends. */
  @Nested
  @DisplayName("Failures")
  class Failures extends FailuresPromises {
    Failures() {
      super(fixture);
    }
  }

  /** Stop ends a job at any stage, and is harmless once it has ended. */
  @Nested
  @DisplayName("Stop")
  @Keeps(Promise.STOP)
  class Stop extends StopPromises {
    Stop() {
      super(fixture);
    }
  }

  /** Delete removes everything and frees capacity. */
  @Nested
  @DisplayName("Delete")
  @Keeps(Promise.DELETE)
  class Delete extends DeletePromises {
    Delete() {
      super(fixture);
    }
  }

  /** Outputs and logs over the caps are cut, and nothing outside the result area is served. */
  @Nested
  @DisplayName("Result caps and the result area")
  class Caps extends CapsPromises {
    Caps() {
      super(fixture);
    }
  }

  /** A second backend instance over the same infrastructure. */
  @Nested
  @DisplayName("Restart")
  @Keeps(Promise.RESTART)
  class Restart extends RestartPromises {
    Restart() {
      super(fixture);
    }
  }

  /** Jobs up to the environment's limit run at once. */
  @Nested
  @DisplayName("Concurrency")
  @Keeps(Promise.CONCURRENCY)
  class Concurrency extends ConcurrencyPromises {
    Concurrency() {
      super(fixture);
    }
  }

  /** What environments say they enforce is enforced. */
  @Nested
  @DisplayName("Environments")
  @Keeps(Promise.ENVIRONMENTS)
  class Environments extends EnvironmentsPromises {
    Environments() {
      super(fixture);
    }
  }
}
