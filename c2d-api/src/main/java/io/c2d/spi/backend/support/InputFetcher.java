package io.c2d.spi.backend.support;

import static java.util.Objects.requireNonNull;

import io.c2d.model.FileLocator;
import io.c2d.model.JobStatus;
import io.c2d.model.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a job's remote inputs on the provider's side, before the sandbox starts: an {@code http:}
 * or {@code https:} URL with the locator's method and headers, an IPFS cid or an Arweave
 * transaction through the configured gateway, or the inline content of a {@code data:} URL. The
 * algorithm never fetches anything; its sandbox stays closed.
 *
 * <p>A fetch streams the body to a file through a bounded buffer (the heap does not grow with the
 * file), enforces {@link FetchSettings#maxBytes()} and the locator's declared size while streaming,
 * checks the declared SHA-256, and retries transient failures (no connection, a 5xx or 429 answer,
 * a body cut short, no data within the read timeout) with a doubling backoff, resuming with {@code
 * Range} when the server advertised {@code Accept-Ranges: bytes}. Redirects are followed within the
 * same host and port; to another one only when {@link FetchSettings#crossHostRedirects()} allows,
 * and then without the locator's headers. Every failure is a {@link StageFailure} with {@link
 * JobStatus#DATA_PROVISIONING_FAILED} whose message names the input by its {@link
 * FileLocator#redacted() redacted} form, never a header value or query; nothing of a failed fetch
 * is left on disk.
 *
 * <p>Thread-safe: one fetcher serves every job of a backend, each fetch blocking its caller. It
 * uses the JDK's {@link HttpClient}, whose threads are daemons.
 */
public final class InputFetcher {
  private static final Logger logger = LoggerFactory.getLogger(InputFetcher.class);
  private static final int MAX_REDIRECTS = 5;
  private static final int COPY_BUFFER = 64 * 1024;

  private final FetchSettings settings;
  private final Object lock = new Object();

  // guarded by lock; made on the first remote fetch, as most backends' jobs have local inputs only
  private @Nullable HttpClient client;

  private InputFetcher(FetchSettings settings) {
    this.settings = settings;
  }

  /** A fetcher with {@code settings}. */
  public static InputFetcher create(FetchSettings settings) {
    return new InputFetcher(requireNonNull(settings, "settings"));
  }

  /** The settings this fetcher uses. */
  public FetchSettings settings() {
    return settings;
  }

  /**
   * Fetches {@code locator} into {@code target}, replacing it if it exists; its parent directories
   * are created. Blocks until done.
   *
   * @param locator a {@link FileLocator.Kind#URL}, {@link FileLocator.Kind#IPFS} or {@link
   *     FileLocator.Kind#ARWEAVE} locator
   * @param target the file to write
   * @param what names the input in messages, such as {@code dataset did:op:… file 0}
   * @return what was fetched
   * @throws StageFailure ({@code DATA_PROVISIONING_FAILED}) if it cannot be fetched; {@code target}
   *     then does not exist
   * @throws IllegalArgumentException for a {@link FileLocator.Kind#FILE} or {@link
   *     FileLocator.Kind#PVC} locator, which are not fetched
   */
  public Fetched fetch(FileLocator locator, Path target, String what) throws StageFailure {
    requireNonNull(locator, "locator");
    requireNonNull(target, "target");
    requireNonNull(what, "what");
    String named = what + " (" + locator.redacted() + ")";
    Path part = target.resolveSibling(target.getFileName() + ".part");
    boolean done = false;
    try {
      Files.createDirectories(target.toAbsolutePath().getParent());
      Files.deleteIfExists(target);
      Fetched fetched;
      URI source = source(locator, named);
      if ("data".equalsIgnoreCase(source.getScheme())) {
        fetched = inline(locator, source, part, target, named);
      } else {
        fetched = new Transfer(locator, source, part, target, named).run();
      }
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
      done = true;
      return fetched;
    } catch (IOException e) {
      logger.warn("could not write {}", named, e);
      throw failure(named, "could not be written to the job's directory (" + e + ")");
    } finally {
      if (!done) {
        deleteQuietly(part);
        deleteQuietly(target);
      }
    }
  }

  /**
   * Checks a local file against the locator's declared size and SHA-256, reading it through a
   * bounded buffer only when a checksum is declared.
   *
   * @throws StageFailure ({@code DATA_PROVISIONING_FAILED}) on a mismatch or a read failure
   */
  public void verify(FileLocator locator, Path file, String what) throws StageFailure {
    String named = what + " (" + locator.redacted() + ")";
    try {
      long size = Files.size(file);
      OptionalLong expected = locator.expectedSize();
      if (expected.isPresent() && expected.getAsLong() != size) {
        throw failure(
            named, "is " + size + " bytes, not the declared " + expected.getAsLong() + " bytes");
      }
      if (locator.sha256().isPresent()) {
        MessageDigest digest = newDigest();
        byte[] buffer = new byte[COPY_BUFFER];
        try (InputStream in = Files.newInputStream(file)) {
          for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            digest.update(buffer, 0, n);
          }
        }
        checkDigest(locator, digest, named);
      }
    } catch (IOException e) {
      throw failure(named, "could not be read (" + e.getClass().getSimpleName() + ")");
    }
  }

  private HttpClient client() {
    synchronized (lock) {
      HttpClient made = client;
      if (made == null) {
        // Redirects are followed by hand, to check each target's host before connecting to it.
        made =
            HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        client = made;
      }
      return made;
    }
  }

  private URI source(FileLocator locator, String named) throws StageFailure {
    URI uri =
        switch (locator.kind()) {
          case URL -> locator.uri();
          case IPFS ->
              gateway(
                  settings.ipfsGateway(),
                  "ipfs/" + locator.cid().orElseThrow(),
                  "an IPFS gateway",
                  "c2d.fetch.ipfs-gateway",
                  named);
          case ARWEAVE ->
              gateway(
                  settings.arweaveGateway(),
                  locator.transactionId().orElseThrow(),
                  "an Arweave gateway",
                  "c2d.fetch.arweave-gateway",
                  named);
          case FILE, PVC ->
              throw new IllegalArgumentException(locator.kind() + " locators are not fetched");
        };
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!settings.schemes().contains(scheme)) {
      throw failure(named, "uses " + scheme + ":, which this provider does not fetch");
    }
    return uri;
  }

  private static URI gateway(
      Optional<URI> configured, String relative, String which, String property, String named)
      throws StageFailure {
    if (configured.isEmpty()) {
      throw failure(named, "needs " + which + ", and none is configured (" + property + ")");
    }
    URI base = configured.get();
    String path = base.getRawPath() == null ? "" : base.getRawPath();
    String prefix = path.endsWith("/") ? path : path + "/";
    // The locator's id is letters, digits, '-' and '_' only; checked again because a path that
    // left the gateway's prefix would fetch something the publisher did not name.
    for (int i = 0; i < relative.length(); i++) {
      char c = relative.charAt(i);
      if (!(Character.isLetterOrDigit(c) && c < 0x80) && c != '-' && c != '_' && c != '/') {
        throw failure(named, "is not a plain gateway id");
      }
    }
    if (relative.contains("..") || relative.startsWith("/") || relative.contains("//")) {
      throw failure(named, "would climb out of the gateway's path");
    }
    try {
      URI resolved =
          new URI(base.getScheme(), base.getRawAuthority(), prefix + relative, null, null);
      if (!resolved.normalize().getRawPath().startsWith(prefix)) {
        throw failure(named, "would climb out of the gateway's path");
      }
      return resolved;
    } catch (URISyntaxException e) {
      throw failure(named, "does not make a gateway URI");
    }
  }

  private Fetched inline(FileLocator locator, URI data, Path part, Path target, String named)
      throws StageFailure, IOException {
    String raw = data.getRawSchemeSpecificPart();
    int comma = raw.indexOf(',');
    byte[] content;
    try {
      String meta = raw.substring(0, comma);
      content =
          meta.endsWith(";base64")
              ? Base64.getDecoder().decode(raw.substring(comma + 1))
              : data.getSchemeSpecificPart()
                  .substring(data.getSchemeSpecificPart().indexOf(',') + 1)
                  .getBytes(StandardCharsets.UTF_8);
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw failure(named, "is a malformed data: URL");
    }
    checkLength(locator, content.length, named);
    if (locator.expectedSize().isPresent()
        && locator.expectedSize().getAsLong() != content.length) {
      throw failure(
          named,
          "is "
              + content.length
              + " bytes, not the declared "
              + locator.expectedSize().getAsLong()
              + " bytes");
    }
    MessageDigest digest = newDigest();
    digest.update(content);
    byte[] sum = digest.digest();
    if (locator.sha256().isPresent() && !locator.sha256().get().matches(sum)) {
      throw failure(named, "does not match its declared SHA-256");
    }
    Files.write(part, content);
    return new Fetched(target, content.length, Sha256.ofDigest(sum), 1);
  }

  private void checkLength(FileLocator locator, long length, String named) throws StageFailure {
    if (length > settings.maxBytes()) {
      throw failure(
          named, "is larger than this provider's limit of " + settings.maxBytes() + " bytes");
    }
    if (locator.expectedSize().isPresent() && length > locator.expectedSize().getAsLong()) {
      throw failure(
          named,
          "is longer than its declared size of " + locator.expectedSize().getAsLong() + " bytes");
    }
  }

  private static void checkDigest(FileLocator locator, MessageDigest digest, String named)
      throws StageFailure {
    Optional<Sha256> expected = locator.sha256();
    if (expected.isPresent() && !expected.get().matches(digest.digest())) {
      throw failure(named, "does not match its declared SHA-256 " + expected.get().hex());
    }
  }

  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  static StageFailure failure(String named, String reason) {
    return new StageFailure(JobStatus.DATA_PROVISIONING_FAILED, named + " " + reason);
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      logger.warn("could not delete {}", file, e);
    }
  }

  /**
   * What a fetch wrote.
   *
   * @param file the file holding the input
   * @param bytes its size
   * @param sha256 its digest
   * @param attempts how many requests it took, redirects not counted
   */
  public record Fetched(Path file, long bytes, Sha256 sha256, int attempts) {
    /** Checks the components. */
    public Fetched {
      requireNonNull(file, "file");
      requireNonNull(sha256, "sha256");
    }
  }

  /** A failure worth another attempt; its message says what happened. */
  private static final class Transient extends Exception {
    private static final long serialVersionUID = 1L;

    Transient(String message) {
      super(message, null, false, false);
    }
  }

  /** One fetch over HTTP: the attempts, redirects and resumption. Confined to the caller. */
  private final class Transfer {
    private final FileLocator locator;
    private final URI start;
    private final Path part;
    private final Path target;
    private final String named;
    private final long deadline;
    private final FileSink.Progress progress;
    private final long limit;

    Transfer(FileLocator locator, URI start, Path part, Path target, String named) {
      this.locator = locator;
      this.start = start;
      this.part = part;
      this.target = target;
      this.named = named;
      this.deadline = System.nanoTime() + settings.totalTimeout().toNanos();
      this.progress =
          new FileSink.Progress(newDigest(), settings.maxBytes(), locator.expectedSize());
      long declared = locator.expectedSize().orElse(Long.MAX_VALUE);
      this.limit = Math.min(settings.maxBytes(), declared);
    }

    Fetched run() throws StageFailure {
      Duration backoff = settings.retryBackoff();
      for (int attempt = 1; ; attempt++) {
        try {
          attempt();
          long bytes = progress.position();
          OptionalLong declared = locator.expectedSize();
          if (declared.isPresent() && declared.getAsLong() != bytes) {
            throw failure(
                named,
                "is " + bytes + " bytes, not the declared " + declared.getAsLong() + " bytes");
          }
          byte[] sum = progress.digest().digest();
          if (locator.sha256().isPresent() && !locator.sha256().get().matches(sum)) {
            throw failure(
                named,
                "does not match its declared SHA-256 (expected "
                    + locator.sha256().get().hex()
                    + ", got "
                    + Sha256.ofDigest(sum).hex()
                    + ")");
          }
          return new Fetched(target, bytes, Sha256.ofDigest(sum), attempt);
        } catch (Transient e) {
          long left = deadline - System.nanoTime();
          if (attempt > settings.retries() || left <= 0) {
            throw failure(
                named,
                String.valueOf(e.getMessage())
                    + (attempt > 1 ? " (after " + attempt + " attempts)" : "")
                    + (left <= 0 ? "; the fetch took longer than " + settings.totalTimeout() : ""));
          }
          logger.info("{}: {}; retrying in {}", named, e.getMessage(), backoff);
          sleep(Math.min(backoff.toNanos(), left));
          backoff = backoff.multipliedBy(2);
        }
      }
    }

    private void attempt() throws Transient, StageFailure {
      URI current = start;
      String method = locator.method();
      boolean sameHost = true;
      for (int redirects = 0; ; redirects++) {
        HttpResponse<Void> response = exchange(current, method, sameHost);
        int status = response.statusCode();
        if (status / 100 == 2) {
          return;
        }
        if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
          if (redirects == MAX_REDIRECTS) {
            throw failure(named, "was redirected more than " + MAX_REDIRECTS + " times");
          }
          URI next = redirectTarget(current, response);
          if (!sameOrigin(start, next)) {
            if (!settings.crossHostRedirects()) {
              throw failure(
                  named,
                  "was redirected to another host ("
                      + hostOf(next)
                      + "), which this provider refuses (c2d.fetch.cross-host-redirects)");
            }
            sameHost = false;
          }
          if (status == 303) {
            method = "GET";
          }
          current = next;
          continue;
        }
        if (status == 416) {
          // The resumption point is past the server's end: start again from the beginning.
          progress.restart();
          throw new Transient("the server refused to resume (416)");
        }
        if (status == 429 || status / 100 == 5 || status == 408) {
          throw new Transient("the server answered " + status);
        }
        throw failure(named, "could not be fetched: the server answered " + status);
      }
    }

    private HttpResponse<Void> exchange(URI uri, String method, boolean sameHost)
        throws Transient, StageFailure {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uri)
              .timeout(settings.readTimeout())
              .method(method, HttpRequest.BodyPublishers.noBody());
      if (sameHost) {
        for (Map.Entry<String, String> header : locator.headers().entrySet()) {
          request.header(header.getKey(), header.getValue());
        }
      }
      long from = progress.position();
      if (from > 0 && progress.resumable()) {
        request.header("Range", "bytes=" + from + "-");
        progress.validator().ifPresent(validator -> request.header("If-Range", validator));
      } else if (from > 0) {
        progress.restart();
      }
      FileSink.Handler handler = new FileSink.Handler(part, progress, limit);
      CompletableFuture<HttpResponse<Void>> call;
      try {
        call = client().sendAsync(request.build(), handler);
      } catch (IllegalArgumentException e) {
        throw failure(named, "cannot be requested (" + e.getMessage() + ")");
      }
      long lastPosition = progress.position();
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          handler.cancel();
          call.cancel(true);
          throw failure(named, "took longer than " + settings.totalTimeout() + " to fetch");
        }
        try {
          return call.get(Math.min(settings.readTimeout().toNanos(), left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          long position = progress.position();
          if (position == lastPosition && deadline - System.nanoTime() > 0) {
            handler.cancel();
            call.cancel(true);
            throw new Transient("sent nothing for " + settings.readTimeout());
          }
          lastPosition = position;
        } catch (InterruptedException e) {
          handler.cancel();
          call.cancel(true);
          Thread.currentThread().interrupt();
          throw failure(named, "was not fetched: the provider is shutting down");
        } catch (ExecutionException e) {
          handler.cancel();
          throw classify(e.getCause() == null ? e : e.getCause());
        }
      }
    }

    private Transient classify(Throwable cause) throws StageFailure {
      for (Throwable t = cause; t != null; t = t.getCause()) {
        if (t instanceof FileSink.Refused refused) {
          throw failure(named, refused.reason());
        }
      }
      if (cause instanceof HttpConnectTimeoutException) {
        return new Transient("could not connect within " + settings.connectTimeout());
      }
      if (cause instanceof HttpTimeoutException) {
        return new Transient("did not answer within " + settings.readTimeout());
      }
      if (cause instanceof ConnectException) {
        return new Transient("could not connect to " + hostOf(start));
      }
      if (cause instanceof InterruptedIOException || cause instanceof IOException) {
        logger.debug("{}: the transfer failed", named, cause);
        return new Transient(
            "the connection failed after "
                + progress.position()
                + " bytes ("
                + cause.getClass().getSimpleName()
                + ")");
      }
      logger.warn("{}: unexpected failure", named, cause);
      throw failure(named, "could not be fetched (" + cause.getClass().getSimpleName() + ")");
    }

    private URI redirectTarget(URI current, HttpResponse<Void> response) throws StageFailure {
      Optional<String> location = response.headers().firstValue("Location");
      if (location.isEmpty()) {
        throw failure(named, "was redirected without a Location");
      }
      URI next;
      try {
        next = current.resolve(new URI(location.get()));
      } catch (URISyntaxException | IllegalArgumentException e) {
        throw failure(named, "was redirected to a malformed location");
      }
      String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https"))
          || !settings.schemes().contains(scheme)) {
        throw failure(named, "was redirected to a " + scheme + ": URL, which is not fetched");
      }
      return next;
    }
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getHost() != null
        && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b)
        && a.getScheme().equalsIgnoreCase(b.getScheme());
  }

  private static int port(URI uri) {
    if (uri.getPort() >= 0) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private static String hostOf(URI uri) {
    return uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
  }

  private static void sleep(long nanos) throws StageFailure {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StageFailure(
          JobStatus.DATA_PROVISIONING_FAILED, "the fetch was interrupted: shutting down");
    }
  }
}
