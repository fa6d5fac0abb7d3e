package io.c2d.spi.filter;

import static java.util.Objects.requireNonNull;

import io.c2d.model.Did;
import io.c2d.model.JobId;
import io.c2d.model.JobStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link ResultFilter} checks: one finished job's results (every output and every log, as
 * streams), its inputs (streams it may read once, with their SHA-256 where known), and the
 * parameters the publisher set for this filter on this asset.
 *
 * <p>Immutable and thread-safe (the streams are the caller's to close); built with {@link
 * #builder(JobId)}, which filter authors also use in their tests.
 */
public final class FilterSubject {
  private final JobId jobId;
  private final JobStatus status;
  private final List<Did> assets;
  private final List<FilterResult> results;
  private final List<FilterInput> inputs;
  private final Map<String, String> parameters;

  private FilterSubject(Builder b) {
    this.jobId = b.jobId;
    this.status = b.status;
    this.assets = List.copyOf(b.assets);
    this.results = List.copyOf(b.results);
    this.inputs = List.copyOf(b.inputs);
    this.parameters = Map.copyOf(b.parameters);
  }

  /** A builder for job {@code jobId}'s subject. */
  public static Builder builder(JobId jobId) {
    return new Builder(requireNonNull(jobId, "jobId"));
  }

  /** The job. */
  public JobId jobId() {
    return jobId;
  }

  /**
   * The status the job's run ended with as the backend reported it: {@link JobStatus#COMPLETED} (or
   * truncated) for a run that succeeded, a failure status for one that failed (its logs are checked
   * too).
   */
  public JobStatus status() {
    return status;
  }

  /** The job's input assets, in the job's order. */
  public List<Did> assets() {
    return assets;
  }

  /** Every output and log of the job, in result order; unmodifiable. */
  public List<FilterResult> results() {
    return results;
  }

  /** Every input file of the job, in the job's order; unmodifiable. */
  public List<FilterInput> inputs() {
    return inputs;
  }

  /**
   * The parameters the chain gives this filter for the job's asset (such as {@code k = 5}), with
   * the filter's name prefix removed; unmodifiable, possibly empty.
   */
  public Map<String, String> parameters() {
    return parameters;
  }

  /** The parameter {@code key}, or {@code defaultValue} when it is not set. */
  public String parameter(String key, String defaultValue) {
    return parameters.getOrDefault(key, defaultValue);
  }

  @Override
  public String toString() {
    return "FilterSubject[" + jobId + ", " + results.size() + " results]";
  }

  /** Builds a {@link FilterSubject}; not thread-safe. */
  public static final class Builder {
    private final JobId jobId;
    private JobStatus status = JobStatus.COMPLETED;
    private final List<Did> assets = new ArrayList<>();
    private final List<FilterResult> results = new ArrayList<>();
    private final List<FilterInput> inputs = new ArrayList<>();
    private final Map<String, String> parameters = new LinkedHashMap<>();

    private Builder(JobId jobId) {
      this.jobId = jobId;
    }

    /**
     * The status the run ended with; defaults to {@link JobStatus#COMPLETED}.
     *
     * @throws IllegalArgumentException if it is not terminal
     */
    public Builder status(JobStatus status) {
      requireNonNull(status, "status");
      if (!status.isTerminal()) {
        throw new IllegalArgumentException("status must be terminal but was " + status);
      }
      this.status = status;
      return this;
    }

    /** Adds an input asset. */
    public Builder addAsset(Did asset) {
      assets.add(requireNonNull(asset, "asset"));
      return this;
    }

    /** Adds a result. */
    public Builder addResult(FilterResult result) {
      results.add(requireNonNull(result, "result"));
      return this;
    }

    /** Adds an input file. */
    public Builder addInput(FilterInput input) {
      inputs.add(requireNonNull(input, "input"));
      return this;
    }

    /** Sets the parameter {@code key} to {@code value}. */
    public Builder parameter(String key, String value) {
      parameters.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
      return this;
    }

    /** Adds every parameter of {@code parameters}. */
    public Builder parameters(Map<String, String> parameters) {
      requireNonNull(parameters, "parameters").forEach(this::parameter);
      return this;
    }

    /** The subject. */
    public FilterSubject build() {
      return new FilterSubject(this);
    }
  }
}
