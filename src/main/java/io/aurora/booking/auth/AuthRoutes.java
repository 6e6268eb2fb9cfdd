package io.aurora.booking.auth;

import io.aurora.booking.http.ApiContract;
import io.aurora.booking.config.AppConfig;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.http.Input;
import io.aurora.booking.http.Validated;
import io.aurora.booking.limits.ClientAddress;
import io.aurora.booking.limits.RateLimit;
import io.aurora.booking.limits.RateLimiter;
import io.aurora.booking.limits.Throttle;
import io.aurora.booking.limits.Verdict;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import static io.aurora.booking.http.Responses.sendJson;

/**
 * Registration, login, token refresh, logout, password change and account deletion. Registration always
 * makes a USER; admins come from configuration only. Every login (and registration, and password change)
 * opens a session ({@link Sessions}): a short access token plus a refresh token that renews it.
 */
public final class AuthRoutes {

  private static final String UNIQUE_VIOLATION = "23505";

  /** A password changed (committed): the user's new token generation, to publish, and the new session. */
  private record PasswordChanged(int generation, JsonObject session) {
  }

  private final Pool pool;
  private final PasswordHasher hasher;
  private final Tokens tokens;
  private final ApiContract contract;
  private final AppConfig config;
  private final RateLimiter limiter;
  private final ClientAddress clients;
  private final RateLimit perAddress;
  private final RateLimit perAccount;

  private final Authentication auth;
  private final Revocations revocations;
  private final Sessions sessions;

  public AuthRoutes(Pool pool, PasswordHasher hasher, Tokens tokens, Authentication auth, Revocations revocations,
                    AppConfig config, RateLimiter limiter, ClientAddress clients, ApiContract contract) {
    this.auth = auth;
    this.sessions = new Sessions(pool, config.refreshTokenTtlSeconds());
    this.revocations = revocations;
    this.contract = contract;
    this.pool = pool;
    this.hasher = hasher;
    this.tokens = tokens;
    this.config = config;
    this.limiter = limiter;
    this.clients = clients;
    this.perAddress = new RateLimit("login-ip", config.loginRatePerIp(), config.loginBurstPerIp());
    this.perAccount = new RateLimit("login-account", config.loginRatePerAccount(), config.loginBurstPerAccount());
  }

  public void mount(Router router) {
    router.post("/api/auth/register").handler(contract.validate("register")).handler(this::register);
    router.post("/api/auth/login").handler(contract.validate("login")).handler(this::login);
    router.post("/api/auth/refresh").handler(contract.validate("refresh")).handler(this::refresh);
    router.post("/api/auth/logout").handler(auth.user()).handler(this::logout);
    router.post("/api/auth/password").handler(auth.user()).handler(contract.validate("changePassword")).handler(this::changePassword);
    router.delete("/api/auth/me").handler(auth.user()).handler(this::deleteAccount);
  }

  /**
   * The caller's account is deleted (GDPR): the row is anonymised, never removed, so the bookings and
   * their history keep their user; every token of the account is refused from now on, on every node. The
   * account's bookings stand (seats sold stay sold: cancel them first to give them back).
   */
  private void deleteAccount(RoutingContext ctx) {
    Caller caller = Authentication.caller(ctx);
    pool.preparedQuery(UserSql.DELETE_ACCOUNT).execute(Tuple.of(caller.id()))
        .onSuccess(rows -> {
          if (rows.size() == 0) {
            ctx.fail(ErrorCode.NOT_FOUND.error("No such account"));
            return;
          }
          revocations.revoked(caller.id(), rows.iterator().next().getInteger("token_generation"));
          ctx.response().putHeader("Content-Type", "application/json")
              .end(new JsonObject().put("deleted", true).put("id", caller.id()).encode());
        })
        .onFailure(ctx::fail);
  }

  private void register(RoutingContext ctx) {
    JsonObject body = Validated.of(ctx).body();
    String name = Input.string(body, "name", 1, 100, true);
    String email = Input.email(body, "email");
    String password = password(body);
    admit(ctx, email)
        .compose(v -> hasher.hash(password))
        .compose(hash -> pool.withTransaction(conn -> conn.preparedQuery(UserSql.INSERT).execute(Tuple.of(name, email, hash))
            .compose(rows -> openSession(conn, rows.iterator().next()))))
        .recover(this::emailTaken)
        .onSuccess(session -> sendJson(ctx, 201, session))
        .onFailure(ctx::fail);
  }

