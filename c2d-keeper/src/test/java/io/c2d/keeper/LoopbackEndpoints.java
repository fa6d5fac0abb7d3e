package io.c2d.keeper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;

/** RPC endpoints on 127.0.0.1 that fail in the two ways a chain can: closed, or silent. */
public final class LoopbackEndpoints {
  private LoopbackEndpoints() {}

  /** A loopback port nobody listens on (bound, then released). */
  public static URI closed() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }
  }

  /**
   * A socket whose backlog completes every TCP handshake while nobody ever reads or answers: the
   * RPC that hangs. The caller closes it.
   */
  static ServerSocket silent() throws IOException {
    return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  static URI uri(ServerSocket socket) {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort());
  }
}
