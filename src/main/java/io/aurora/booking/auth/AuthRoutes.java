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
import io.vertx.sqlclient.Tuple;

import java.util.List;

import static io.aurora.booking.http.Responses.sendJson;

/** Registration and login. Registration always makes a USER; admins come from configuration only. */
public final class AuthRoutes {

  private static final String UNIQUE_VIOLATION = "23505";

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

  public AuthRoutes(Pool pool, PasswordHasher hasher, Tokens tokens, Authentication auth, Revocations revocations,
                    AppConfig config, RateLimiter limiter, ClientAddress clients, ApiContract contract) {
    this.auth = auth;
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
        .compose(hash -> pool.preparedQuery(UserSql.INSERT).execute(Tuple.of(name, email, hash)))
        .recover(this::emailTaken)
        .map(rows -> session(rows.iterator().next()))
        .onSuccess(session -> sendJson(ctx, 201, session))
        .onFailure(ctx::fail);
  }

  private void login(RoutingContext ctx) {
    JsonObject body = Validated.of(ctx).body();
    String email = Input.email(body, "email");
    String password = Input.exactString(body, "password", 1, 1024);
    admit(ctx, email)
        .compose(v -> limiter.loginAttempt(email, config.loginFailuresBeforeLockout(), config.loginLockoutSeconds() * 1000L,
            config.loginLockoutMaxSeconds() * 1000L))
        .compose(lock -> lock > 0 ? Future.failedFuture(Throttle.locked(ctx.response(), limiter, lock))
            : pool.preparedQuery(UserSql.BY_EMAIL).execute(Tuple.of(email)))
        .compose(rows -> {
          Row row = rows.size() == 0 ? null : rows.iterator().next();
          // A wrong password (or no such account: the same, so a lock tells nothing about who exists)
          // stays counted against the account, whoever sent it.
          return hasher.verify(password, row == null ? null : row.getString("password_hash"))
              .compose(ok -> ok ? limiter.loginSucceeded(email).map(row)
                  : Future.failedFuture(ErrorCode.INVALID_CREDENTIALS.error("Email or password is wrong")));
        })
        .map(this::session)
        .onSuccess(session -> sendJson(ctx, 200, session))
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
    String password = Input.exactString(body, "password", 8, 72);
    if (!PasswordHasher.fitsBcrypt(password)) {
      throw ErrorCode.VALIDATION_FAILED.error("'password' must be at most " + PasswordHasher.MAX_PASSWORD_BYTES + " bytes");
    }
    return password;
  }

  private <T> Future<T> emailTaken(Throwable failure) {
    if (failure instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())) {
      return Future.failedFuture(ErrorCode.EMAIL_TAKEN.error("An account with this email already exists"));
    }
    return Future.failedFuture(failure);
  }

  private JsonObject session(Row row) {
    JsonObject user = new JsonObject()
        .put("id", row.getLong("id"))
        .put("name", row.getString("name"))
        .put("email", row.getString("email"))
        .put("role", row.getString("role"))
        .put("createdAt", row.getOffsetDateTime("created_at").toInstant().toString());
    String token = tokens.issue(row.getLong("id"), row.getString("email"), Role.valueOf(row.getString("role")),
        row.getInteger("token_generation"), tokens.ttlSeconds());
    return new JsonObject().put("user", user).put("token", token);
  }
}
