package io.aurora.booking.auth;

/** SQL of login sessions and their refresh tokens. */
final class SessionSql {

  static final String INSERT_SESSION = "INSERT INTO auth_sessions (id, user_id) VALUES ($1, $2)";

  static final String INSERT_REFRESH_TOKEN = """
      INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
      VALUES ($1, $2, now() + $3::int * interval '1 second')""";

  /**
   * A refresh token with its session and user, both locked: a token presented twice at once is decided
   * once (the second sees it consumed), and a rotation and a revocation of its session do not interleave.
   */
  static final String REFRESH_TOKEN_FOR_UPDATE = """
      SELECT t.session_id, t.consumed_at, t.expires_at <= now() AS expired, s.revoked_at,
             u.id, u.name, u.email, u.role, u.created_at, u.token_generation, u.deleted_at, u.disabled_at
      FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id
      WHERE t.token_hash = $1
      FOR UPDATE OF t, s""";

  static final String CONSUME_REFRESH_TOKEN = "UPDATE refresh_tokens SET consumed_at = now() WHERE token_hash = $1";

  /** One session ($1) of one user ($2), with its reason ($3). */
  static final String REVOKE_SESSION = """
      UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $3
      WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL""";

  /** Every live session of a user ($1), with its reason ($2). */
  static final String REVOKE_USER_SESSIONS = """
      UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2
      WHERE user_id = $1 AND revoked_at IS NULL""";

  /** Sessions revoked within the last $1 seconds: their access tokens may still be unexpired. */
  static final String RECENTLY_REVOKED = """
      SELECT id FROM auth_sessions WHERE revoked_at IS NOT NULL AND revoked_at > now() - $1::int * interval '1 second'""";

  private SessionSql() {
  }
}
