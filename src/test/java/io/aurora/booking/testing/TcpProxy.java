package io.aurora.booking.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on 127.0.0.1 in front of a real server, for real network faults: {@link #cut()} closes
 * every connection through it and closes each new one as soon as it is accepted, as when the server
 * or the network goes away; {@link #restore()} lets connections through again. The application under
 * test is pointed at {@link #route(String)} of its server URL and never knows.
 */
public final class TcpProxy implements AutoCloseable {

  private final String targetHost;
  private final int targetPort;
  private final NetClient client;
  private final NetServer server;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;

  private TcpProxy(Vertx vertx, String targetHost, int targetPort) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(2_000).setTcpNoDelay(true));
    this.server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true))
        .connectHandler(this::accept);
  }

  /** A proxy on a free port of 127.0.0.1, forwarding to {@code targetHost:targetPort}. */
  public static TcpProxy start(Vertx vertx, String targetHost, int targetPort) {
    TcpProxy proxy = new TcpProxy(vertx, targetHost, targetPort);
    TestApp.await(proxy.server.listen());
    return proxy;
  }

  /** A proxy in front of the server of {@code url} (e.g. {@code redis://127.0.0.1:6379/1}). */
  public static TcpProxy startFor(Vertx vertx, String url) {
    URI uri = URI.create(url);
    return start(vertx, uri.getHost(), uri.getPort());
  }

  public int port() {
    return server.actualPort();
  }

  /** {@code url} with its host and port replaced by this proxy's, so that a client of it goes through here. */
  public String route(String url) {
    URI uri = URI.create(url);
    try {
      return new URI(uri.getScheme(), uri.getUserInfo(), "127.0.0.1", port(), uri.getPath(), uri.getQuery(),
          uri.getFragment()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Closes every open connection and every new one from now on, until {@link #restore()}. */
  public void cut() {
    cut = true;
    List<Future<Void>> closing = new ArrayList<>();
    for (NetSocket socket : sockets) {
      closing.add(socket.close());
    }
    TestApp.await(Future.join(closing).recover(e -> Future.succeededFuture()));
  }

  /** Lets new connections through again; the clients have to reconnect by themselves. */
  public void restore() {
    cut = false;
  }

  /** Connections currently open through the proxy (both sides counted). */
  public int openSockets() {
    return sockets.size();
  }

  private void accept(NetSocket downstream) {
    if (cut) {
      downstream.close();
      return;
    }
    downstream.pause();
    track(downstream);
    client.connect(targetPort, targetHost).onComplete(ar -> {
      if (ar.failed()) {
        downstream.close();
        return;
      }
      NetSocket upstream = ar.result();
      track(upstream);
      if (cut) {
        upstream.close();
        downstream.close();
        return;
      }
      // Either side going away takes the other with it, as a broken TCP path would.
      downstream.closeHandler(v -> {
        sockets.remove(downstream);
        upstream.close();
      });
      upstream.closeHandler(v -> {
        sockets.remove(upstream);
        downstream.close();
      });
      downstream.pipeTo(upstream);
      upstream.pipeTo(downstream);
    });
  }

  private void track(NetSocket socket) {
    sockets.add(socket);
    socket.closeHandler(v -> sockets.remove(socket));
  }

  @Override
  public void close() {
    cut();
    TestApp.await(server.close());
    TestApp.await(client.close());
  }
}
