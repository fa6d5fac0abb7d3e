package io.c2d.server.http;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * Where {@link OceanComputeHandler} writes its answer: an adapter implements it over its server's
 * own response object. The handler calls {@link #start} exactly once, then writes the body to the
 * returned stream (in pieces, flushing as it goes for streamed bodies such as live logs) and closes
 * it.
 *
 * <p>Confined to the thread that handles the request.
 */
public interface ProviderResponse {
  /**
   * Sends the status line and headers and opens the body.
   *
   * @param status the HTTP status code
   * @param headers the response headers, one value each
   * @param contentLength the body's length in bytes, or {@code -1} when it is not known in advance
   *     (a streamed body: the adapter uses chunked transfer coding or its server's equivalent)
   * @return the body stream; for a length of {@code 0} nothing may be written to it
   * @throws IOException if the client has gone
   */
  OutputStream start(int status, Map<String, String> headers, long contentLength)
      throws IOException;
}
