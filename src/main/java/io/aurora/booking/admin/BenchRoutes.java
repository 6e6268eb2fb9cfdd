package io.aurora.booking.admin;

import io.aurora.booking.auth.Authentication;
import io.aurora.booking.auth.Role;
import io.aurora.booking.auth.Tokens;
import io.aurora.booking.http.ApiContract;
import io.aurora.booking.http.Validated;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

import static io.aurora.booking.http.Responses.sendJson;

/**
 * Bench-only: creates many users in one statement and mints their tokens, so a load test does not
 * spend minutes hashing passwords. Mounted only when {@code benchMode} is on, and ADMIN only; the users
 * it makes have an unusable password hash, so they cannot log in.
 */
public final class BenchRoutes {

  private static final String INSERT_USERS = """
      INSERT INTO users (name, email, password_hash)
      SELECT 'Bench user ' || n, $1 || '-' || n || '@bench.invalid', $2 FROM generate_series(1, $3) AS n
      RETURNING id, email""";
  /** Shaped like a bcrypt hash but matching no password. */
  private static final String UNUSABLE_HASH = "!bench-user-no-login!" + "x".repeat(40);
  /** A bench run may outlast an access token (15 minutes by default); these users have no session to refresh. */
  private static final int BENCH_TOKEN_TTL_SECONDS = 86_400;

  private final Pool pool;
  private final Tokens tokens;
  private final Authentication auth;
  private final ApiContract contract;

  public BenchRoutes(Pool pool, Tokens tokens, Authentication auth, ApiContract contract) {
    this.contract = contract;
    this.pool = pool;
    this.tokens = tokens;
    this.auth = auth;
  }

  public void mount(Router router) {
    router.post("/api/admin/bench/users").handler(auth.admin()).handler(contract.validate("benchUsers"))
        .handler(this::createUsers);
  }

  private void createUsers(RoutingContext ctx) {
    int count = Validated.of(ctx).body().getInteger("count");
    String prefix = "bench-" + UUID.randomUUID();
    pool.preparedQuery(INSERT_USERS).execute(Tuple.of(prefix, UNUSABLE_HASH, count))
        .map(rows -> {
          JsonArray users = new JsonArray();
          rows.forEach(row -> users.add(new JsonObject().put("id", row.getLong("id"))
              .put("token", tokens.issue(row.getLong("id"), row.getString("email"), Role.USER, 0, BENCH_TOKEN_TTL_SECONDS))));
          return new JsonObject().put("users", users);
        })
        .onSuccess(body -> sendJson(ctx, 201, body))
        .onFailure(ctx::fail);
  }
}
