package io.c2d.server.http;

import io.c2d.ComputeEngine;
import io.c2d.ErrorCode;
import io.c2d.InvalidRequestException;
import io.c2d.UnavailableException;
import io.c2d.model.ComputeJob;
import io.c2d.model.EthAddress;
import io.c2d.model.JobId;
import io.c2d.model.JobResult;
import io.c2d.model.OceanSignature;
import io.c2d.model.ResultKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * The result download ({@code GET /api/services/computeResult}, with {@code Range: bytes=N-}) and
 * the live log ({@code GET /api/services/computeStreamableLogs}, at most a configured number open
 * at once), both signed by the job's owner and read only through the engine's streams, never from a
 * path a client names. Thread-safe.
 */
final class ResultRoute {
  private final ComputeEngine engine;
  private final Duration engineTimeout;
  private final Semaphore liveLogSlots;

  ResultRoute(ComputeEngine engine, Duration engineTimeout, int maxLiveLogStreams) {
    this.engine = engine;
    this.engineTimeout = engineTimeout;
    this.liveLogSlots = new Semaphore(maxLiveLogStreams);
  }

  void result(ProviderRequest request, ProviderResponse response) throws IOException {
    QueryParams query = QueryParams.parse(request.rawQuery());
    JobId id = query.jobId("jobId");
    int index = query.index("index");
    EthAddress owner = EngineAuth.authenticate(engine, query, OceanSignature.GET_COMPUTE_RESULT);
    JobResult result =
        engine.results(id, owner).stream()
            .filter(r -> r.index() == index)
            .findFirst()
            .orElseThrow(
                () ->
                    new io.c2d.NotFoundException(
                        ErrorCode.RESULT_NOT_FOUND,
                        "job " + id + " has no result with index " + index));
    Optional<Ranges.Range> range;
    try {
      range = Ranges.parse(request.header("Range"), result.size());
    } catch (InvalidRequestException e) {
      OceanComputeHandler.send(
          response, ErrorReplies.of(e), Map.of("Content-Range", "bytes */" + result.size()));
      return;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", contentType(result));
    headers.put("Accept-Ranges", "bytes");
    headers.put(
        "Content-Disposition", "attachment; filename=\"" + result.name().replace("\"", "") + "\"");
    long start = range.map(Ranges.Range::start).orElse(0L);
    long length = range.map(Ranges.Range::length).orElse(result.size());
    range.ifPresent(r -> headers.put("Content-Range", r.contentRange()));
    try (InputStream in =
        OceanComputeHandler.await(engine.openResult(id, owner, index), engineTimeout)) {
      in.skipNBytes(start);
      try (OutputStream out = response.start(range.isPresent() ? 206 : 200, headers, length)) {
        copy(in, out, length);
      }
    }
  }

  void liveLogs(QueryParams query, ProviderResponse response) throws IOException {
    JobId id = query.jobId("jobId");
    EthAddress owner =
        EngineAuth.authenticate(engine, query, OceanSignature.GET_COMPUTE_STREAMABLE_LOGS);
    ComputeJob job = engine.status(id, owner);
    if (job.isTerminal()) {
      throw new io.c2d.NotFoundException(
          ErrorCode.JOB_NOT_FOUND, "job " + id + " is not running; its logs are among its results");
    }
    if (!liveLogSlots.tryAcquire()) {
      throw new UnavailableException(
          ErrorCode.BACKEND_FAILURE, "too many live log streams are open; retry later");
    }
    try (InputStream in = OceanComputeHandler.await(engine.openLiveLog(id, owner), engineTimeout);
        OutputStream out =
            response.start(200, Map.of("Content-Type", "text/plain; charset=utf-8"), -1)) {
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } finally {
      liveLogSlots.release();
    }
  }

  private static void copy(InputStream in, OutputStream out, long length) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new IOException("the result ended " + left + " bytes early");
      }
      out.write(buffer, 0, n);
      left -= n;
    }
  }

  private static String contentType(JobResult result) {
    return result.kind() == ResultKind.OUTPUT
        ? "application/octet-stream"
        : "text/plain; charset=utf-8";
  }
}
