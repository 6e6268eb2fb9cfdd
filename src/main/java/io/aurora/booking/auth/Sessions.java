package io.aurora.booking.auth;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;

/**
 * Login sessions and their refresh tokens. A login opens a session with a first refresh token; each
 * refresh consumes the token it is given and hands out the next one of the same session (rotation). A
 * consumed token shown again was copied (by a thief, or the owner's stale copy, and there is no telling
 * which): the whole session is revoked, so neither party can renew it. Only the SHA-256 of a refresh
 * token is stored.
 */
final class Sessions {

  /** Why a session ended (the {@code revoked_reason} column). */
  enum Revocation {
    LOGOUT, REFRESH_TOKEN_REUSED, PASSWORD_CHANGED, ACCOUNT_DISABLED
  }

  /** A session opened or renewed: its id and the refresh token to send next time. */
  record Opened(UUID session, String refreshToken) {
  }

  /** What a refresh came to. {@code user} and {@code opened} are set only when {@code kind} is ROTATED. */
  record Rotation(Kind kind, Row user, UUID session, Opened opened) {
    enum Kind {
      /** A new token pair for the session. */
      ROTATED,
      /** A consumed token, shown again: the session is now revoked. */
      REUSED,
      /** Unknown, expired, or of a revoked session or deleted account. */
      REFUSED,
      /** The account is disabled. */
      DISABLED
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Pool pool;
  private final int refreshTtlSeconds;

  Sessions(Pool pool, int refreshTtlSeconds) {
    this.pool = pool;
    this.refreshTtlSeconds = refreshTtlSeconds;
  }

  /** Opens a session for {@code userId} with its first refresh token, on {@code client} (a transaction's). */
  Future<Opened> open(SqlClient client, long userId) {
    UUID session = UUID.randomUUID();
    return client.preparedQuery(SessionSql.INSERT_SESSION).execute(Tuple.of(session, userId))
        .compose(v -> nextToken(client, session));
  }

  /** Consumes {@code refreshToken} and issues the next one, or tells why not; a reuse revokes the session. */
  Future<Rotation> rotate(String refreshToken) {
    Buffer hash = hash(refreshToken);
    return pool.withTransaction(conn -> conn.preparedQuery(SessionSql.REFRESH_TOKEN_FOR_UPDATE).execute(Tuple.of(hash))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(new Rotation(Rotation.Kind.REFUSED, null, null, null));
          }
          Row row = rows.iterator().next();
          UUID session = row.getUUID("session_id");
          if (row.getValue("revoked_at") != null || row.getValue("deleted_at") != null) {
            return Future.succeededFuture(new Rotation(Rotation.Kind.REFUSED, null, session, null));
          }
          if (row.getValue("consumed_at") != null) {
            return conn.preparedQuery(SessionSql.REVOKE_SESSION)
                .execute(Tuple.of(session, row.getLong("id"), Revocation.REFRESH_TOKEN_REUSED.name()))
                .map(new Rotation(Rotation.Kind.REUSED, row, session, null));
          }
          if (row.getBoolean("expired")) {
            return Future.succeededFuture(new Rotation(Rotation.Kind.REFUSED, null, session, null));
          }
          if (row.getValue("disabled_at") != null) {
            return Future.succeededFuture(new Rotation(Rotation.Kind.DISABLED, null, session, null));
          }
          return conn.preparedQuery(SessionSql.CONSUME_REFRESH_TOKEN).execute(Tuple.of(hash))
              .compose(v -> nextToken(conn, session))
              .map(opened -> new Rotation(Rotation.Kind.ROTATED, row, session, opened));
        }));
  }

  /** Ends one session of the user; false when it was not theirs or had ended already. */
  Future<Boolean> revoke(UUID session, long userId, Revocation why) {
    return pool.preparedQuery(SessionSql.REVOKE_SESSION).execute(Tuple.of(session, userId, why.name()))
        .map(rows -> rows.rowCount() > 0);
  }

  /** Ends every live session of the user, on {@code client} (a transaction's). */
  static Future<Void> revokeAll(SqlClient client, long userId, Revocation why) {
    return client.preparedQuery(SessionSql.REVOKE_USER_SESSIONS).execute(Tuple.of(userId, why.name())).mapEmpty();
  }

  private Future<Opened> nextToken(SqlClient client, UUID session) {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    return client.preparedQuery(SessionSql.INSERT_REFRESH_TOKEN).execute(Tuple.of(hash(token), session, refreshTtlSeconds))
        .map(v -> new Opened(session, token));
  }

  /** SHA-256 suffices (no salt, no stretching): the token is 256 random bits, nothing to guess from a dictionary. */
  static Buffer hash(String refreshToken) {
    try {
      return Buffer.buffer(MessageDigest.getInstance("SHA-256").digest(refreshToken.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }
}
