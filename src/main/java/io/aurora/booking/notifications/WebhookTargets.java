package io.aurora.booking.notifications;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The SSRF guard of webhook targets. A target's host is resolved and every address it resolves to must be
 * public: loopback, link-local (cloud metadata lives there), private, carrier-grade NAT, multicast and the
 * unspecified address are refused, unless private networks are allowed ({@code webhookAllowPrivateNetworks}).
 * It is checked when an endpoint is registered and again at every delivery, and the delivery connects to the
 * address that was checked (the name is not resolved a second time), so a DNS answer that changes in between
 * cannot redirect a call.
 */
public final class WebhookTargets {

  private final Vertx vertx;
  private final boolean allowPrivateNetworks;

  /** A target whose address was checked: connect to {@code address}, say {@code uri}'s host. */
  public record Target(URI uri, boolean https, int port, InetAddress address) {
    public String pathAndQuery() {
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }
  }

  /** A target that may not be called; the message says why, for the admin or the delivery log. */
  public static final class RefusedTarget extends RuntimeException {
    public RefusedTarget(String message) {
      super(message, null, false, false);
    }
  }

  public WebhookTargets(Vertx vertx, boolean allowPrivateNetworks) {
    this.vertx = vertx;
    this.allowPrivateNetworks = allowPrivateNetworks;
  }

  /** The URL's form: absolute http(s), a host, no user info, no fragment. */
  public static URI parse(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new RefusedTarget("'url' is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new RefusedTarget("'url' must be an http or https URL");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new RefusedTarget("'url' must name a host");
    }
    if (uri.getRawUserInfo() != null) {
      throw new RefusedTarget("'url' must not carry credentials");
    }
    if (uri.getRawFragment() != null) {
      throw new RefusedTarget("'url' must not have a fragment");
    }
    return uri;
  }

  /** Resolves the URL's host (off the event loop) and checks every address it resolves to. */
  public Future<Target> check(String url) {
    URI uri;
    try {
      uri = parse(url);
    } catch (RefusedTarget refused) {
      return Future.failedFuture(refused);
    }
    boolean https = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
    String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
    return vertx.executeBlocking(() -> {
      List<InetAddress> addresses;
      try {
        addresses = Arrays.asList(InetAddress.getAllByName(host));
      } catch (UnknownHostException e) {
        throw new RefusedTarget("host " + host + " does not resolve");
      }
      if (!allowPrivateNetworks) {
        for (InetAddress address : addresses) {
          if (!isPublic(address)) {
            throw new RefusedTarget("host " + host + " resolves to " + address.getHostAddress()
                + ", a loopback, link-local or private address (refused: webhookAllowPrivateNetworks is off)");
          }
        }
      }
      return new Target(uri, https, port, addresses.get(0));
    }, false);
  }

  /** Whether an address is on the public internet (none of the ranges a server must never be sent to). */
  public static boolean isPublic(InetAddress address) {
    if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
        || address.isSiteLocalAddress() || address.isMulticastAddress()) {
      return false;
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return first != 0                                     // "this network"
          && !(first == 100 && second >= 64 && second < 128) // carrier-grade NAT 100.64/10
          && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments 192.0.0/24
          && !(first == 198 && (second == 18 || second == 19)) // benchmarking 198.18/15
          && first < 240;                                     // reserved, broadcast
    }
    if (address instanceof Inet6Address) {
      int first = b[0] & 0xff;
      if ((first & 0xfe) == 0xfc) {                           // unique local fc00::/7
        return false;
      }
      if (isMappedOrCompatibleIpv4(b)) {                      // ::ffff:a.b.c.d and ::a.b.c.d
        try {
          return isPublic(InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16)));
        } catch (UnknownHostException impossible) {
          return false;
        }
      }
      // NAT64 64:ff9b::/96 reaches IPv4 through a translator: judge the embedded address.
      if (first == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
        try {
          return isPublic(InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16)));
        } catch (UnknownHostException impossible) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean isMappedOrCompatibleIpv4(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return (b[10] == (byte) 0xff && b[11] == (byte) 0xff) || (b[10] == 0 && b[11] == 0);
  }
}
