package io.aurora.booking.auth;

import io.aurora.booking.audit.Audit;
import io.aurora.booking.audit.AuditAction;
import io.aurora.booking.audit.AuditContext;
import io.aurora.booking.audit.AuditEntry;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import io.aurora.booking.config.AppConfig;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * Makes sure the configured admin exists. With a configured password it is (re)applied at every start;
 * without one, a random password is generated when the admin is first created and printed once.
 */
public final class AdminBootstrap {

  private static final Logger LOG = LoggerFactory.getLogger(AdminBootstrap.class);

  private AdminBootstrap() {
  }

  /** Returns the generated password when one was made, else null. */
  public static Future<String> ensureAdmin(Pool pool, PasswordHasher hasher, AppConfig config, Audit audit) {
    java.util.Optional<String> normal = io.aurora.booking.http.Input.normalEmail(config.adminEmail());
    if (normal.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("adminEmail (BOOKING_ADMIN_EMAIL) must be an email address"
          + " without invisible characters, spaces or mixed scripts, got '" + config.adminEmail() + "'"));
    }
    String email = normal.get();
    if (!config.adminPassword().isBlank()) {
      return upsert(pool, hasher, audit, email, config.adminPassword()).map(v -> null);
    }
    return pool.preparedQuery(UserSql.ADMIN_EXISTS).execute(Tuple.of(email)).compose(rows -> {
      if (rows.size() > 0) {
        return Future.succeededFuture(null);
      }
      byte[] bytes = new byte[18];
      new SecureRandom().nextBytes(bytes);
      String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      return upsert(pool, hasher, audit, email, generated).map(v -> generated);
    });
  }

  /** Creates the admin, or sets its role and password again; the audit row says which (not the email: it may change). */
  private static Future<Void> upsert(Pool pool, PasswordHasher hasher, Audit audit, String email, String password) {
    return hasher.hash(password)
        .compose(hash -> pool.withTransaction(conn -> conn.preparedQuery(UserSql.UPSERT_ADMIN).execute(Tuple.of(email, hash))
            .compose(rows -> {
              Row row = rows.iterator().next();
              return audit.append(conn, AuditEntry.of(AuditAction.ADMIN_BOOTSTRAPPED, AuditContext.SYSTEM)
                  .target("user", row.getLong("id")).change(null, new JsonObject()
                      .put("role", Role.ADMIN.name()).put("created", row.getBoolean("created")).put("passwordSet", true)));
            })))
        .onSuccess(v -> LOG.info("Admin account {} is ready", email));
  }
}
