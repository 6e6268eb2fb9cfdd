package io.aurora.booking.limits;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

import java.util.Set;

/**
 * Who the client is, for the per-address limits. The socket's peer, unless that peer is one of the
 * configured trusted proxies: then {@code X-Forwarded-For} is read from the right, skipping trusted proxies,
 * and the first address not trusted is the client. A client cannot choose its own address by sending the
 * header, since only what a trusted proxy appended (the rightmost entries) is believed.
 */
public final class ClientAddress {

  private static final java.util.regex.Pattern ADDRESS = java.util.regex.Pattern.compile("[0-9A-Fa-f:.]+");

  private final Set<String> trustedProxies;

  public ClientAddress(Set<String> trustedProxies) {
    this.trustedProxies = Set.copyOf(trustedProxies);
  }

  public String of(HttpServerRequest request) {
    SocketAddress remote = request.remoteAddress();
    String peer = remote == null || remote.hostAddress() == null ? "unknown" : remote.hostAddress();
    if (trustedProxies.isEmpty() || !trustedProxies.contains(peer)) {
      return peer;
    }
    String forwarded = String.join(",", request.headers().getAll("X-Forwarded-For"));
    String[] hops = forwarded.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].strip();
      if (!hop.isEmpty() && !trustedProxies.contains(hop)) {
        // What a proxy appended is an address; anything else is the client's own text, not believed.
        return hop.length() <= 45 && ADDRESS.matcher(hop).matches() ? hop : peer;
      }
    }
    return peer;
  }
}
