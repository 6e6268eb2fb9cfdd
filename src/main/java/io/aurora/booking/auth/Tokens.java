package io.aurora.booking.auth;

import io.aurora.booking.http.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

/** Issues and checks HS256 JWTs carrying the user's id, email and role. */
public final class Tokens {

  private static final String ALGORITHM = "HS256";

  private final JWTAuth jwt;
  private final int ttlSeconds;
  /** Null when off. One per HTTP verticle (so per event loop); its lock is never contended there. */
  private final VerifiedTokens verified;

  public Tokens(Vertx vertx, String secret, int ttlSeconds) {
    this(vertx, secret, ttlSeconds, 0);
  }

  /** With a cache of up to {@code cacheSize} verified tokens (0: none), see {@link VerifiedTokens}. */
  public Tokens(Vertx vertx, String secret, int ttlSeconds, int cacheSize) {
    this.ttlSeconds = ttlSeconds;
    this.verified = cacheSize > 0 ? new VerifiedTokens(cacheSize) : null;
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALGORITHM).setBuffer(secret))
        .setJWTOptions(new JWTOptions().setAlgorithm(ALGORITHM).setLeeway(0)));
  }

  public String issue(long userId, String email, Role role) {
    return issue(userId, email, role, ttlSeconds);
  }

  public String issue(long userId, String email, Role role, int ttl) {
    JsonObject claims = new JsonObject().put("sub", Long.toString(userId)).put("email", email).put("role", role.name());
    return jwt.generateToken(claims, new JWTOptions().setAlgorithm(ALGORITHM).setExpiresInSeconds(ttl));
  }

  /** How many verified tokens are remembered (tests). */
  int cachedTokens() {
    return verified == null ? 0 : verified.size();
  }

  /** The caller a token stands for; fails with UNAUTHORIZED when it is forged, expired or malformed. */
  public Future<Caller> verify(String token) {
    if (verified != null) {
      Caller known = verified.get(token, System.currentTimeMillis());
      if (known != null) {
        return Future.succeededFuture(known);
      }
    }
    return jwt.authenticate(new TokenCredentials(token))
        .transform(ar -> {
          if (ar.failed()) {
            return Future.failedFuture(ErrorCode.UNAUTHORIZED.error("Token is invalid or expired"));
          }
          JsonObject p = ar.result().principal();
          JsonObject claims = ar.result().attributes().getJsonObject("accessToken", new JsonObject());
          try {
            // The library checks exp when present; a token must carry one to be accepted at all.
            if (claims.getValue("exp") == null) {
              throw new IllegalArgumentException("no expiry");
            }
            Caller caller = new Caller(Long.parseLong(p.getString("sub")), p.getString("email"), Role.valueOf(p.getString("role")));
            if (verified != null) {
              verified.put(token, caller, ((Number) claims.getValue("exp")).longValue());
            }
            return Future.succeededFuture(caller);
          } catch (RuntimeException e) {
            return Future.failedFuture(ErrorCode.UNAUTHORIZED.error("Token is invalid or expired"));
          }
        });
  }
}