  private void login(RoutingContext ctx) {
    JsonObject body = Validated.of(ctx).body();
    String email = Input.email(body, "email");
    String password = Input.exactString(body, "password", 1, 1024);
    admit(ctx, email)
        .compose(v -> checkPassword(ctx, email, password, () -> pool.preparedQuery(UserSql.BY_EMAIL).execute(Tuple.of(email))))
        .compose(row -> row.getValue("disabled_at") != null
            ? Future.failedFuture(ErrorCode.ACCOUNT_DISABLED.error("This account is disabled"))
            : pool.withTransaction(conn -> openSession(conn, row)))
        .onSuccess(session -> sendJson(ctx, 200, session))
        .onFailure(ctx::fail);
  }

  /**
   * Counts the attempt against the account's lockout, then checks {@code password} against the hash of the
   * row {@code lookup} finds: a wrong password and no such row are the same failure (one bcrypt either way).
   */
  private Future<Row> checkPassword(RoutingContext ctx, String email, String password, Supplier<Future<RowSet<Row>>> lookup) {
    return limiter.loginAttempt(email, config.loginFailuresBeforeLockout(), config.loginLockoutSeconds() * 1000L,
            config.loginLockoutMaxSeconds() * 1000L)
        .compose(lock -> lock > 0 ? Future.failedFuture(Throttle.locked(ctx.response(), limiter, lock)) : lookup.get())
        .compose(rows -> {
          Row row = rows.size() == 0 ? null : rows.iterator().next();
          // A wrong password (or no such account: the same, so a lock tells nothing about who exists)
          // stays counted against the account, whoever sent it.
          return hasher.verify(password, row == null ? null : row.getString("password_hash"))
              .compose(ok -> ok ? limiter.loginSucceeded(email).map(row)
                  : Future.failedFuture(ErrorCode.INVALID_CREDENTIALS.error("Email or password is wrong")));
        });
  }

  /**
   * A new token pair for the session the refresh token belongs to. The token is consumed: shown again, it
   * revokes the whole session (the token pair issued from it included) and is answered 401.
   */
  private void refresh(RoutingContext ctx) {
    JsonObject body = Validated.of(ctx).body();
    String refreshToken = Input.exactString(body, "refreshToken", 1, 512);
    sessions.rotate(refreshToken)
        .compose(this::rotated)
        .onSuccess(session -> sendJson(ctx, 200, session))
        .onFailure(ctx::fail);
  }

  private Future<JsonObject> rotated(Sessions.Rotation rotation) {
    return switch (rotation.kind()) {
      case ROTATED -> Future.succeededFuture(session(rotation.user(), rotation.opened()));
      case REUSED -> {
        revocations.sessionRevoked(rotation.session().toString());
        yield Future.failedFuture(ErrorCode.UNAUTHORIZED.error(
            "This refresh token was used before: its session is revoked, log in again"));
      }
      case DISABLED -> Future.failedFuture(ErrorCode.ACCOUNT_DISABLED.error("This account is disabled"));
      case REFUSED -> Future.failedFuture(ErrorCode.UNAUTHORIZED.error("Refresh token is invalid, expired or revoked"));
    };
  }

  /**
   * Ends the caller's session: its refresh tokens are refused, and so are its access tokens, this one
   * included, on every node. The account's other sessions (other devices) go on.
   */
  private void logout(RoutingContext ctx) {
    Caller caller = Authentication.caller(ctx);
    UUID session = sessionOf(caller);
    if (session == null) {
      // A token issued outside a session (before sessions existed): nothing to end; it runs out by itself.
      sendJson(ctx, 200, new JsonObject().put("revoked", false));
      return;
    }
    sessions.revoke(session, caller.id(), Sessions.Revocation.LOGOUT)
        .onSuccess(v -> {
          revocations.sessionRevoked(caller.session());
          sendJson(ctx, 200, new JsonObject().put("revoked", true));
        })
        .onFailure(ctx::fail);
  }

