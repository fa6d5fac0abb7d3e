package io.c2d.backend.k8s;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.net.InetAddress;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * fabric8's mock API server in CRUD mode (with expectations on top, as {@code
 * EnableKubernetesMockClient(crud = true)} gives), whose WebSocket sends never wait on the server's
 * event loop.
 *
 * <p>Why not the annotation: in mockwebserver 7.8.0 a watch's event is sent from the watch's own
 * thread, which waits (up to 30 s) until the server's Vert.x event loop has written it; and a watch
 * that the client closes ends on that event loop, which waits for the watch's thread. A backend
 * closed while an event was on its way (every restart test closes one) so stalled every connection
 * of that loop for 30 s, and the test's next request on it timed out after 10 s (3 of 40 runs of
 * {@code KubernetesComputeBackendTest} with both CPUs busy, and CI twice). Here each socket's sends
 * (and its close, in order after them) are handed to a thread of the socket's own, so the watch's
 * thread never waits and the event loop never waits for it.
 *
 * <p>Not thread-safe to build; {@link #close} once.
 */
final class MockApiServer implements AutoCloseable {
  private final KubernetesMockServer server;
  private final KubernetesClient client;

  private MockApiServer(KubernetesMockServer server) {
    this.server = server;
    this.client = server.createClient();
  }

  /** A started server on loopback, and a client of it. */
  static MockApiServer start() {
    return start(UnaryOperator.identity());
  }

  /** A started server whose requests go through {@code around} the CRUD dispatcher first. */
  static MockApiServer start(UnaryOperator<Dispatcher> around) {
    Map<ServerRequest, Queue<ServerResponse>> expectations = new ConcurrentHashMap<>();
    Dispatcher crud = new SendsOffTheEventLoop(new KubernetesMixedDispatcher(expectations));
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), expectations, around.apply(crud), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    return new MockApiServer(server);
  }

  KubernetesMockServer server() {
    return server;
  }

  KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }

  /** Gives each WebSocket the server opens a sender of its own. */
  private static final class SendsOffTheEventLoop extends Dispatcher {
    private final Dispatcher delegate;

    SendsOffTheEventLoop(Dispatcher delegate) {
      this.delegate = delegate;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      MockResponse response = delegate.dispatch(request);
      WebSocketListener listener = response.getWebSocketListener();
      if (listener != null) {
        response.withWebSocketUpgrade(new WithOwnSender(listener));
      }
      return response;
    }

    @Override
    public void shutdown() {
      delegate.shutdown();
    }

    @Override
    public void releaseResources() {
      delegate.releaseResources();
    }
  }

  /** One socket's listener, handed the socket wrapped in its {@link OwnSender}. */
  private static final class WithOwnSender extends WebSocketListener {
    private final WebSocketListener delegate;
    private @Nullable OwnSender sender;

    WithOwnSender(WebSocketListener delegate) {
      this.delegate = delegate;
    }

    private synchronized OwnSender sender(WebSocket ws) {
      if (sender == null) {
        sender = new OwnSender(ws);
      }
      return sender;
    }

    @Override
    public void onBeforeAccept(WebSocket ws, Response response) {
      delegate.onBeforeAccept(sender(ws), response);
    }

    @Override
    public void onOpen(WebSocket ws, Response response) {
      delegate.onOpen(sender(ws), response);
    }

    @Override
    public void onMessage(WebSocket ws, String text) {
      delegate.onMessage(sender(ws), text);
    }

    @Override
    public void onMessage(WebSocket ws, byte[] bytes) {
      delegate.onMessage(sender(ws), bytes);
    }

    @Override
    public void onClosing(WebSocket ws, int code, String reason) {
      delegate.onClosing(sender(ws), code, reason);
    }

    @Override
    public void onClosed(WebSocket ws, int code, String reason) {
      delegate.onClosed(sender(ws), code, reason);
    }

    @Override
    public void onFailure(WebSocket ws, Throwable t, Response response) {
      delegate.onFailure(sender(ws), t, response);
    }
  }

  /**
   * A socket whose sends and close return at once and happen in their order on one thread of the
   * socket's own (which ends when the socket has been idle a second).
   */
  private static final class OwnSender implements WebSocket {
    private final WebSocket socket;
    private final ThreadPoolExecutor thread;

    OwnSender(WebSocket socket) {
      this.socket = socket;
      this.thread =
          new ThreadPoolExecutor(
              1,
              1,
              1,
              TimeUnit.SECONDS,
              new LinkedBlockingQueue<>(),
              r -> {
                Thread t = new Thread(r, "mock-api-socket-sender");
                t.setDaemon(true);
                return t;
              });
      thread.allowCoreThreadTimeOut(true);
    }

    @Override
    public RecordedRequest request() {
      return socket.request();
    }

    @Override
    public boolean send(String text) {
      thread.execute(() -> socket.send(text));
      return true;
    }

    @Override
    public boolean send(byte[] bytes) {
      thread.execute(() -> socket.send(bytes));
      return true;
    }

    @Override
    public boolean close(int code, String reason) {
      thread.execute(() -> socket.close(code, reason));
      return true;
    }
  }
}
