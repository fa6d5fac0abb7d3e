package io.c2d.spi.filter;

import static java.util.Objects.requireNonNull;

import io.c2d.model.JobResult;
import io.c2d.model.ResultKind;
import java.io.IOException;
import java.io.InputStream;

/**
 * One output or log of a job, as a {@link ResultFilter} sees it: its listing and its content,
 * opened on demand. Logs ({@code algorithm.log}, the files of {@code /data/logs}, {@code
 * configuration.log}, {@code publish.log}) are results like outputs, also for failed jobs.
 *
 * <p>When an earlier filter of the chain redacted the result, {@link #open()} reads the replacement
 * and {@link #result()}'s size is the replacement's.
 *
 * <p>Immutable and thread-safe; {@link #open()} may be called more than once, and each stream reads
 * the content again from its start. The caller closes each stream.
 */
public final class FilterResult {
  private final JobResult result;
  private final ContentSource content;

  private FilterResult(JobResult result, ContentSource content) {
    this.result = result;
    this.content = content;
  }

  /**
   * The result listed as {@code result}, whose bytes {@code content} opens (repeatably).
   *
   * @throws NullPointerException if an argument is null
   */
  public static FilterResult of(JobResult result, ContentSource content) {
    return new FilterResult(requireNonNull(result, "result"), requireNonNull(content, "content"));
  }

  /** The result as the job lists it; decisions name it in {@link FilterOutcome.Builder#decide}. */
  public JobResult result() {
    return result;
  }

  /** Shorthand for {@code result().name()}. */
  public String name() {
    return result.name();
  }

  /** Shorthand for {@code result().kind()}: an output or one of the logs. */
  public ResultKind kind() {
    return result.kind();
  }

  /**
   * Opens the content from its start.
   *
   * @throws IOException if it cannot be read
   */
  public InputStream open() throws IOException {
    return content.open();
  }

  @Override
  public String toString() {
    return "FilterResult[" + result + "]";
  }
}
