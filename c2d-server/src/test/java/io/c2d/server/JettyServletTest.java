package io.c2d.server;

import static io.c2d.server.HttpProvider.ALICE;
import static io.c2d.server.HttpProvider.BOB;
import static io.c2d.server.HttpProvider.awaitEnd;
import static io.c2d.server.HttpProvider.awaitRunning;
import static io.c2d.server.HttpProvider.body;
import static io.c2d.server.OceanHttpFlowTest.assertCallFails;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.c2d.server.http.OceanComputeHandler;
import io.c2d.server.http.ProviderRequest;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same handler mounted in a real servlet container (Jetty 12, Jakarta Servlet 6) below a
 * context path, through the few lines of servlet the README shows: the same requests as on the JDK
 * server give the same answers, so the handler is framework-neutral.
 */
final class JettyServletTest {
  @TempDir Path dir;
  private HttpProvider provider;
  private Server jetty;
  private URI url;

  @BeforeEach
  void start() throws Exception {
    provider = HttpProvider.start(dir);
    jetty = new Server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    ServletContextHandler context = new ServletContextHandler("/ocean");
    // ocean.js GETs the provider URL exactly as given: answer /ocean itself, not a redirect
    context.setAllowNullPathInContext(true);
    context.addServlet(new ServletHolder(new OceanServlet(provider.handler)), "/*");
    jetty.setHandler(context);
    jetty.start();
    int port = ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();
    url = URI.create("http://127.0.0.1:" + port + "/ocean");
  }

  @AfterEach
  void stop() throws Exception {
    jetty.stop();
    provider.close();
  }

  @Test
  void aFreeFlowRunsThroughTheServletContainer() throws Exception {
    HttpConsumer alice = new HttpConsumer(url, ALICE);
    JsonNode root = alice.root();
    assertThat(root.path("providerAddress").asText()).isEqualTo(HttpProvider.PROVIDER.value());
    assertThat(alice.environments().path(0).path("free").isObject()).isTrue();

    String jobId =
        alice.start(body("echo from jetty; echo line two\n"), true).path(0).path("jobId").asText();
    JsonNode done = awaitEnd(alice, jobId, Duration.ofSeconds(30));

    assertThat(done.path("status").asInt()).isEqualTo(70);
    JsonNode log = OceanHttpFlowTest.result(done, "algorithm.log");
    byte[] whole = alice.result(jobId, log.path("index").asInt(), 0);
    assertThat(new String(whole, StandardCharsets.UTF_8)).contains("from jetty");
    byte[] tail = alice.result(jobId, log.path("index").asInt(), 3);
    assertThat(tail).isEqualTo(Arrays.copyOfRange(whole, 3, whole.length));
  }

  @Test
  void liveLogsStreamAndStrangersAreRefusedThroughTheServletContainer() throws Exception {
    HttpConsumer alice = new HttpConsumer(url, ALICE);
    alice.root();
    HttpConsumer bob = new HttpConsumer(url, BOB);
    bob.root();
    String script = "for i in 1 2 3 4; do echo tick $i; sleep 0.3; done\n";
    String jobId = alice.start(body(script), true).path(0).path("jobId").asText();
    awaitRunning(alice, jobId);

    assertCallFails(() -> bob.liveLogs(jobId).close(), "computeStreamableLogs", 403);
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    try (InputStream logs = alice.liveLogs(jobId)) {
      logs.transferTo(seen);
    }

    assertThat(seen.toString(StandardCharsets.UTF_8)).contains("tick 1").contains("tick 4");
    assertCallFails(() -> bob.result(jobId, 0, 0), "computeResult", 403);
    assertCallFails(() -> alice.status("ab".repeat(16)), "computeStatus", 404);
  }

  // README:servlet:start
  /** Ocean's compute endpoints in a servlet container: map it to "/*" below any context path. */
  static final class OceanServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient OceanComputeHandler handler;

    OceanServlet(OceanComputeHandler handler) {
      this.handler = handler;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (String name : Collections.list(req.getHeaderNames())) {
        headers.put(name, Collections.list(req.getHeaders(name)));
      }
      String prefix = req.getContextPath() + req.getServletPath();
      ProviderRequest request =
          ProviderRequest.of(
              req.getMethod(),
              req.getRequestURI().substring(prefix.length()),
              req.getQueryString() == null ? "" : req.getQueryString(),
              headers,
              req.getInputStream());
      handler.handle(
          request,
          (status, responseHeaders, length) -> {
            resp.setStatus(status);
            responseHeaders.forEach(resp::setHeader);
            if (length >= 0) {
              resp.setContentLengthLong(length);
            }
            return resp.getOutputStream();
          });
    }
  }
  // README:servlet:end
}
