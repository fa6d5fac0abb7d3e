package io.c2d.testkit;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A real HTTP file server on loopback for tests of input fetching: it listens on {@code 127.0.0.1}
 * at an ephemeral port, serves generated content (nothing is read from disk, so a 1 GiB body costs
 * no disk and no heap), honours {@code Range}, and fails on demand.
 *
 * <pre>{@code
 * try (LoopbackFileServer server = LoopbackFileServer.start()) {
 *   LoopbackFileServer.Route route =
 *       server.serve("/data.csv", LoopbackFileServer.Body.of("a,b\n1,2\n"))
 *           .failFirst(2, 503)                      // two 503s, then the body
 *           .requireHeader("Authorization", "Bearer t");
 *   URI url = server.uri("/data.csv");
 *   ...
 *   assertThat(route.requests()).isEqualTo(3);
 * }
 * }</pre>
 *
 * <p>Per {@link Route}: answer a status instead ({@link Route#status}), the first N requests with a
 * status ({@link Route#failFirst}), a redirect ({@link Route#redirectTo}), headers or a method the
 * request must carry (else 401 or 405), a delay before the headers ({@link Route#delayHeaders}), a
 * throttled body ({@link Route#throttle}), a body cut after N bytes by closing the connection
 * ({@link Route#cutFirst}), no {@code Content-Length} ({@link Route#chunked}) and whether ranges
 * are served ({@link Route#ranges}). An unknown path is 404. Gateway paths are ordinary paths:
 * serve {@code /ipfs/<cid>} and {@code /arweave/<tx>} and use {@link #uri(String) uri("/")} and
 * {@link #uri(String) uri("/arweave/")} as the gateways.
 *
 * <p>{@link #uri(String)} names the server by {@code 127.0.0.1}, {@link #localhostUri(String)} by
 * {@code localhost}: the same server under another host name, to test redirects to another host.
 *
 * <p>Thread-safe; routes may be changed while it serves. {@link #close()} stops it.
 */
public final class LoopbackFileServer implements AutoCloseable {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");
  private static final int CHUNK = 16 * 1024;

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, Route> routes = new ConcurrentHashMap<>();

  private LoopbackFileServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts a server on {@code 127.0.0.1} at a free port.
   *
   * @throws UncheckedIOException if it cannot bind
   */
  public static LoopbackFileServer start() {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      AtomicInteger threads = new AtomicInteger();
      ExecutorService executor =
          Executors.newCachedThreadPool(
              runnable -> {
                Thread thread =
                    new Thread(runnable, "loopback-file-server-" + threads.incrementAndGet());
                thread.setDaemon(true);
                return thread;
              });
      server.setExecutor(executor);
      LoopbackFileServer files = new LoopbackFileServer(server, executor);
      server.createContext("/", files::handle);
      server.start();
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the loopback file server", e);
    }
  }

  /** The port it listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://127.0.0.1:<port><path>}; {@code path} starts with {@code /}. */
  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + checkPath(path));
  }

  /** {@code http://localhost:<port><path>}: this server under another host name. */
  public URI localhostUri(String path) {
    return URI.create("http://localhost:" + port() + checkPath(path));
  }

  /**
   * Serves {@code body} at {@code path} (replacing what was there) and returns its route, to
   * configure failures on.
   */
  public Route serve(String path, Body body) {
    Route route = new Route(requireNonNull(body, "body"));
    routes.put(checkPath(path), route);
    return route;
  }

  /** The route at {@code path}, if one is served. */
  public Optional<Route> route(String path) {
    return Optional.ofNullable(routes.get(path));
  }

  /** Stops serving at once and ends its threads. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private static String checkPath(String path) {
    if (!requireNonNull(path, "path").startsWith("/")) {
      throw new IllegalArgumentException("a path starts with '/': " + path);
    }
    return path;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Route route = routes.get(exchange.getRequestURI().getRawPath());
      if (route == null) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      route.serve(exchange);
    }
  }

  /**
   * What one path serves and how it misbehaves. Thread-safe; every setter returns this route and
   * applies to the requests that come after it.
   */
  public static final class Route {
    private final Body body;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final AtomicInteger cutsLeft = new AtomicInteger();
    private final AtomicLong bytesSent = new AtomicLong();
    private final Map<String, String> requiredHeaders = new ConcurrentHashMap<>();
    private volatile int failStatus = 503;
    private volatile int status = 200;
    private volatile long cutAfter;
    private volatile @Nullable URI redirect;
    private volatile @Nullable String requiredMethod;
    private volatile Duration headerDelay = Duration.ZERO;
    private volatile long bytesPerSecond;
    private volatile boolean chunked;
    private volatile boolean ranges = true;
    private volatile Map<String, List<String>> lastHeaders = Map.of();
    private volatile @Nullable String lastRange;

    private Route(Body body) {
      this.body = body;
    }

    /** Answers every request with {@code status} and no body (such as 404 or 500). */
    public Route status(int status) {
      this.status = status;
      return this;
    }

    /** Answers the next {@code times} requests with {@code status}, then serves as configured. */
    public Route failFirst(int times, int status) {
      this.failStatus = status;
      this.failuresLeft.set(times);
      return this;
    }

    /** Answers with a 302 to {@code location}. */
    public Route redirectTo(URI location) {
      this.redirect = requireNonNull(location, "location");
      return this;
    }

    /** Answers 401 unless the request carries this header with this value. */
    public Route requireHeader(String name, String value) {
      requiredHeaders.put(name, value);
      return this;
    }

    /** Answers 405 unless the request uses {@code method}. */
    public Route requireMethod(String method) {
      this.requiredMethod = requireNonNull(method, "method");
      return this;
    }

    /** Waits this long before sending the response's headers. */
    public Route delayHeaders(Duration delay) {
      this.headerDelay = requireNonNull(delay, "delay");
      return this;
    }

    /** Sends the body at about this many bytes a second; 0 (the default) is as fast as it can. */
    public Route throttle(long bytesPerSecond) {
      this.bytesPerSecond = bytesPerSecond;
      return this;
    }

    /**
     * For the next {@code times} bodies, closes the connection after {@code bytes} bytes although
     * the {@code Content-Length} promised more.
     */
    public Route cutFirst(int times, long bytes) {
      this.cutAfter = bytes;
      this.cutsLeft.set(times);
      return this;
    }

    /** Sends the body without a {@code Content-Length} (chunked). */
    public Route chunked(boolean chunked) {
      this.chunked = chunked;
      return this;
    }

    /** Whether {@code Range} requests are served (and {@code Accept-Ranges} sent); default yes. */
    public Route ranges(boolean ranges) {
      this.ranges = ranges;
      return this;
    }

    /** How many requests reached this route. */
    public int requests() {
      return requests.get();
    }

    /** How many body bytes it sent in all. */
    public long bytesSent() {
      return bytesSent.get();
    }

    /** The headers of the last request, names in lower case. */
    public Map<String, List<String>> lastRequestHeaders() {
      return lastHeaders;
    }

    /** The {@code Range} header of the last request, if it had one. */
    public Optional<String> lastRange() {
      return Optional.ofNullable(lastRange);
    }

    private void serve(HttpExchange exchange) throws IOException {
      requests.incrementAndGet();
      Map<String, List<String>> headers = new LinkedHashMap<>();
      exchange
          .getRequestHeaders()
          .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values));
      lastHeaders = Map.copyOf(headers);
      String range = exchange.getRequestHeaders().getFirst("Range");
      lastRange = range;
      try (InputStream in = exchange.getRequestBody()) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      sleep(headerDelay.toMillis());
      String method = requiredMethod;
      if (method != null && !method.equalsIgnoreCase(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      for (Map.Entry<String, String> required : requiredHeaders.entrySet()) {
        if (!required.getValue().equals(exchange.getRequestHeaders().getFirst(required.getKey()))) {
          exchange.sendResponseHeaders(401, -1);
          return;
        }
      }
      if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        exchange.sendResponseHeaders(failStatus, -1);
        return;
      }
      URI location = redirect;
      if (location != null) {
        exchange.getResponseHeaders().set("Location", location.toString());
        exchange.sendResponseHeaders(302, -1);
        return;
      }
      if (status != 200) {
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      long from = 0;
      long to = body.size() - 1;
      int code = 200;
      if (ranges) {
        exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
        exchange.getResponseHeaders().set("ETag", body.etag());
        Matcher matcher = range == null ? null : RANGE.matcher(range);
        if (matcher != null && matcher.matches()) {
          from = Long.parseLong(matcher.group(1));
          if (!matcher.group(2).isEmpty()) {
            to = Math.min(to, Long.parseLong(matcher.group(2)));
          }
          if (from >= body.size()) {
            exchange.getResponseHeaders().set("Content-Range", "bytes */" + body.size());
            exchange.sendResponseHeaders(416, -1);
            return;
          }
          code = 206;
          exchange
              .getResponseHeaders()
              .set("Content-Range", "bytes " + from + "-" + to + "/" + body.size());
        }
      }
      long length = to - from + 1;
      long cut = cutsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? cutAfter : Long.MAX_VALUE;
      exchange.sendResponseHeaders(code, chunked ? 0 : (length == 0 ? -1 : length));
      OutputStream out = exchange.getResponseBody();
      byte[] buffer = new byte[CHUNK];
      long sent = 0;
      long started = System.nanoTime();
      long rate = bytesPerSecond;
      while (sent < length) {
        int n = (int) Math.min(buffer.length, Math.min(length - sent, cut - sent));
        if (rate > 0) {
          n = (int) Math.min(n, Math.max(1, rate / 10));
        }
        if (n <= 0) {
          // Cut: the connection closes with the promised length unmet.
          throw new IOException("cut after " + sent + " bytes on purpose");
        }
        body.read(from + sent, buffer, n);
        out.write(buffer, 0, n);
        out.flush();
        sent += n;
        bytesSent.addAndGet(n);
        if (rate > 0) {
          long due = started + sent * 1_000_000_000L / rate;
          sleep((due - System.nanoTime()) / 1_000_000);
        }
      }
    }

    private static void sleep(long millis) {
      if (millis <= 0) {
        return;
      }
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The content of a route: given bytes, or a deterministic stream of pseudo-random bytes of any
   * size that is generated as it is sent. Immutable and thread-safe.
   */
  public static final class Body {
    private static final int BLOCK = 64 * 1024;

    private final long size;
    private final long seed;
    private final byte @Nullable [] bytes;

    private Body(long size, long seed, byte @Nullable [] bytes) {
      this.size = size;
      this.seed = seed;
      this.bytes = bytes;
    }

    /** These bytes. */
    public static Body of(byte[] bytes) {
      return new Body(bytes.length, 0, bytes.clone());
    }

    /** This text in UTF-8. */
    public static Body of(String text) {
      return of(text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code size} pseudo-random bytes determined by {@code seed}. */
    public static Body generated(long size, long seed) {
      if (size < 0) {
        throw new IllegalArgumentException("size must not be negative: " + size);
      }
      return new Body(size, seed, null);
    }

    /** Its size in bytes. */
    public long size() {
      return size;
    }

    /** An input stream of all of it, generated as it is read. */
    public InputStream open() {
      return new InputStream() {
        private long position;

        @Override
        public int read() {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
          if (position >= size) {
            return -1;
          }
          int n = (int) Math.min(length, size - position);
          byte[] chunk = offset == 0 ? buffer : new byte[n];
          Body.this.read(position, chunk, n);
          if (offset != 0) {
            System.arraycopy(chunk, 0, buffer, offset, n);
          }
          position += n;
          return n;
        }
      };
    }

    /** Its SHA-256, computed by streaming it, as 64 lower-case hex digits. */
    public String sha256() {
      try {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[BLOCK];
        for (long at = 0; at < size; at += BLOCK) {
          int n = (int) Math.min(BLOCK, size - at);
          read(at, buffer, n);
          digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JDK has SHA-256", e);
      }
    }

    String etag() {
      return "\"" + Long.toHexString(seed) + "-" + size + "\"";
    }

    /** Fills {@code buffer[0..length)} with the bytes from {@code position}. */
    void read(long position, byte[] buffer, int length) {
      byte[] given = bytes;
      if (given != null) {
        System.arraycopy(given, (int) position, buffer, 0, length);
        return;
      }
      // Each 8-byte word is a hash of the seed and its index, so any range can start anywhere.
      long wordIndex = -1;
      long word = 0;
      for (int i = 0; i < length; i++) {
        long at = position + i;
        if (at >>> 3 != wordIndex) {
          wordIndex = at >>> 3;
          word = mix(seed ^ wordIndex * 0x9E3779B97F4A7C15L);
        }
        buffer[i] = (byte) (word >>> ((at & 7) * 8));
      }
    }

    private static long mix(long z) {
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }
  }
}
