package io.c2d.jmh;

import io.c2d.model.ComputeRequest;
import io.c2d.ocean.OceanJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Parsing and validating an Ocean provider-v4 compute start body (DESIGN step 1): {@code
 * OceanJson.parseStartRequest(body).build()} on a body with two datasets, a published algorithm
 * with its container, custom data, resources, output options and an expiry ({@code validUntil}),
 * about 2 KB (the sample {@code start-provider-v4.json} of c2d-api's tests).
 *
 * <p>Run: {@code java -jar c2d-jmh/target/benchmarks.jar OceanJsonBenchmark -rf json -rff
 * c2d-jmh/target/ocean-json.json}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class OceanJsonBenchmark {
  private String body;

  /** Reads the sample body. */
  @Setup(Level.Trial)
  public void readBody() {
    try (InputStream in = OceanJsonBenchmark.class.getResourceAsStream("start-provider-v4.json")) {
      if (in == null) {
        throw new IllegalStateException("start-provider-v4.json is missing from the jar");
      }
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses and validates the body into a request. */
  @Benchmark
  public ComputeRequest parseAndBuild() {
    return OceanJson.parseStartRequest(body).build();
  }
}
