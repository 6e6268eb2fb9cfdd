package io.aurora.booking.auth;

import io.aurora.booking.config.JwtKey;
import io.aurora.booking.http.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.List;

/**
 * Issues and checks HS256 JWTs carrying the user's id, email and role, their token generation and session.
 *
 * <p>Keys rotate: every token names its key ({@code kid}); the first key signs, every configured key is
 * accepted, and a token naming a key no longer configured is refused. The library picks a random key when
 * it signs with several, so signing and checking are two providers: one with the current key only, one
 * with all of them (a token without {@code kid}, from before rotation, is tried against every key).
 */
public final class Tokens {

  private static final String ALGORITHM = "HS256";

  /** Signs with the current key only. */
  private final JWTAuth signer;
  /** Checks against every configured key, by the token's {@code kid}. */
  private final JWTAuth jwt;
  private final int ttlSeconds;
  /** Null when off. One per HTTP verticle (so per event loop); its lock is never contended there. */
  private final VerifiedTokens verified;

  public Tokens(Vertx vertx, String secret, int ttlSeconds) {
    this(vertx, secret, ttlSeconds, 0);
  }

  /** With a cache of up to {@code cacheSize} verified tokens (0: none), see {@link VerifiedTokens}. */
  public Tokens(Vertx vertx, String secret, int ttlSeconds, int cacheSize) {
    this(vertx, List.of(new JwtKey(JwtKey.DEFAULT_ID, secret)), ttlSeconds, cacheSize);
  }

  /** Signs with the first of {@code keys}, accepts tokens of any of them ({@link io.aurora.booking.config.AppConfig#jwtKeys}). */
  public Tokens(Vertx vertx, List<JwtKey> keys, int ttlSeconds, int cacheSize) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("at least one token key is needed");
    }
    this.ttlSeconds = ttlSeconds;
    this.verified = cacheSize > 0 ? new VerifiedTokens(cacheSize) : null;
    this.signer = JWTAuth.create(vertx, provider(keys.subList(0, 1)));
    this.jwt = JWTAuth.create(vertx, provider(keys));
  }

  private static JWTAuthOptions provider(List<JwtKey> keys) {
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(new JWTOptions().setAlgorithm(ALGORITHM).setLeeway(0));
    for (JwtKey key : keys) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALGORITHM).setId(key.id()).setBuffer(key.secret()));
    }
    return options;
  }

  public String issue(long userId, String email, Role role) {
    return issue(userId, email, role, ttlSeconds);
  }

  public String issue(long userId, String email, Role role, int ttl) {
    return issue(userId, email, role, 0, ttl);
  }

  /** A token of the user's current token {@code generation} ({@link Revocations}). */
  public String issue(long userId, String email, Role role, int generation, int ttl) {
    return issue(userId, email, role, generation, null, ttl);
  }

  /** A token of the user's current token {@code generation} and of a login {@code session} (null: none). */
  public String issue(long userId, String email, Role role, int generation, String session, int ttl) {
    JsonObject claims = new JsonObject().put("sub", Long.toString(userId)).put("email", email).put("role", role.name());
    if (generation > 0) {
      claims.put("gen", generation);
    }
    if (session != null) {
      claims.put("sid", session);
    }
    return signer.generateToken(claims, new JWTOptions().setAlgorithm(ALGORITHM).setExpiresInSeconds(ttl));
  }

  public int ttlSeconds() {
    return ttlSeconds;
  }

  /** How many verified tokens are remembered (tests). */
  int cachedTokens() {
    return verified == null ? 0 : verified.size();
  }

  /**
   * The caller a token stands for; fails with UNAUTHORIZED when it is forged, expired or malformed. A
   * correctly signed token with claims of the wrong type (an {@code exp} that is a string, say) is malformed
   * too: the library may throw on those rather than fail, and that must never become a 500.
   */
  public Future<Caller> verify(String token) {
    if (verified != null) {
      Caller known = verified.get(token, System.currentTimeMillis());
      if (known != null) {
        return Future.succeededFuture(known);
      }
    }
    Future<io.vertx.ext.auth.User> checked;
    try {
      checked = jwt.authenticate(new TokenCredentials(token));
    } catch (RuntimeException malformed) {
      return Future.failedFuture(ErrorCode.UNAUTHORIZED.error("Token is invalid or expired"));
    }
    return checked.transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(ErrorCode.UNAUTHORIZED.error("Token is invalid or expired"));
      }
      try {
        JsonObject p = ar.result().principal();
        JsonObject claims = ar.result().attributes().getJsonObject("accessToken", new JsonObject());
        // The library checks exp when present; a token must carry a numeric one to be accepted at all.
        if (!wellFormed(claims)) {
          throw new IllegalArgumentException("malformed claims");
        }
        Caller caller = new Caller(Long.parseLong(p.getString("sub")), (String) claims.getValue("email"),
            Role.valueOf(p.getString("role")), claims.getInteger("gen", 0), (String) claims.getValue("sid"));
        if (verified != null) {
          verified.put(token, caller, ((Number) claims.getValue("exp")).longValue());
        }
        return Future.succeededFuture(caller);
      } catch (RuntimeException e) {
        return Future.failedFuture(ErrorCode.UNAUTHORIZED.error("Token is invalid or expired"));
      }
    });
  }

  /** Registered claims of the types RFC 7519 gives them, a numeric {@code exp} required, our own claims strings. */
  static boolean wellFormed(JsonObject claims) {
    if (!isTime(claims.getValue("exp"))) {
      return false;
    }
    for (String time : new String[] {"iat", "nbf"}) {
      if (claims.containsKey(time) && !isTime(claims.getValue(time))) {
        return false;
      }
    }
    if (claims.containsKey("iss") && !(claims.getValue("iss") instanceof String)) {
      return false;
    }
    Object aud = claims.getValue("aud");
    if (claims.containsKey("aud") && !(aud instanceof String
        || aud instanceof io.vertx.core.json.JsonArray list && list.stream().allMatch(String.class::isInstance))) {
      return false;
    }
    if (claims.containsKey("gen") && !(claims.getValue("gen") instanceof Integer gen && gen >= 0)) {
      return false;
    }
    if (claims.containsKey("sid") && !(claims.getValue("sid") instanceof String)) {
      return false;
    }
    return claims.getValue("sub") instanceof String && claims.getValue("email") instanceof String
        && claims.getValue("role") instanceof String;
  }

  /** A NumericDate: whole seconds, within JSON's safe integers (1e300 is a number, not a time). */
  private static boolean isTime(Object value) {
    return value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
        && Math.abs(n.doubleValue()) <= 9_007_199_254_740_991d;
  }
}
