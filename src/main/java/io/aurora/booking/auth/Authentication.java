package io.aurora.booking.auth;

import io.aurora.booking.audit.AuditContext;
import io.aurora.booking.http.BearerToken;
import io.aurora.booking.http.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.Optional;

/** Route guards: who is calling, and may they. The caller is kept on the context for the handlers. */
public final class Authentication {

  private static final String CALLER = "caller";

  private final Tokens tokens;
  private final Revocations revocations;

  public Authentication(Tokens tokens, Revocations revocations) {
    this.tokens = tokens;
    this.revocations = revocations;
  }

  /** Any valid token. */
  public Handler<RoutingContext> user() {
    return ctx -> authenticate(ctx, true, false);
  }

  /** A valid token with the ADMIN role. */
  public Handler<RoutingContext> admin() {
    return ctx -> authenticate(ctx, true, true);
  }

  /** A token is read when present (and must then be valid), but not required. */
  public Handler<RoutingContext> optional() {
    return ctx -> authenticate(ctx, false, false);
  }

  /** The caller of a route guarded by {@link #user()} or {@link #admin()}; null on optional routes without a token. */
  /** The request's caller as an audit row records it (user id and role, client address, request id). */
  public static AuditContext audited(RoutingContext ctx) {
    Caller caller = caller(ctx);
    return AuditContext.of(ctx, caller.id(), caller.role().name());
  }

  public static Caller caller(RoutingContext ctx) {
    return ctx.get(CALLER);
  }

  /**
   * Lets {@code caller} in as the request's caller when its account's tokens are still good (not revoked:
   * the account was not deleted meanwhile), for credentials other than a bearer token (a stream ticket
   * issued to a caller who had one); otherwise 401.
   */
  public void admit(RoutingContext ctx, Caller caller) {
    if (!revocations.accepts(caller)) {
      ctx.fail(ErrorCode.UNAUTHORIZED.error("The credentials are no longer valid"));
      return;
    }
    ctx.put(CALLER, caller);
    ctx.next();
  }

  private void authenticate(RoutingContext ctx, boolean required, boolean adminOnly) {
    Optional<String> token = BearerToken.read(ctx.request());
    if (token.isEmpty()) {
      if (required) {
        ctx.fail(ErrorCode.UNAUTHORIZED.error("A bearer token is required"));
      } else {
        ctx.next();
      }
      return;
    }
    tokens.verify(token.get())
        .onSuccess(caller -> {
          if (!revocations.accepts(caller)) {
            ctx.fail(ErrorCode.UNAUTHORIZED.error("Token is invalid or expired"));
            return;
          }
          if (adminOnly && !caller.isAdmin()) {
            ctx.fail(ErrorCode.FORBIDDEN.error("This route is for admins only"));
            return;
          }
          ctx.put(CALLER, caller);
          ctx.next();
        })
        .onFailure(ctx::fail);
  }
}
