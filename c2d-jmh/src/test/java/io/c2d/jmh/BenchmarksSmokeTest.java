package io.c2d.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Proves every benchmark runs: one tiny in-process iteration of each, with every parameter value at
 * its smallest; asserts no times.
 */
final class BenchmarksSmokeTest {

  @Test
  void everyBenchmarkRunsOnce() throws RunnerException {
    // In process (forks 0): small request batches, read when the benchmark classes load.
    System.setProperty("c2d.jmh.batch", "20000");
    System.setProperty("c2d.jmh.http-signatures", "2000");
    Options options =
        new OptionsBuilder()
            .include("io\\.c2d\\.jmh\\..*Benchmark")
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(50))
            .param("jobs", "1000")
            .shouldFailOnError(true)
            // JMH's report goes to a file, not into the build's log.
            .output("target/jmh-smoke.txt")
            .build();

    Collection<RunResult> results = new Runner(options).run();

    // Submit 2 capacities x 4 methods, Status 2 modes x 2 methods, Fairness 2, Signature 1 (web3j;
    // the pure-Java variant went with the testkit's own curve code), Verdict 2, OceanJson 1,
    // Http 6 (two starts, three status client counts, the engine's status).
    assertThat(results).hasSize(8 + 4 + 2 + 1 + 2 + 1 + 6);
    assertThat(results)
        .allSatisfy(result -> assertThat(result.getPrimaryResult().getSampleCount()).isPositive());
  }

  @Test
  void theHeapPerJobMeasurementRuns() {
    assertThat(HeapPerJob.bytesPerJob(1_000, false)).isFinite();
    assertThat(HeapPerJob.bytesPerJob(1_000, true)).isFinite();
  }
}
