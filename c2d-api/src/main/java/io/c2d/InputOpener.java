package io.c2d;

import io.c2d.model.FileLocator;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;

/**
 * Opens a job's input where it lives, for the result filters to read once as a stream (never a
 * copy): a local file, or an HTTP(S) URL with its method and headers, or an inline {@code data:}
 * URI. Inputs only a backend can reach (IPFS and Arweave gateways, Kubernetes volumes) cannot be
 * opened here: the filter reading them fails and the chain withholds (fails closed). Thread-safe.
 */
final class InputOpener {
  private static final Duration CONNECT = Duration.ofSeconds(10);

  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(CONNECT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  InputStream open(FileLocator locator) throws IOException {
    return switch (locator.kind()) {
      case FILE ->
          Files.newInputStream(
              locator.path().orElseThrow(() -> new IOException("a file input without a path")));
      case URL -> openUrl(locator);
      default ->
          throw new IOException(
              "a "
                  + locator.kind()
                  + " input cannot be read by the result filters on this provider: "
                  + locator.redacted());
    };
  }

  private InputStream openUrl(FileLocator locator) throws IOException {
    URI uri = locator.uri();
    if ("data".equalsIgnoreCase(uri.getScheme())) {
      return dataUri(uri.toString());
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).method(locator.method(), HttpRequest.BodyPublishers.noBody());
    locator.headers().forEach(request::header);
    try {
      HttpResponse<InputStream> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() / 100 != 2) {
        response.body().close();
        throw new IOException(
            "input " + locator.redacted() + " answered HTTP " + response.statusCode());
      }
      return response.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while opening " + locator.redacted(), e);
    }
  }

  private static InputStream dataUri(String uri) throws IOException {
    int comma = uri.indexOf(',');
    if (comma < 0) {
      throw new IOException("a malformed data: URI");
    }
    String header = uri.substring(5, comma);
    String data = uri.substring(comma + 1);
    byte[] bytes =
        header.endsWith(";base64")
            ? Base64.getDecoder().decode(data)
            : URLDecoder.decode(data, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
    return new ByteArrayInputStream(bytes);
  }
}
