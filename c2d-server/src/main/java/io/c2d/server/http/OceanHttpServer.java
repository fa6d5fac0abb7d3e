package io.c2d.server.http;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link OceanComputeHandler} on the JDK's built-in HTTP server ({@code com.sun.net.httpserver}),
 * the production adapter: {@link #start} runs a server of its own; {@link #jdkHandler} mounts the
 * handler in a server the application already runs.
 *
 * <p><b>Limits.</b> Request bodies are capped by the handler. The JDK server's own limits are JVM
 * wide system properties, read once when its first server starts; {@link #start} sets those not
 * already set: {@code sun.net.httpserver.maxReqTime} ({@value #MAX_REQUEST_SECONDS} s to send a
 * request's headers and body, after which the connection is closed), {@code
 * sun.net.httpserver.idleInterval} ({@value #IDLE_SECONDS} s an idle keep-alive connection stays
 * open), {@code sun.net.httpserver.maxIdleConnections} and {@code sun.net.httpserver.maxReqHeaders}
 * ({@value #MAX_HEADERS}), and {@code sun.net.httpserver.nodelay=true} (TCP_NODELAY: without it
 * every keep-alive answer waits about 40 ms for the client's delayed ACK). No response time limit
 * is set: result downloads and live logs stream for as long as they need.
 *
 * <p>Thread-safe. {@link #close} stops the server and its threads (not the engine).
 */
public final class OceanHttpServer implements AutoCloseable {
  static final int MAX_REQUEST_SECONDS = 30;
  static final int IDLE_SECONDS = 30;
  static final int MAX_HEADERS = 100;
  private static final int THREADS = 64;

  private final HttpServer server;
  private final ExecutorService executor;

  private OceanHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts a server answering {@code handler} at the root of {@code address} ({@code port 0} picks
   * a free port), with up to {@value #THREADS} requests at once.
   *
   * @throws UncheckedIOException if the address cannot be bound
   */
  public static OceanHttpServer start(OceanComputeHandler handler, InetSocketAddress address) {
    requireNonNull(handler, "handler");
    requireNonNull(address, "address");
    setDefaultLimits();
    AtomicInteger threads = new AtomicInteger();
    ThreadFactory factory =
        runnable -> {
          Thread thread = new Thread(runnable, "c2d-http-" + threads.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        };
    ExecutorService executor = Executors.newFixedThreadPool(THREADS, factory);
    HttpServer server;
    try {
      server = HttpServer.create(address, 128);
    } catch (IOException e) {
      executor.shutdownNow();
      throw new UncheckedIOException("cannot listen on " + address, e);
    }
    server.setExecutor(executor);
    server.createContext("/", jdkHandler(handler, ""));
    server.start();
    return new OceanHttpServer(server, executor);
  }

  /**
   * {@code handler} as a JDK {@link HttpHandler}, for a context at {@code contextPath} ({@code ""}
   * for the root, else such as {@code "/ocean"}) of the application's own server; the provider's
   * URL is then the server's URL followed by {@code contextPath}.
   */
  public static HttpHandler jdkHandler(OceanComputeHandler handler, String contextPath) {
    requireNonNull(handler, "handler");
    requireNonNull(contextPath, "contextPath");
    return exchange -> {
      try (exchange) {
        URI uri = exchange.getRequestURI();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!contextPath.isEmpty() && path.startsWith(contextPath)) {
          path = path.substring(contextPath.length());
        }
        String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        ProviderRequest request =
            ProviderRequest.of(
                exchange.getRequestMethod(),
                path,
                query,
                exchange.getRequestHeaders(),
                exchange.getRequestBody());
        handler.handle(
            request, (status, headers, length) -> start(exchange, status, headers, length));
      }
    };
  }

  private static OutputStream start(
      HttpExchange exchange, int status, Map<String, String> headers, long length)
      throws IOException {
    headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
    // the JDK server: 0 is chunked, -1 is no body
    exchange.sendResponseHeaders(status, length < 0 ? 0 : length == 0 ? -1 : length);
    return exchange.getResponseBody();
  }

  private static void setDefaultLimits() {
    setIfAbsent("sun.net.httpserver.maxReqTime", Integer.toString(MAX_REQUEST_SECONDS));
    setIfAbsent("sun.net.httpserver.idleInterval", Integer.toString(IDLE_SECONDS));
    setIfAbsent("sun.net.httpserver.maxIdleConnections", "200");
    setIfAbsent("sun.net.httpserver.maxReqHeaders", Integer.toString(MAX_HEADERS));
    // without TCP_NODELAY the headers and body of an answer go out in two segments and the second
    // waits for the client's delayed ACK: 40 ms on every keep-alive request (measured:
    // HttpBenchmark)
    setIfAbsent("sun.net.httpserver.nodelay", "true");
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  /** The URL to give ocean.js, such as {@code http://127.0.0.1:8030}. */
  public URI url() {
    InetSocketAddress address = server.getAddress();
    String host = address.getAddress().getHostAddress();
    if (host.indexOf(':') >= 0) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + address.getPort());
  }

  /** The port the server listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops accepting requests, ends open exchanges and stops the server's threads. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "OceanHttpServer[" + url() + "]";
  }
}