  private static UUID sessionOf(Caller caller) {
    try {
      return caller.session() == null ? null : UUID.fromString(caller.session());
    } catch (IllegalArgumentException notOurs) {
      return null;
    }
  }

  /**
   * The caller's password, changed: the current one must be given (counted against the lockout like a
   * login). Every token and session of the account issued before is revoked, on every node; the answer
   * is a new session.
   */
  private void changePassword(RoutingContext ctx) {
    Caller caller = Authentication.caller(ctx);
    JsonObject body = Validated.of(ctx).body();
    String current = Input.exactString(body, "currentPassword", 1, 1024);
    String next = password(body, "newPassword");
    admit(ctx, caller.email())
        .compose(v -> checkPassword(ctx, caller.email(), current,
            () -> pool.preparedQuery(UserSql.PASSWORD_OF).execute(Tuple.of(caller.id()))))
        .compose(v -> hasher.hash(next))
        .compose(hash -> pool.withTransaction(conn -> conn.preparedQuery(UserSql.CHANGE_PASSWORD).execute(Tuple.of(caller.id(), hash))
            .compose(rows -> {
              if (rows.size() == 0) {
                return Future.failedFuture(ErrorCode.NOT_FOUND.error("No such account"));
              }
              Row user = rows.iterator().next();
              // AUDIT(issue 14): the lead adds the "password change" audit record here, in this transaction
              // (actor and target: caller.id(); no before/after: passwords are never recorded).
              return Sessions.revokeAll(conn, caller.id(), Sessions.Revocation.PASSWORD_CHANGED)
                  .compose(v -> openSession(conn, user))
                  .map(session -> new PasswordChanged(user.getInteger("token_generation"), session));
            })))
        .onSuccess(changed -> {
          revocations.revoked(caller.id(), changed.generation());
          sendJson(ctx, 200, changed.session());
        })
        .onFailure(ctx::fail);
  }

  /** The address's and the account's rate of login and register requests, checked together; refused: 429. */
  private Future<Void> admit(RoutingContext ctx, String email) {
    Future<Verdict> address = limiter.checkAddress(perAddress, clients.of(ctx.request()), "login");
    Future<Verdict> account = limiter.checkAccount(perAccount, email);
    return Future.all(address, account).map(both -> {
      Throttle.enforce(ctx.response(), limiter, List.of(address.result(), account.result()));
      return null;
    });
  }

  private static String password(JsonObject body) {
    return password(body, "password");
  }

  private static String password(JsonObject body, String field) {
    String password = Input.exactString(body, field, 8, 72);
    if (!PasswordHasher.fitsBcrypt(password)) {
      throw ErrorCode.VALIDATION_FAILED.error("'" + field + "' must be at most " + PasswordHasher.MAX_PASSWORD_BYTES + " bytes");
    }
    return password;
  }

  private <T> Future<T> emailTaken(Throwable failure) {
    if (failure instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())) {
      return Future.failedFuture(ErrorCode.EMAIL_TAKEN.error("An account with this email already exists"));
    }
    return Future.failedFuture(failure);
  }

  /** Opens a session for the user of {@code row} (on a transaction's connection) and answers its token pair. */
  private Future<JsonObject> openSession(SqlClient conn, Row row) {
    return sessions.open(conn, row.getLong("id")).map(opened -> session(row, opened));
  }

  /** {@code {user, token, refreshToken, expiresIn}}: the token of the user's current generation, and of the session. */
  private JsonObject session(Row row, Sessions.Opened opened) {
    JsonObject user = new JsonObject()
        .put("id", row.getLong("id"))
        .put("name", row.getString("name"))
        .put("email", row.getString("email"))
        .put("role", row.getString("role"))
        .put("createdAt", row.getOffsetDateTime("created_at").toInstant().toString());
    int generation = row.getInteger("token_generation");
    String token = tokens.issue(row.getLong("id"), row.getString("email"), Role.valueOf(row.getString("role")),
        generation, opened.session().toString(), tokens.ttlSeconds());
    return new JsonObject().put("user", user).put("token", token).put("refreshToken", opened.refreshToken())
        .put("expiresIn", tokens.ttlSeconds());
  }
}
