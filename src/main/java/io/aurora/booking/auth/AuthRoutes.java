package io.aurora.booking.auth;

import io.aurora.booking.http.ApiContract;
import io.aurora.booking.http.ErrorCode;
import io.aurora.booking.http.Input;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import static io.aurora.booking.http.Responses.sendJson;

/** Registration and login. Registration always makes a USER; admins come from configuration only. */
public final class AuthRoutes {

  private static final String UNIQUE_VIOLATION = "23505";

  private final Pool pool;
  private final PasswordHasher hasher;
  private final Tokens tokens;
  private final ApiContract contract;

  public AuthRoutes(Pool pool, PasswordHasher hasher, Tokens tokens, ApiContract contract) {
    this.contract = contract;
    this.pool = pool;
    this.hasher = hasher;
    this.tokens = tokens;
  }

  public void mount(Router router) {
    router.post("/api/auth/register").handler(contract.validate("register")).handler(this::register);
    router.post("/api/auth/login").handler(contract.validate("login")).handler(this::login);
  }

  private void register(RoutingContext ctx) {
    JsonObject body = Input.jsonBody(ctx, false);
    String name = Input.string(body, "name", 1, 100, true);
    String email = Input.email(body, "email");
    String password = password(body);
    hasher.hash(password)
        .compose(hash -> pool.preparedQuery(UserSql.INSERT).execute(Tuple.of(name, email, hash)))
        .recover(this::emailTaken)
        .map(rows -> session(rows.iterator().next()))
        .onSuccess(session -> sendJson(ctx, 201, session))
        .onFailure(ctx::fail);
  }

  private void login(RoutingContext ctx) {
    JsonObject body = Input.jsonBody(ctx, false);
    String email = Input.email(body, "email");
    String password = Input.string(body, "password", 1, 1024, true);
    pool.preparedQuery(UserSql.BY_EMAIL).execute(Tuple.of(email))
        .compose(rows -> {
          Row row = rows.size() == 0 ? null : rows.iterator().next();
          return hasher.verify(password, row == null ? null : row.getString("password_hash"))
              .compose(ok -> ok ? Future.succeededFuture(row)
                  : Future.failedFuture(ErrorCode.INVALID_CREDENTIALS.error("Email or password is wrong")));
        })
        .map(this::session)
        .onSuccess(session -> sendJson(ctx, 200, session))
        .onFailure(ctx::fail);
  }

  private static String password(JsonObject body) {
    String password = Input.string(body, "password", 8, 72, true);
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
    String token = tokens.issue(row.getLong("id"), row.getString("email"), Role.valueOf(row.getString("role")));
    return new JsonObject().put("user", user).put("token", token);
  }
}
