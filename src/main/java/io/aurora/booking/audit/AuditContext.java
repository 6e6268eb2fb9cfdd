package io.aurora.booking.audit;

import io.aurora.booking.limits.ClientAddress;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Who did something, from where: the actor (user id and role; null id for an anonymous caller or the system),
 * the client address and the request id. Requests get their id (and echo it) in {@link #handler}: the
 * client's {@code X-Request-Id} when it is a plain token of at most 64 characters, else a new one.
 */
public record AuditContext(Long actorId, String actorRole, String clientIp, String requestId) {

  public static final String REQUEST_ID_HEADER = "X-Request-Id";
  /** The service itself (admin bootstrap at start, the workers' decisions on behalf of nobody in particular). */
  public static final AuditContext SYSTEM = new AuditContext(null, "SYSTEM", null, null);
  private static final Pattern CLIENT_ID = Pattern.compile("^[A-Za-z0-9._:-]{1,64}$");
  private static final String CLIENT_IP_KEY = "audit.clientIp";
  private static final String REQUEST_ID_KEY = "audit.requestId";

  /** Gives every request its id (echoed in the response) and notes its client address, for the audit rows. */
  public static Handler<RoutingContext> handler(ClientAddress clients) {
    return ctx -> {
      String asked = ctx.request().getHeader(REQUEST_ID_HEADER);
      String id = asked != null && CLIENT_ID.matcher(asked).matches() ? asked : newId();
      ctx.put(REQUEST_ID_KEY, id);
      ctx.put(CLIENT_IP_KEY, clients.of(ctx.request()));
      ctx.response().putHeader(REQUEST_ID_HEADER, id);
      ctx.next();
    };
  }

  /** 128 random bits in hex: unique enough to find a request in logs, and cheap (no SecureRandom on the hot path). */
  private static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return String.format("%016x%016x", random.nextLong(), random.nextLong());
  }

  /** The request's caller: {@code actorId} null when not known (a failed login). */
  public static AuditContext of(RoutingContext ctx, Long actorId, String actorRole) {
    return new AuditContext(actorId, actorRole, ctx.get(CLIENT_IP_KEY), ctx.get(REQUEST_ID_KEY));
  }

  /** The same request, another actor (a login that found its user). */
  public AuditContext as(Long id, String role) {
    return new AuditContext(id, role, clientIp, requestId);
  }
}
