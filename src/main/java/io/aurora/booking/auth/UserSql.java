package io.aurora.booking.auth;

/** SQL of the auth feature. */
final class UserSql {

  static final String INSERT = """
      INSERT INTO users (name, email, password_hash) VALUES ($1, $2, $3)
      RETURNING id, name, email, role, created_at, token_generation""";

  static final String BY_EMAIL = """
      SELECT id, name, email, role, password_hash, created_at, token_generation, disabled_at FROM users WHERE email = $1""";

  static final String PASSWORD_OF = "SELECT password_hash FROM users WHERE id = $1 AND deleted_at IS NULL";

  /** A new password hash; every token issued before is refused (the next generation). */
  static final String CHANGE_PASSWORD = """
      UPDATE users SET password_hash = $2, token_generation = token_generation + 1, updated_at = now()
      WHERE id = $1 AND deleted_at IS NULL
      RETURNING id, name, email, role, created_at, token_generation""";

  /** Disabled (kept disabled if it was): every token issued before is refused (the next generation). */
  static final String DISABLE = """
      UPDATE users SET disabled_at = coalesce(disabled_at, now()), token_generation = token_generation + 1, updated_at = now()
      WHERE id = $1 AND deleted_at IS NULL
      RETURNING id, token_generation, disabled_at""";

  /** Enabled again: the user may log in; tokens refused while disabled stay refused (the generation stays). */
  static final String ENABLE = """
      UPDATE users SET disabled_at = NULL, updated_at = now()
      WHERE id = $1 AND deleted_at IS NULL
      RETURNING id""";

  /**
   * Account deletion: the row stays (bookings keep their user) but holds nothing personal any more, cannot
   * log in (no e-mail of anyone's, no usable hash) and refuses every token (the highest generation).
   */
  static final String DELETE_ACCOUNT = """
      UPDATE users SET name = 'Deleted user', email = 'deleted-' || id || '@deleted.invalid',
                       password_hash = '!deleted-account-no-password-matches-this-placeholder-hash!',
                       token_generation = 2147483647, deleted_at = now(), updated_at = now()
      WHERE id = $1 AND deleted_at IS NULL
      RETURNING token_generation""";

  static final String REVOKED = "SELECT id, token_generation FROM users WHERE token_generation > 0";

  static final String ADMIN_EXISTS = "SELECT id FROM users WHERE email = $1 AND role = 'ADMIN'";

  static final String UPSERT_ADMIN = """
      INSERT INTO users (name, email, password_hash, role) VALUES ('Administrator', $1, $2, 'ADMIN')
      ON CONFLICT (email) DO UPDATE SET role = 'ADMIN', password_hash = EXCLUDED.password_hash, updated_at = now()""";

  private UserSql() {
  }
}
